"""`patcher rebuild` installing a new binary (go/rebuild.py): the self-test
runs and the journal records it.  (A rebuild identical to the installed binary,
and one that recreates lost overlay copies: test_go_target.py.)"""

import json
import os

import pytest

from conftest import run_patcher, tree_digest
from patcher.state.statedir import target_state_dir

pytestmark = pytest.mark.go


def recorded(state, goroot) -> dict:
    doc = json.loads((target_state_dir(state, "go", goroot, create=False) / "journal.json").read_text(encoding="utf-8"))
    doc.pop("updated")
    return doc


def test_rebuild_over_the_original_binary_installs_and_records_the_patched_one(goroot, tmp_path, pristine_digest):
    state = tmp_path / "state"
    original = (goroot / "bin/go").read_bytes()
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    patched, journal = (goroot / "bin/go").read_bytes(), recorded(state, goroot)
    # The original is back (Go reinstalled, same release): a bin/go rebuild may replace.
    (goroot / "bin/go").unlink()
    (goroot / "bin/go").write_bytes(original)
    os.chmod(goroot / "bin/go", 0o755)
    proc = run_patcher("rebuild", "--go-src", goroot, "--state-dir", state, check=True)
    assert "self-test passed" in proc.stdout and f"and installed it as {goroot / 'bin/go'}" in proc.stdout, proc.stdout
    assert (goroot / "bin/go").read_bytes() == patched, "the same overlay gives the same binary"
    assert recorded(state, goroot) == journal, "the journal records the rebuilt binary as apply recorded its own"
    st = json.loads(run_patcher("status", "--go-src", goroot, "--state-dir", state, "--json", check=True).stdout)
    assert {p["state"] for p in st["patches"]} == {"applied"}
    assert not (target_state_dir(state, "go", goroot, create=False) / "build").exists()
    run_patcher("revert", "--go-src", goroot, "--state-dir", state, check=True)
    assert tree_digest(goroot) == pristine_digest
