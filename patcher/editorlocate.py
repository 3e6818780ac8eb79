"""Finding the editor's resources/app directory.

`--cursor` takes the resources/app directory itself, an install root that
contains it (a Windows install folder, Cursor.app, an extracted AppImage), or
`auto`: the default install locations of Windows, macOS and Linux, after any
directories listed in $PATCHER_CURSOR_SEARCH (os.pathsep-separated).
"""

import os
import sys
from pathlib import Path

from patcher.errors import Refused, UsageError

ENV_SEARCH = "PATCHER_CURSOR_SEARCH"
# Where resources/app sits inside an install root, most specific first.
_INSIDE = ("resources/app", "Contents/Resources/app", "squashfs-root/resources/app", "app")


def default_locations(platform: str, env: dict, home: Path) -> list[Path]:
    """Install roots of Cursor, per OS, in the order they are tried."""
    if platform == "win32":
        local = env.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        out = [Path(local) / "Programs" / "cursor"]
        for key in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"):
            if env.get(key):
                out.append(Path(env[key]) / "cursor")
        return out
    if platform == "darwin":
        return [Path("/Applications/Cursor.app"), home / "Applications" / "Cursor.app"]
    return [Path("/opt/Cursor"), Path("/opt/cursor"), Path("/usr/share/cursor"), Path("/usr/lib/cursor"),
            home / ".local" / "share" / "cursor", home / "Applications" / "squashfs-root",
            home / "squashfs-root"]


def is_app_dir(path: Path) -> bool:
    return (path / "package.json").is_file() and (path / "out").is_dir()


def app_in(root: Path) -> Path | None:
    """resources/app at or under an install root (None when not found)."""
    if is_app_dir(root):
        return root
    for rel in _INSIDE:
        candidate = root / rel
        if is_app_dir(candidate):
            return candidate
    return None


def find_app(arg: str) -> tuple[Path, str | None]:
    """The resources/app directory for --cursor ARG, and a note saying how it was found."""
    if not arg:
        raise UsageError("missing --cursor: give the editor's resources/app directory, its install folder, or auto")
    if arg == "auto":
        extra = [Path(p) for p in os.environ.get(ENV_SEARCH, "").split(os.pathsep) if p]
        tried = extra + default_locations(sys.platform, dict(os.environ), Path.home())
        for root in tried:
            app = app_in(root)
            if app is not None:
                return app.absolute(), f"note: --cursor auto: using {app}"
        raise Refused("--cursor auto: no Cursor installation found in " + ", ".join(str(p) for p in tried)
                      + "; give --cursor DIR (the folder with resources/app)")
    root = Path(arg).expanduser()
    if not root.is_dir():
        raise UsageError(f"{root}: --cursor is not a directory")
    root = root.absolute()
    app = app_in(root)
    if app is not None:
        return app, (None if app == root else f"note: using {app}")
    if (root / "out").is_dir() and not (root / "package.json").exists():
        raise Refused(f"{root}: resources/app without package.json (damaged install?); reinstall the editor")
    raise Refused(f"{root}: no resources/app with package.json and out/ in it; give the editor's resources/app or install folder")
