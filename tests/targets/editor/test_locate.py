from pathlib import Path

import pytest

import bundlegen
from patcher.targets.editor.locate import default_locations, find_app
from patcher.errors import Refused, UsageError


def test_windows_locations_use_localappdata_then_program_files():
    env = {"LOCALAPPDATA": r"C:\Users\李雷\AppData\Local", "ProgramFiles": r"C:\Program Files"}
    locs = default_locations("win32", env, Path(r"C:\Users\李雷"))
    assert locs[0] == Path(r"C:\Users\李雷\AppData\Local") / "Programs" / "cursor"
    assert Path(r"C:\Program Files") / "cursor" in locs


def test_macos_and_linux_locations():
    assert default_locations("darwin", {}, Path("/Users/x"))[0] == Path("/Applications/Cursor.app")
    linux = default_locations("linux", {}, Path("/home/x"))
    assert Path("/opt/Cursor") in linux and Path("/home/x/squashfs-root") in linux


@pytest.mark.parametrize("given", ["app", "install-root", "resources"])
def test_find_app_from_app_dir_install_root_or_resources(tmp_path, given):
    root = tmp_path / "Programs" / "cursor 光标"
    app = bundlegen.make_app(root, shape="cjs", winpty=False)
    arg = {"app": app, "install-root": root, "resources": app.parent}[given]
    found, note = find_app(str(arg))
    assert found == app
    assert (note is None) == (given == "app")


def test_find_app_refusals(tmp_path):
    with pytest.raises(UsageError, match="missing --cursor"):
        find_app("")
    with pytest.raises(UsageError, match="is not a directory"):
        find_app(str(tmp_path / "nope"))
    with pytest.raises(Refused, match="no resources/app with package.json and out/"):
        find_app(str(tmp_path))


def _exe(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_editor_executables_beside_resources_per_os(tmp_path):
    from patcher.targets.editor.locate import editor_executables
    root = tmp_path / "Programs" / "cursor 光标"
    app = bundlegen.make_app(root, shape="cjs", winpty=False)
    assert editor_executables(app, "win32") == []
    win = _exe(root / "Cursor.exe")
    _exe(root / "Uninstall Cursor.exe")
    assert editor_executables(app, "win32") == [win]
    linux = _exe(root / "cursor")
    assert editor_executables(app, "linux") == [linux], "product.json applicationName, no .exe"
    (root / "cursor").chmod(0o644)
    assert editor_executables(app, "linux") == [], "not executable: not a runtime"


def test_editor_executable_of_a_macos_app(tmp_path):
    from patcher.targets.editor.locate import editor_executables
    mac = tmp_path / "Cursor.app" / "Contents"
    app = bundlegen.make_app(tmp_path / "staging", shape="cjs", winpty=False)
    (mac / "Resources").mkdir(parents=True)
    app.rename(mac / "Resources" / "app")
    exe = _exe(mac / "MacOS" / "Cursor")
    assert editor_executables(mac / "Resources" / "app", "darwin") == [exe]
