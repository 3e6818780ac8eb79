"""Comparing `go test` outputs of two toolchains: what may legitimately differ.

Timings ("(0.01s)", "ok <pkg> 0.123s") differ between any two runs, and so
does a goroutine dump (panic, timeout): its numbering, order and addresses.
Everything else must be byte-identical.
"""

import re

_TIMINGS = [(re.compile(rb"\(\d+\.\d+s\)"), b"(T)"), (re.compile(rb"\t\d+\.\d+s"), b"\tT"),
            (re.compile(rb"\(cached\)"), b"T")]
# From the first "goroutine N [...]" line up to the FAIL line after it.
_GOROUTINES = re.compile(rb"^goroutine \d+ \[.*?(?=^FAIL\t)", re.M | re.S)


def normalize(out: bytes) -> bytes:
    for pattern, repl in _TIMINGS:
        out = pattern.sub(repl, out)
    return _GOROUTINES.sub(b"<goroutine dump>\n", out)
