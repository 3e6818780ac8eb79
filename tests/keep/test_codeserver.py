"""The companion in a real editor: code-server from npm (scripts/codeserver.py).

1. `patcher keep` installs the companion the way the editor's own
   `--install-extension` does: the same entry in extensions.json, the same
   folder, and the editor lists it.
2. The real workbench, opened by a headless Chromium, starts its extension
   host, which activates the companion at onStartupFinished; the companion
   runs `patcher apply --kept`, which patches the golang.go the editor had just
   updated (installed with its own --install-extension).  Shown by the new
   folder being patched and keep.log's line, written by that run.

A real workbench rather than only a stand-in: it is what finds that a window
in restricted mode (workspace trust) activates no extension that does not
declare `untrustedWorkspaces`, that one bad entry makes the editor drop all
of extensions.json, and what the editor rewrites or deletes on its own.  The
companion's messages are shown with a stand-in vscode in test_keep.py.
"""

import json
import shutil
import time
from urllib.parse import unquote

import pytest

from conftest import ODD_DIR, copy_goext, goext_builds, next_version, run_patcher, tree_digest

import codeserver  # noqa: E402  (scripts/, put on sys.path by conftest)
from patcher.catalog.catalog import Catalog

COMPANION = Catalog().get("keep/companion-extension@1").directory / "payload"
ID = "patcher.patcher-keep"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def code_server():
    try:
        return codeserver.fetch()
    except codeserver.CodeServerError as exc:
        pytest.skip(f"no code-server here: {exc}")


def entries(extensions):
    return {e["identifier"]["id"]: e for e in json.loads((extensions / "extensions.json").read_text())}


def install_go_ext(code_server, build, extensions, user_data, tmp_path, version=None):
    """golang.go installed by the editor itself, from a VSIX of the real build (at another version: an update)."""
    src = copy_goext(build, tmp_path / "vsix-src", f"go-{version or 'same'}")
    if version:
        pkg = json.loads((src / "package.json").read_text(encoding="utf-8"))
        (src / "package.json").write_text(json.dumps(dict(pkg, version=version)), encoding="utf-8")
    vsix = codeserver.build_vsix(src, tmp_path / f"golang.go-{version or 'same'}.vsix")
    proc = codeserver.install_extension(code_server, vsix, extensions, user_data)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (folder,) = [extensions / e["relativeLocation"] for i, e in entries(extensions).items() if i == "golang.go"]
    return folder


@pytest.mark.parametrize("build", goext_builds()[-1:])
def test_keep_installs_the_companion_as_install_extension_does(code_server, build, tmp_path):
    base = tmp_path / ODD_DIR
    # The editor's own install of the companion, for comparison.
    theirs = base / "theirs"
    vsix = codeserver.build_vsix(COMPANION, tmp_path / "companion.vsix")
    proc = codeserver.install_extension(code_server, vsix, theirs, base / "ud-theirs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # patcher's, beside a golang.go the editor installed.
    ours, state = base / "ours", tmp_path / "state"
    go_ext = install_go_ext(code_server, build, ours, base / "ud-ours", tmp_path)
    run_patcher("apply", "--go-ext", go_ext, "--state-dir", state, check=True)
    before_keep = tree_digest(ours)
    run_patcher("keep", "--state-dir", state, check=True)

    mine, editors = entries(ours)[ID], entries(theirs)[ID]
    assert mine.keys() == editors.keys() and mine["metadata"].keys() == editors["metadata"].keys()
    assert {k: mine[k] for k in ("identifier", "version", "relativeLocation")} == \
           {k: editors[k] for k in ("identifier", "version", "relativeLocation")}
    def where(location):  # (the URI's `external` form percent-encodes the space and the CJK)
        return {k: unquote(v).replace(str(theirs), str(ours)) if isinstance(v, str) else v for k, v in location.items()}
    assert mine["location"]["path"] == str(ours / mine["relativeLocation"])
    assert where(mine["location"]) == where(editors["location"])
    folder, their_folder = ours / mine["relativeLocation"], theirs / editors["relativeLocation"]
    assert (folder / "extension.js").read_bytes() == (their_folder / "extension.js").read_bytes()
    # The editor adds its own metadata to package.json and keeps the VSIX manifest; patcher adds keep.json.
    assert {p.name for p in their_folder.iterdir()} - {".vsixmanifest"} == {p.name for p in folder.iterdir()} - {"keep.json"}
    their_pkg = json.loads((their_folder / "package.json").read_text())
    assert {k: v for k, v in their_pkg.items() if k != "__metadata"} == json.loads((folder / "package.json").read_text())
    # The editor takes patcher's install as one of its own.
    listed = codeserver._run([code_server, "--list-extensions", "--show-versions", "--extensions-dir", ours,
                              "--user-data-dir", base / "ud-ours"], env=codeserver.cli_env(base / "ud-ours"), timeout=120)
    assert f"{ID}@1.0.0" in listed.stdout.split() and any(x.startswith("golang.go@") for x in listed.stdout.split())
    run_patcher("keep", "--off", "--state-dir", state, check=True)
    assert tree_digest(ours) == before_keep


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")), reason="needs chromium")
@pytest.mark.parametrize("build", goext_builds()[-1:])
def test_the_editor_starts_the_companion_which_patches_an_update(code_server, build, tmp_path):
    base = tmp_path / ODD_DIR
    extensions, user_data, state = base / "extensions", base / "user-data", tmp_path / "state"
    go_ext = install_go_ext(code_server, build, extensions, user_data, tmp_path)
    run_patcher("apply", "--go-ext", go_ext, "--state-dir", state, check=True)
    run_patcher("keep", "--state-dir", state, check=True)
    # The Go extension updates itself (the editor installs the new version in a new folder).
    version = next_version(build)
    newer = install_go_ext(code_server, build, extensions, user_data, tmp_path, version)
    assert newer != go_ext and b"__patcherUtf8Chunks" not in (newer / "dist/goMain.js").read_bytes()
    (base / "workspace").mkdir()
    server, url = codeserver.start_server(code_server, extensions, user_data, base / "workspace")
    browser = codeserver.open_workbench(url, tmp_path / "chromium")
    t0 = time.monotonic()
    log = state / "keep.log"
    try:
        ran = codeserver.wait_for(lambda: log.exists() and "re-applied" in log.read_text(), 180)
    finally:
        codeserver.stop(browser)
        codeserver.stop(server)
    assert ran, f"the companion did not run within 180 s; server log:\n{(user_data / 'server.log').read_text()[-3000:]}"
    print(f"companion ran `patcher apply --kept` {time.monotonic() - t0:.1f}s after the workbench was opened")
    assert f"re-applied: applied goext/utf8-stream-decode@1 to {newer}" in log.read_text()
    assert (newer / "dist/goMain.js").read_bytes().count(b"patcher: goext/utf8-stream-decode@1") == 1
    run_patcher("keep", "--off", "--state-dir", state, check=True)
    assert ID not in entries(extensions)
