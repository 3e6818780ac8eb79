"""Which golang.go `--go-ext auto` takes in each extensions folder: the one
the editor loads (extensions.json, else the newest version by package.json
that is not marked obsolete), and the runtime node --check uses."""

import json
import shutil

import pytest

from conftest import ODD_DIR, copy_goext, goext_builds, run_patcher
from patcher.errors import Refused, UsageError
from patcher.targets.goext import locate


def install(extensions, folder: str, version: str, ext_id=("golang", "go")):
    d = extensions / folder
    d.mkdir(parents=True)
    (d / "package.json").write_text(json.dumps({"publisher": ext_id[0], "name": ext_id[1], "version": version,
                                                "main": "./dist/goMain.js"}), encoding="utf-8")
    return d


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / ODD_DIR
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.delenv(locate.ENV_SEARCH, raising=False)
    return home


def test_newest_version_by_package_json_not_by_folder_name(home):
    ext = home / ".vscode" / "extensions"
    install(ext, "golang.go-0.9.0", "0.9.0")
    install(ext, "golang.go-0.10.0", "0.10.0")
    install(ext, "golang.go-0.11.0-rc.1", "0.11.0-rc.1")
    install(ext, "ms-python.python-2026.1.0", "2026.1.0", ("ms-python", "python"))
    assert [i.folder.name for i in locate.find_all()] == ["golang.go-0.11.0-rc.1"]
    assert locate.version_key("0.11.0") > locate.version_key("0.11.0-rc.1") > locate.version_key("0.10.0")
    (ext / "golang.go-0.11.0-rc.1" / "package.json").write_text('{"publisher": "golang", "name": "go", "version": "0.8.0"}')
    assert [i.folder.name for i in locate.find_all()] == ["golang.go-0.10.0"]


def test_what_extensions_json_lists_wins_over_a_newer_leftover(home):
    ext = home / ".cursor" / "extensions"
    listed = install(ext, "golang.go-0.50.0-universal", "0.50.0")
    install(ext, "golang.go-0.54.0-universal", "0.54.0")  # e.g. a failed update's leftover
    (ext / "extensions.json").write_text(json.dumps([
        {"identifier": {"id": "ms-python.python"}, "version": "1", "relativeLocation": "ms-python.python-1"},
        {"identifier": {"id": "Golang.Go"}, "version": "0.50.0", "relativeLocation": listed.name}]))
    assert [i.folder for i in locate.find_all()] == [listed]
    # Without relativeLocation, older editors write the location as a URI (a string or a parsed object).
    (ext / "extensions.json").write_text(json.dumps([{"identifier": {"id": "golang.go"}, "location": listed.as_uri()}]))
    assert [i.folder for i in locate.find_all()] == [listed]
    (ext / "extensions.json").write_text(json.dumps([{"identifier": {"id": "golang.go"},
                                                     "location": {"$mid": 1, "path": listed.as_posix(), "scheme": "file"}}]))
    assert [i.folder for i in locate.find_all()] == [listed]
    # Listed nowhere: the editor loads no golang.go from this folder.
    (ext / "extensions.json").write_text("[]")
    assert locate.find_all() == []


def test_obsolete_folders_are_not_the_extension(home):
    ext = home / ".vscode-server" / "extensions"
    keep = install(ext, "golang.go-0.53.0", "0.53.0")
    install(ext, "golang.go-0.54.0", "0.54.0")
    (ext / ".obsolete").write_text(json.dumps({"golang.go-0.54.0": True}))
    assert [i.folder for i in locate.find_all()] == [keep]


def test_every_editor_local_and_remote_and_the_notes(home):
    found = [install(home / rel, f"golang.go-0.5{i}.0", f"0.5{i}.0") for i, rel in enumerate(locate.EXTENSION_FOLDERS)]
    notes = []
    assert locate.expand("auto", notes.append) == [str(f) for f in found]
    assert notes == [f"note: --go-ext auto: using {f} (golang.go 0.5{i}.0)" for i, f in enumerate(found)]
    broken = home / ".vscode" / "extensions" / "extensions.json"
    broken.write_text("[{")
    assert str(found[1]) not in locate.expand("auto", notes.append)
    assert any(n.startswith(f"note: {broken}: not readable JSON") for n in notes)


def test_nothing_found_and_wrong_folders_are_one_line_refusals(home):
    with pytest.raises(Refused, match=r"--go-ext auto: no Go extension \(golang.go\) found in .*\.cursor/extensions"):
        locate.expand("auto")
    other = install(home / "x", "ms-python.python-1", "1", ("ms-python", "python"))
    with pytest.raises(Refused, match="not the Go extension"):
        locate.find_extension(str(other))
    with pytest.raises(UsageError, match="not a directory"):
        locate.find_extension(str(home / "missing"))


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
@pytest.mark.parametrize("build", goext_builds()[-1:])
def test_node_check_runs_with_the_servers_own_node_first(build, tmp_path):
    """On a remote host (WSL, SSH) the extension host is the server's own node:
    node --check runs with it, not with node on PATH."""
    home = tmp_path / ODD_DIR
    ext = copy_goext(build, home / ".vscode-server" / "extensions")
    server_node = home / ".vscode-server" / "bin" / "0123abcd" / "node"
    server_node.parent.mkdir(parents=True)
    used = tmp_path / "used"
    server_node.write_text(f'#!/bin/sh\necho "$@" >> "{used}"\nexec "{shutil.which("node")}" "$@"\n')
    server_node.chmod(0o755)
    proc = run_patcher("apply", "--go-ext", ext, "--state-dir", tmp_path / "s", check=True)
    assert f"note: node --check with the editor's own runtime ({server_node}, node " in proc.stderr
    assert used.read_text().count("--check") == 2  # goMain.js and debugAdapter.js
