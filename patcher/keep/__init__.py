"""Staying patched through updates: `patcher keep` and `patcher apply --kept`.

record.py holds what is kept (taken from the last successful apply: its
targets and pins) and the exact patcher to run; companion.py installs the
companion extension (targets/companion.py, patch keep/companion-extension@N) in the
editors concerned; kept.py is `apply --kept`, which the companion runs at
every editor start: it re-applies each kept target whose files an update
replaced, and changes nothing otherwise.
"""
