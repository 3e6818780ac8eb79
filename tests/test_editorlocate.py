from pathlib import Path

import pytest

import bundlegen
from patcher.editorlocate import default_locations, find_app
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
