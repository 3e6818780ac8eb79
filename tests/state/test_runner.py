"""--go-src and --cursor together: one transaction, all or nothing."""

import json
import subprocess
import sys

import pytest

import bundlegen
from conftest import REPO, run_patcher, tree_digest

pytestmark = pytest.mark.go


def both(goroot, app, state, *extra, check=True):
    return run_patcher("apply", "--go-src", goroot, "--cursor", app, "--state-dir", state, *extra, check=check)


def test_both_targets_apply_status_and_revert(goroot, tmp_path, pristine_digest):
    app = bundlegen.make_app(tmp_path / "Cursor", shape="esm", winpty=True, esm_bytes=100_000)
    before = tree_digest(app)
    state = tmp_path / "state"
    proc = both(goroot, app, state)
    assert "applied go/test-output-utf8@1, go/testmain-bom@1" in proc.stdout
    assert "applied cursor/spawn-env-hook@1, cursor/winpty-mode@2" in proc.stdout
    st = json.loads(run_patcher("status", "--go-src", goroot, "--cursor", app, "--state-dir", state, "--json", check=True).stdout)
    assert [t["target"] for t in st["targets"]] == ["go", "cursor"]
    assert all(p["state"] == "applied" for t in st["targets"] for p in t["patches"])
    run_patcher("revert", "--go-src", goroot, "--cursor", app, "--state-dir", state, check=True)
    assert tree_digest(goroot) == pristine_digest and tree_digest(app) == before


def test_an_editor_refusal_leaves_the_goroot_untouched(goroot, tmp_path, pristine_digest):
    app = bundlegen.make_app(tmp_path / "Cursor", shape="cjs", winpty=False)
    (app / "out/main.js").write_text("function (")  # truncated
    proc = both(goroot, app, tmp_path / "state", check=False)
    assert proc.returncode == 1 and "does not parse as javascript" in proc.stderr
    assert tree_digest(goroot) == pristine_digest
    assert not list((tmp_path / "state").rglob("journal.json"))
    assert not list((tmp_path / "state").rglob("overlay.json")), "the staged overlay is dropped too"


KILL_WHILE_WRITING_THE_EDITOR = """
import os, signal, sys
import patcher.state.transaction as t
real = t.write_atomic
def dying(path, data, mode=None):
    if path.name == "main.js":  # bin/go is already replaced at this point
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path, data, mode=mode)
t.write_atomic = dying
from patcher.cli.app import main
main(sys.argv[1:])
"""


def test_a_run_killed_between_targets_is_rolled_back_everywhere(goroot, tmp_path, pristine_digest):
    app = bundlegen.make_app(tmp_path / "Cursor", shape="cjs", winpty=True)
    before = tree_digest(app)
    state = tmp_path / "state"
    proc = subprocess.run([sys.executable, "-c", KILL_WHILE_WRITING_THE_EDITOR, "apply", "--go-src", str(goroot),
                           "--cursor", str(app), "--state-dir", str(state)], cwd=REPO, capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == -9, proc.stderr
    assert tree_digest(goroot)["bin/go"] != pristine_digest["bin/go"], "the kill came after bin/go was replaced"
    st = json.loads(run_patcher("status", "--go-src", goroot, "--state-dir", state, "--json", check=True).stdout)
    assert {p["state"] for p in st["patches"]} == {"broken"}
    # No commit record was written: the next run rolls every target back.
    proc = run_patcher("revert", "--go-src", goroot, "--cursor", app, "--state-dir", state, check=True)
    assert "rolled back an interrupted apply" in proc.stderr
    assert tree_digest(goroot) == pristine_digest and tree_digest(app) == before
