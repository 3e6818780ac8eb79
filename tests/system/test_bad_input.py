"""Every bad input of issue 4: the exact one-line reason, a non-zero exit,
nothing changed on disk, no traceback.  (Go cases need a real GOROOT.)"""

import os
import shutil
from pathlib import Path

import pytest

import bundlegen
from conftest import GO_VERSION, REPO, read_only, read_only_mount, replace_file, run_patcher, tree_digest


def expect(proc, status: int, message: str):
    lines = proc.stderr.splitlines()
    assert proc.returncode == status, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines and lines[-1] == f"patcher: {message}", proc.stderr
    assert all(ln.startswith("note: ") for ln in lines[:-1]), proc.stderr


@pytest.fixture
def app(tmp_path):
    return bundlegen.make_app(tmp_path / "Cursor 安装", shape="esm", winpty=True, esm_bytes=60_000)


def unchanged(*trees):
    before = [tree_digest(t) for t in trees]
    return lambda: [tree_digest(t) for t in trees] == before


# -- command line ---------------------------------------------------------

def test_missing_go_src():
    expect(run_patcher("apply"), 2, "missing --go-src: give the GOROOT to patch (the directory with VERSION, src/ and bin/, "
                                    "e.g. ~/go or $(go env GOROOT))")


def test_folder_that_is_not_a_goroot(tmp_path):
    (tmp_path / "some project").mkdir()
    same = unchanged(tmp_path / "some project")
    expect(run_patcher("apply", "--go-src", tmp_path / "some project", "--state-dir", tmp_path / "s"), 1,
           f"{tmp_path / 'some project'}: not a GOROOT (no VERSION, src/cmd/go, bin); give the directory `go env GOROOT` prints")
    assert same() and not (tmp_path / "s").exists()


# -- Go ---------------------------------------------------------------------

@pytest.mark.go
def test_goroot_of_an_unsupported_release(goroot, tmp_path):
    replace_file(goroot / "VERSION", b"go1.19.8\ntime 2023-04-04T00:00:00Z\n")
    same = unchanged(goroot)
    expect(run_patcher("apply", "--go-src", goroot, "--state-dir", tmp_path / "s"), 1,
           f"{goroot}: go1.19.8 is not supported by go/test-output-utf8@1 (supported: go1.21–go1.27); nothing changed")
    assert same()


@pytest.mark.go
def test_user_edited_test_go(goroot, tmp_path):
    from patcher.targets.go.goroot import fingerprints
    path = goroot / "src/cmd/go/internal/test/test.go"
    replace_file(path, path.read_bytes().replace(b"package test", b"package test // edited", 1))
    import hashlib
    got = hashlib.sha256(path.read_bytes()).hexdigest()
    known = fingerprints()["releases"][f"go{GO_VERSION}"]["src/cmd/go/internal/test/test.go"]
    same = unchanged(goroot)
    expect(run_patcher("apply", "--go-src", goroot, "--state-dir", tmp_path / "s"), 1,
           f"{path}: sha256 {got[:12]}… is not the known one for go{GO_VERSION} ({known[:12]}…): "
           "the file was probably edited; use --force to patch it anyway")
    assert same()


@pytest.mark.go
def test_go_binary_linked_outside_the_goroot(goroot, tmp_path):
    elsewhere = tmp_path / "shared-bin" / "go"
    elsewhere.parent.mkdir()
    shutil.copy2(goroot / "bin/go", elsewhere)
    (goroot / "bin/go").unlink()
    os.symlink(elsewhere, goroot / "bin/go")
    same = unchanged(goroot, elsewhere.parent)
    expect(run_patcher("apply", "--go-src", goroot, "--state-dir", tmp_path / "s"), 1,
           f"{goroot / 'bin/go'}: is a symbolic link to {elsewhere}, outside {goroot}; patcher does not write outside the tree it patches")
    assert same()


@pytest.mark.go
def test_state_dir_deleted_between_apply_and_revert(goroot, tmp_path):
    state = tmp_path / "s"
    run_patcher("apply", "--go-src", goroot, "--state-dir", state, check=True)
    shutil.rmtree(state)
    same = unchanged(goroot)
    proc = run_patcher("revert", "--go-src", goroot, "--state-dir", state)
    from patcher.state.statedir import target_state_dir
    journal = target_state_dir(state, "go", goroot, create=False) / "journal.json"
    expect(proc, 1, f"{goroot / 'bin/go'}: has patcher's changes but {journal} has no record of them (state directory "
                    "deleted, or another --state-dir or $PATCHER_STATE_DIR, or the user who applied them, e.g. root after "
                    "sudo?); without that record the original go binary cannot be restored from here (or reinstall Go)")
    assert same()


# -- editor -------------------------------------------------------------------

def test_truncated_main_js(app, tmp_path):
    main = app / "out/main.js"
    data = main.read_bytes()
    # Cut inside an expression (a cut that happens to end a statement is valid JavaScript).
    main.write_bytes(data[:data.rindex(b"Object.freeze({") + 20])
    same = unchanged(app)
    proc = run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"patcher: {main}: does not parse as javascript (")
    assert proc.stderr.rstrip().endswith("); truncated or not a javascript file?")
    assert same()


def test_non_javascript_main_js(app, tmp_path):
    main = app / "out/main.js"
    main.write_text("<!DOCTYPE html><html><body>not a bundle</body></html>\n")
    same = unchanged(app)
    expect(run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s"), 1,
           f"{main}: does not parse as javascript (syntax error at line 1, column 1); truncated or not a javascript file?")
    assert same()


def test_app_without_package_json(app, tmp_path):
    (app / "package.json").unlink()
    same = unchanged(app)
    expect(run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s"), 1,
           f"{app}: resources/app without package.json (damaged install?); reinstall the editor")
    assert same()


def test_file_that_is_not_utf8(app, tmp_path):
    main = app / "out/main.js"
    main.write_bytes(b"/* Latin-1: caf\xe9 */\n" + main.read_bytes())
    same = unchanged(app)
    expect(run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s"), 1,
           f"{main}: not UTF-8 (byte 0xe9 at offset 15); patcher only edits UTF-8 files")
    assert same()


def test_crlf_files_stay_crlf(tmp_path):
    app = bundlegen.make_app(tmp_path / "crlf", shape="cjs", winpty=True, crlf=True)
    run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", check=True)
    for rel in ("out/main.js", "out/vs/platform/terminal/node/ptyHostMain.js"):
        data = (app / rel).read_bytes()
        assert b"\r\n" in data and data.replace(b"\r\n", b"").count(b"\n") == 0, rel


def test_paths_with_spaces_and_cjk(tmp_path):
    app = bundlegen.make_app(tmp_path / "用户 目录" / "Programs" / "cursor 光标", shape="cjs", winpty=True)
    same = unchanged(app)
    run_patcher("apply", "--cursor", app.parent.parent, "--state-dir", tmp_path / "状态 dir", check=True)
    run_patcher("revert", "--cursor", app.parent.parent, "--state-dir", tmp_path / "状态 dir", check=True)
    assert same()


def test_target_on_a_read_only_file_system(tmp_path):
    with read_only_mount(tmp_path / "mnt") as mnt:
        app = bundlegen.make_app(mnt.path / "Cursor", shape="cjs", winpty=True)
        mnt.make_read_only()
        same = unchanged(app)
        proc = run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s")
        expect(proc, 1, f"{app}: read-only file system (AppImage, mounted image or signed app bundle?); "
                        "copy the installation somewhere writable first")
        assert same()


def test_read_only_install_without_permission(app, tmp_path):
    same = unchanged(app)
    with read_only(app / "out"):
        proc = run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s")
    expect(proc, 1, f"{app / 'out'}: permission denied (read-only install?); run as the owner of this installation or "
                    "install it where you can write")
    assert same()


def test_main_js_linked_outside_the_tree(app, tmp_path):
    outside = tmp_path / "not-the-editor.js"
    shutil.move(app / "out/main.js", outside)
    os.symlink(outside, app / "out/main.js")
    same = unchanged(app, tmp_path / "not-the-editor.js")
    expect(run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s"), 1,
           f"{app / 'out/main.js'}: is a symbolic link to {outside}, outside {app}; patcher does not write outside the tree it patches")
    assert same()


def test_editor_state_dir_deleted_between_apply_and_revert(app, tmp_path):
    state = tmp_path / "s"
    run_patcher("apply", "--cursor", app, "--state-dir", state, check=True)
    shutil.rmtree(state)
    same = unchanged(app)
    from patcher.state.statedir import target_state_dir
    journal = target_state_dir(state, "cursor", app, create=False) / "journal.json"
    expect(run_patcher("revert", "--cursor", app, "--state-dir", state), 1,
           f"{app / 'out/main.js'}: has patcher's changes but {journal} has no record of them (state directory deleted, or "
           "another --state-dir or $PATCHER_STATE_DIR, or the user who applied them, e.g. root after sudo?); reinstall the "
           "editor to get the original back")
    assert same()


# -- the catalog ----------------------------------------------------------------

def bad_catalog(tmp_path, edit: str) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(REPO / "patches", root)
    manifest = root / "go/testmain-bom/1/manifest.toml"
    text = manifest.read_text()
    old, new = edit.split(" => ")
    assert old in text
    manifest.write_text(text.replace(old, new, 1))
    return root


@pytest.mark.parametrize("edit,message", [
    ('path = "src/cmd/go/internal/load/test.go" => path = "../../etc/passwd"',
     "files[0].path: path '../../etc/passwd' escapes its target (must be relative, '/'-separated, without '..')"),
    ('action = "replace" => action = "rewrite-everything"',
     "edits[0].action: unknown edit kind 'rewrite-everything' (expected one of insert-before, insert-after, replace)"),
    ('version = 1 => version = "one"', "version: expected int, got str 'one'"),
], ids=["path-escapes", "unknown-edit-kind", "wrong-type"])
def test_bad_patch_manifest_is_refused_when_the_catalog_loads(tmp_path, app, edit, message):
    catalog = bad_catalog(tmp_path, edit)
    same = unchanged(app)
    proc = run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", env={"PATCHER_PATCHES_DIR": str(catalog)})
    expect(proc, 1, f"{catalog / 'go/testmain-bom/1/manifest.toml'}: {message}")
    assert same()
