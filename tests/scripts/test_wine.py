"""scripts/wine.py finds Wine as Debian's wine64 installs it without the `wine`
package: /usr/lib/wine/{wine64,wineserver} and nothing on PATH.  A fake
layout of executables stands in for Wine, so no Wine is needed here."""

import os
import sys
from pathlib import Path

import pytest

import wine  # scripts/, put on sys.path by conftest


def executable(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return path


# Each fake logs its arguments, so the test sees which one ensure_prefix ran.
LOG_ARGS = """import os, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(" ".join([os.path.basename(sys.argv[0]), *sys.argv[1:]]) + "\\n")
"""
# wineboot --init makes the prefix: what ensure_prefix checks for afterwards.
FAKE_WINE64 = LOG_ARGS + """from pathlib import Path
if sys.argv[1:] == ["wineboot", "--init"]:
    system32 = Path(os.environ["WINEPREFIX"], "drive_c", "windows", "system32")
    system32.mkdir(parents=True, exist_ok=True)
    (system32 / "kernel32.dll").write_bytes(b"MZ")
"""
FAKE_GCC = LOG_ARGS + """open(sys.argv[sys.argv.index("-o") + 1], "wb").write(b"MZ stub")
"""


@pytest.fixture
def debian_without_wrapper(tmp_path, monkeypatch):
    """/usr/lib/wine as wine64 + libwine leave it, mingw on PATH, no wine or wineserver on PATH."""
    lib = tmp_path / "usr" / "lib" / "wine"
    executable(lib / "wine64", FAKE_WINE64)
    executable(lib / "wineserver", LOG_ARGS)
    bin_dir = tmp_path / "usr" / "bin"
    executable(bin_dir / wine.MINGW_GCC, FAKE_GCC)
    monkeypatch.setattr(wine, "WINE_DIR", lib)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PATCHER_WINE_PREFIX", str(tmp_path / "prefix"))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log"))
    return lib


def test_wineserver_beside_wine64_is_used_when_none_is_on_path(debian_without_wrapper, tmp_path):
    lib = debian_without_wrapper
    assert wine.wine_binary() == str(lib / "wine64")
    assert wine.wineserver_binary() == str(lib / "wineserver")
    assert wine.missing() is None
    prefix = wine.ensure_prefix()
    log = (tmp_path / "log").read_text(encoding="utf-8").splitlines()
    assert log[:2] == ["wine64 wineboot --init", "wineserver --wait"]
    assert (prefix / "drive_c" / "windows" / "system32" / "bcryptprimitives.dll").read_bytes() == b"MZ stub"


def test_wineserver_beside_the_real_wine64_a_link_on_path_points_to(debian_without_wrapper, tmp_path, monkeypatch):
    """A wine64 found on PATH as a link (/usr/bin/wine64 -> /usr/lib/wine/wine64): its wineserver
    is where the link points."""
    lib = debian_without_wrapper
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setattr(wine, "WINE_DIR", elsewhere)
    (tmp_path / "usr" / "bin" / "wine64").symlink_to(lib / "wine64")
    assert wine.wine_binary() == str(tmp_path / "usr" / "bin" / "wine64")
    assert wine.wineserver_binary() == str(lib / "wineserver")


def test_missing_says_which_piece_is_missing_and_where_it_was_looked_for(debian_without_wrapper, tmp_path, monkeypatch):
    lib = debian_without_wrapper
    (lib / "wineserver").unlink()
    assert wine.missing() == (f"wineserver is not installed: not in {lib} (beside {lib / 'wine64'}) and not on PATH "
                              "(Debian package libwine, which wine64 depends on)")
    with pytest.raises(SystemExit, match="^wine.py: wineserver is not installed"):
        wine.ensure_prefix()
    assert not (tmp_path / "log").exists(), "nothing run"
    (lib / "wine64").unlink()
    assert wine.missing() == (f"wine64 is not installed: not at {lib / 'wine64'}, and neither wine64 nor wine is on "
                              "PATH (Debian package wine64)")
    executable(lib / "wine64", FAKE_WINE64)
    executable(lib / "wineserver", LOG_ARGS)
    os.unlink(tmp_path / "usr" / "bin" / wine.MINGW_GCC)
    assert wine.missing() == f"{wine.MINGW_GCC} is not installed: not on PATH (Debian package gcc-mingw-w64-x86-64)"
