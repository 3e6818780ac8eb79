"""Finding the editor's resources/app directory, and the editor's own executables.

`--cursor` takes the resources/app directory itself, an install root that
contains it (a Windows install folder, Cursor.app, an extracted AppImage, a
code-server install with lib/vscode), or
`auto`: the default install locations of Windows, macOS and Linux, after any
directories listed in $PATCHER_CURSOR_SEARCH (os.pathsep-separated).
"""

import os
import sys
from pathlib import Path

from patcher.engine import jsonc
from patcher.errors import PatcherError, Refused, UsageError

ENV_SEARCH = "PATCHER_CURSOR_SEARCH"
# Where resources/app sits inside an install root, most specific first.
_INSIDE = ("resources/app", "Contents/Resources/app", "squashfs-root/resources/app", "app",
           "lib/vscode")  # the last: a code-server install (a VS Code server build)


def default_locations(platform: str, env: dict, home: Path, product: str = "cursor") -> list[Path]:
    """Install roots of Cursor (or, with product="vscode", of VS Code), per OS, in the order they are tried."""
    if product == "vscode":
        return _vscode_locations(platform, env, home)
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


def _vscode_locations(platform: str, env: dict, home: Path) -> list[Path]:
    if platform == "win32":
        local = env.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return [Path(local) / "Programs" / "Microsoft VS Code"] + [
            Path(env[key]) / "Microsoft VS Code" for key in ("ProgramFiles", "ProgramW6432") if env.get(key)]
    if platform == "darwin":
        return [Path("/Applications/Visual Studio Code.app"), home / "Applications" / "Visual Studio Code.app"]
    return [Path("/usr/share/code"), Path("/opt/visual-studio-code"), Path("/snap/code/current/usr/share/code")]


def _search_roots(product: str) -> list[Path]:
    extra = [Path(p) for p in os.environ.get(ENV_SEARCH, "").split(os.pathsep) if p] if product == "cursor" else []
    return extra + default_locations(sys.platform, dict(os.environ), Path.home(), product)


def installed_apps(product: str = "cursor") -> list[Path]:
    """Every resources/app found at the default install locations (and, for
    Cursor, the folders of $PATCHER_CURSOR_SEARCH first)."""
    found = []
    for root in _search_roots(product):
        app = app_in(root)
        if app is not None and app.absolute() not in found:
            found.append(app.absolute())
    return found


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
        found = installed_apps()
        if found:
            return found[0], f"note: --cursor auto: using {found[0]}"
        raise Refused("--cursor auto: no Cursor installation found in " + ", ".join(str(p) for p in _search_roots("cursor"))
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


def user_settings_locations(platform: str, env: dict, home: Path) -> list[Path]:
    """Where Cursor keeps the user's settings.json, per OS."""
    if platform == "win32":
        return [Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "Cursor" / "User" / "settings.json"]
    if platform == "darwin":
        return [home / "Library" / "Application Support" / "Cursor" / "User" / "settings.json"]
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    return [config / "Cursor" / "User" / "settings.json"]


def find_settings(arg: str) -> tuple[Path, str | None]:
    """The settings.json for --settings ARG (a file, or auto), and a note."""
    if not arg:
        raise UsageError("missing --settings: give the editor's settings.json, or auto")
    if arg == "auto":
        tried = user_settings_locations(sys.platform, dict(os.environ), Path.home())
        for path in tried:
            if path.parent.is_dir():
                return path.absolute(), f"note: --settings auto: using {path}"
        raise Refused("--settings auto: no Cursor user settings folder in " + ", ".join(str(p.parent) for p in tried)
                      + " (has Cursor been started once?); give --settings PATH")
    path = Path(arg).expanduser().absolute()
    if path.is_dir():
        raise UsageError(f"{path}: --settings is a directory; give the settings.json file")
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent}: no such directory for --settings")
    return path, None


# The editor's own executables, by the names VS Code-family editors use
# (product.json's names come first); on Windows with .exe.
_EXE_NAMES = ("Cursor", "cursor", "Code", "code", "Code - Insiders", "code-insiders", "VSCodium", "codium",
              "Windsurf", "windsurf", "Electron", "electron")


def _product_names(app: Path) -> list[str]:
    try:
        doc = jsonc.load((app / "product.json").read_bytes(), str(app / "product.json"))
    except (OSError, PatcherError):
        return []  # no readable product.json: the usual names below still apply
    if not isinstance(doc, dict):
        return []
    return [doc[k] for k in ("nameShort", "nameLong", "applicationName") if isinstance(doc.get(k), str) and doc[k]]


def editor_executables(app: Path, platform: str | None = None) -> list[Path]:
    """The install's own executables beside resources/ (Windows, Linux) or in
    Contents/MacOS (macOS), that exist and can be run, most likely first."""
    platform = platform or sys.platform
    names = list(dict.fromkeys(_product_names(app) + list(_EXE_NAMES)))
    app = app.absolute()
    dirs = []
    parent, grand = app.parent.name.lower(), app.parent.parent.name.lower()  # Windows names are case-blind
    if parent == "resources" and grand == "contents":
        dirs.append(app.parent.parent / "MacOS")
    elif parent == "resources":
        dirs.append(app.parent.parent)
    out = []
    for d in dirs:
        for name in names:
            for candidate in ((d / f"{name}.exe",) if platform == "win32" else (d / name,)):
                if candidate.is_file() and os.access(candidate, os.X_OK) and candidate not in out:
                    out.append(candidate)
    return out
