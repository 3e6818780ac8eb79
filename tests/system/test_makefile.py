"""The Makefile's user targets: `make apply` / `make status` / `make revert`
with GO_SRC on a real GOROOT, applying exactly the pinned PATCHES."""

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO, tree_digest

pytestmark = [pytest.mark.go, pytest.mark.skipif(not shutil.which("make"), reason="needs make")]


def make(target: str, goroot, state) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATCHER_STATE_DIR=str(state))
    return subprocess.run(["make", "-s", target, f"GO_SRC={goroot}"], cwd=REPO, capture_output=True, text=True, env=env)


def test_make_apply_status_revert_use_the_pins(goroot, tmp_path, pristine_digest):
    pins = re.search(r"^PATCHES := (.+)$", (REPO / "Makefile").read_text(), re.M).group(1).split()
    state = tmp_path / "state"
    applied = make("apply", goroot, state)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith(f"applied {', '.join(pins)} to {goroot}")
    status = make("status", goroot, state)
    assert status.returncode == 0, status.stderr
    for ref in pins:
        assert re.search(rf"^  {re.escape(ref)}\s+applied$", status.stdout, re.M), status.stdout
    journal = json.loads(next(state.rglob("journal.json")).read_text())
    assert sorted(f"{p['id']}@{p['version']}" for p in journal["patches"]) == sorted(pins)
    reverted = make("revert", goroot, state)
    assert reverted.returncode == 0, reverted.stderr
    assert tree_digest(goroot) == pristine_digest
