"""`--go-ext` on every real golang.go build of the corpus, through the real
CLI: apply, status, dry run, revert byte for byte, the shapes it refuses, an
update installing a new folder, and one transaction with another target."""

import json

import pytest

from conftest import ODD_DIR, copy_goext, goext_builds, next_version, run_patcher, tree_digest

REF = "goext/utf8-stream-decode@1"
MARK = b"patcher: goext/utf8-stream-decode@1"
# What every build's goTest() and spawnDlvDapServerProcess() become.
GO_TEST = [b'tp.stdout.on("data", __patcherUtf8Chunks((chunk) => outBuf.append(chunk.toString())));',
           b'tp.stderr.on("data", __patcherUtf8Chunks((chunk) => errBuf.append(chunk.toString())));']
DLV_DAP = [b'p.stdout.on("data", __patcherUtf8Chunks((chunk) => {', b'p.stderr.on("data", __patcherUtf8Chunks((chunk) => {']
# dlv's log on stdio[3], in the two shapes esbuild writes (optional chaining, or lowered for older targets).
DLV_LOG = [b'p.stdio[3]?.on("data", __patcherUtf8Chunks((chunk) => {',
           b'(_a = p.stdio[3]) == null ? void 0 : _a.on("data", __patcherUtf8Chunks((chunk) => {']


def function_text(bundle: bytes, name: bytes) -> bytes:
    """A top-level function of an unminified bundle, up to the next top-level declaration."""
    start = bundle.index(b"function " + name + b"(")
    ends = [i for i in (bundle.find(b"\nfunction ", start + 1), bundle.find(b"\nasync function ", start + 1),
                        bundle.find(b"\nvar ", start + 1)) if i > 0]
    return bundle[start:min(ends)]


@pytest.fixture
def ext(tmp_path, request):
    """A copy of the build, installed in a folder with a space and CJK characters."""
    return copy_goext(request.param, tmp_path / ODD_DIR / ".vscode" / "extensions")


def status(ext, state) -> dict:
    return json.loads(run_patcher("status", "--go-ext", ext, "--state-dir", state, "--json", check=True).stdout)


@pytest.mark.parametrize("ext", goext_builds(), indirect=True)
def test_apply_status_revert_on_a_real_build(ext, tmp_path):
    state = tmp_path / "state"
    before = tree_digest(ext)
    assert status(ext, state)["patches"][0]["state"] == "not applied"
    done = run_patcher("apply", "--go-ext", ext, "--state-dir", state, check=True)
    assert f"applied {REF} to {ext}: dist/debugAdapter.js (commonjs), dist/goMain.js (commonjs)" in done.stdout
    main = (ext / "dist/goMain.js").read_bytes()
    assert main.count(MARK) == 1
    go_test, dlv_dap = function_text(main, b"goTest"), function_text(main, b"spawnDlvDapServerProcess")
    assert [go_test.count(shape) for shape in GO_TEST] == [1, 1]
    assert [dlv_dap.count(shape) for shape in DLV_DAP] == [1, 1] and sum(dlv_dap.count(s) for s in DLV_LOG) == 1
    assert b"__patcherUtf8Chunks(" in (ext / "dist/debugAdapter.js").read_bytes()
    report = status(ext, state)
    assert report["release"] == f"golang.go {ext.name.split('-', 1)[1]}"
    assert [(p["ref"], p["state"]) for p in report["patches"]] == [(REF, "applied")]
    again = run_patcher("apply", "--go-ext", ext, "--state-dir", state, check=True)
    assert f"already applied to {ext}: {REF}" in again.stdout
    reverted = run_patcher("revert", "--go-ext", ext, "--state-dir", state, check=True)
    assert "restored dist/debugAdapter.js, dist/goMain.js" in reverted.stdout
    assert tree_digest(ext) == before


@pytest.mark.parametrize("ext", goext_builds()[-1:], indirect=True)
def test_dry_run_shows_the_diff_and_changes_nothing(ext, tmp_path):
    before = tree_digest(ext)
    proc = run_patcher("apply", "--go-ext", ext, "--state-dir", tmp_path / "s", "--dry-run", check=True)
    assert "+++ b/dist/goMain.js" in proc.stdout and "+++ b/dist/debugAdapter.js" in proc.stdout
    assert '+      tp.stdout.on("data", __patcherUtf8Chunks((chunk) => outBuf.append(chunk.toString())));' in proc.stdout
    assert tree_digest(ext) == before and not (tmp_path / "s").exists()


@pytest.mark.parametrize("ext", goext_builds()[-1:], indirect=True)
def test_a_bundle_of_unknown_shape_is_refused_with_the_reason(ext, tmp_path):
    """goTest() reading its stdout some other way: the required anchor is not
    there, so nothing is guessed and nothing is written."""
    main = ext / "dist/goMain.js"
    data = main.read_bytes()
    old = b'tp.stdout.on("data", (chunk) => outBuf.append(chunk.toString()));'
    main.write_bytes(data.replace(old, b'tp.stdout.on("data", (chunk) => outBuf.append(chunk));'))
    before = tree_digest(ext)
    proc = run_patcher("apply", "--go-ext", ext, "--state-dir", tmp_path / "s")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"patcher: {main}: anchor 'goTest(): the listener of go test's stdout' matched nothing" in proc.stderr
    assert tree_digest(ext) == before


@pytest.mark.parametrize("ext", goext_builds()[-1:], indirect=True)
def test_an_extensions_folder_names_the_extension_it_loads_and_anything_else_is_refused(ext, tmp_path):
    proc = run_patcher("status", "--go-ext", ext.parent, "--state-dir", tmp_path / "s", check=True)
    assert f"note: --go-ext {ext.parent}: using {ext} (golang.go " in proc.stderr and f"Go extension {ext} (" in proc.stdout
    (ext.parent / "extensions.json").write_text("[]")  # the editor loads nothing from there
    proc = run_patcher("apply", "--go-ext", ext.parent, "--state-dir", tmp_path / "s")
    assert proc.returncode == 1 and "an extensions folder from which the editor loads no Go extension" in proc.stderr
    other = tmp_path / "other"
    other.mkdir()
    (other / "package.json").write_text(json.dumps({"publisher": "ms-python", "name": "python", "version": "1.0.0"}))
    proc = run_patcher("apply", "--go-ext", other, "--state-dir", tmp_path / "s")
    assert proc.returncode == 1 and f"{other / 'package.json'}: not the Go extension (it is ms-python.python)" in proc.stderr


@pytest.mark.parametrize("build", goext_builds()[-1:])
def test_an_update_in_a_new_folder_is_not_applied_and_auto_says_so(build, tmp_path):
    """golang.go updates into a new folder beside the old one, and extensions.json
    names the new one: `--go-ext auto` takes what the editor loads, not the leftover."""
    home = tmp_path / ODD_DIR
    extensions = home / ".cursor" / "extensions"
    version = build.name.split("-", 1)[1]
    old = copy_goext(build, extensions, f"golang.go-{version}-universal")
    state = tmp_path / "state"
    env = {"HOME": str(home), "USERPROFILE": str(home)}
    proc = run_patcher("apply", "--go-ext", "auto", "--state-dir", state, env=env, check=True)
    assert f"note: --go-ext auto: using {old} (golang.go {version})" in proc.stderr
    # The update: the new release's own (unpatched) files in a new folder, listed by the editor.
    newer = copy_goext(build, extensions, f"golang.go-{next_version(build)}-universal")
    pkg = json.loads((newer / "package.json").read_text(encoding="utf-8"))
    (newer / "package.json").write_text(json.dumps(dict(pkg, version=next_version(build))), encoding="utf-8")
    (extensions / "extensions.json").write_text(json.dumps([
        {"identifier": {"id": "golang.go"}, "version": next_version(build), "relativeLocation": newer.name,
         "location": {"$mid": 1, "path": newer.as_posix(), "scheme": "file"}}]))
    report = json.loads(run_patcher("status", "--go-ext", "auto", "--state-dir", state, "--json", env=env, check=True).stdout)
    assert report["root"] == str(newer) and report["patches"][0]["state"] == "not applied"
    assert status(old, state)["patches"][0]["state"] == "applied"
    run_patcher("apply", "--go-ext", "auto", "--state-dir", state, env=env, check=True)
    assert status(newer, state)["patches"][0]["state"] == "applied"


@pytest.mark.parametrize("ext", goext_builds()[-1:], indirect=True)
def test_with_another_target_in_one_transaction(ext, tmp_path):
    """--go-ext and --settings together: a failure in one leaves both as they were."""
    state = tmp_path / "state"
    settings = tmp_path / "settings.json"
    settings.write_text('{"editor.fontSize": ')  # not JSON: refused, after the Go extension was planned
    before = tree_digest(ext)
    proc = run_patcher("apply", "--go-ext", ext, "--settings", settings, "--state-dir", state)
    assert proc.returncode == 1 and str(settings) in proc.stderr
    assert tree_digest(ext) == before
    settings.write_text('{"editor.fontSize": 14}\n')
    run_patcher("apply", "--go-ext", ext, "--settings", settings, "--state-dir", state, check=True)
    assert status(ext, state)["patches"][0]["state"] == "applied" and b"chcp" in settings.read_bytes()
