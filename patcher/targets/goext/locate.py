"""Finding installed Go extensions (golang.go) and the runtime they run on.

`--go-ext` takes an installed golang.go folder (the one with its
package.json), an extensions folder (the golang.go the editor loads from
it), or `auto`: the extension folders of Cursor and VS Code, local
and remote (EXTENSION_FOLDERS under the home, which is %USERPROFILE% on
Windows), after any folders listed in $PATCHER_GOEXT_SEARCH
(os.pathsep-separated).  An update installs a new folder beside the old one,
so in each extensions folder "the" Go extension is the one the editor loads:
the one its extensions.json lists when there is one, else the newest version
(by package.json, not by folder name) not marked for removal in `.obsolete`.
"""

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from patcher.errors import PatcherError, Refused, UsageError
from patcher.targets import extensionsjson
from patcher.targets.jsbundle import read_package_json

EXTENSION_ID = "golang.go"  # publisher.name, as extensions.json and the marketplace write it
ENV_SEARCH = "PATCHER_GOEXT_SEARCH"
# The editors' extension folders under the home: Cursor, VS Code, and their
# servers on remote hosts (WSL, SSH, dev containers).
EXTENSION_FOLDERS = (".cursor/extensions", ".vscode/extensions", ".cursor-server/extensions", ".vscode-server/extensions")
WHAT = "an installed Go extension (golang.go) folder"
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?")


@dataclass(frozen=True)
class Installed:
    folder: Path
    version: str


def version_key(version: str) -> tuple:
    """Order of semver versions (package.json's): 0.54.0 > 0.54.0-rc.1 > 0.53.9.
    Written here because PEP 440 tools (packaging) read semver pre-releases differently."""
    m = _SEMVER.match(version or "")
    if not m:
        return (-1,)
    pre = m.group(4)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else ()
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, parts)


def identity(folder: Path) -> Installed:
    """The Go extension in `folder`; Refused (one line, naming the file) when it is not one."""
    doc = read_package_json(folder, WHAT)
    ext_id = f"{doc.get('publisher', '')}.{doc.get('name', '')}"
    if ext_id.lower() != EXTENSION_ID:
        raise Refused(f"{folder / 'package.json'}: not the Go extension (it is {ext_id}); give {WHAT}")
    version = doc.get("version")
    if not isinstance(version, str) or not version:
        raise Refused(f"{folder / 'package.json'}: has no version")
    return Installed(folder, version)


def search_folders(home: Path | None = None) -> list[Path]:
    """The extensions folders `auto` looks in, in order."""
    home = home or Path.home()
    extra = [Path(p) for p in os.environ.get(ENV_SEARCH, "").split(os.pathsep) if p]
    return extra + [home.joinpath(*rel.split("/")) for rel in EXTENSION_FOLDERS]


def _obsolete(extensions: Path) -> dict:
    """The folders the editor marked for removal at its next start (`.obsolete`)."""
    try:
        doc = json.loads((extensions / ".obsolete").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}  # none, or unreadable: the editor rewrites it, and it marks nothing then
    return doc if isinstance(doc, dict) else {}


def loaded_in(extensions: Path) -> tuple[Installed | None, str | None]:
    """The golang.go the editor loads from one extensions folder, and a note
    when something there is not as expected (None, None: no Go extension)."""
    try:
        names = extensionsjson.folders_of(extensions, EXTENSION_ID)
    except PatcherError as exc:
        return None, f"note: {exc}; {extensions} skipped"
    if names is not None:
        found = []
        for folder in names:
            try:
                found.append(identity(folder))
            except PatcherError as exc:
                return None, f"note: {extensions / extensionsjson.NAME} lists {folder}, which is not usable ({exc}); skipped"
        return (max(found, key=lambda i: version_key(i.version)) if found else None), None
    obsolete = _obsolete(extensions)
    candidates = []
    for folder in sorted(extensions.glob(f"{EXTENSION_ID}-*")):
        if folder.is_dir() and not obsolete.get(folder.name):
            try:
                candidates.append(identity(folder))
            except PatcherError:
                continue  # a half-removed or foreign folder: not the one the editor loads
    return (max(candidates, key=lambda i: version_key(i.version)) if candidates else None), None


def find_all(say=lambda s: None) -> list[Installed]:
    """`--go-ext auto`: the Go extension each editor's extensions folder loads."""
    found = []
    for extensions in search_folders():
        if not extensions.is_dir():
            continue
        installed, note = loaded_in(extensions)
        if note:
            say(note)
        if installed is not None and installed.folder.absolute() not in [i.folder for i in found]:
            found.append(Installed(installed.folder.absolute(), installed.version))
    return found


def is_extensions_folder(folder: Path) -> bool:
    return (folder.is_dir() and not (folder / "package.json").exists()
            and ((folder / extensionsjson.NAME).is_file() or any(folder.glob(f"{EXTENSION_ID}-*"))))


def expand(arg: str, say=lambda s: None) -> list[str]:
    """The folders `--go-ext ARG` names: ARG itself; for an extensions folder,
    the Go extension the editor loads from it; for auto, every one found in
    the editors' extensions folders (each said in a note)."""
    if not arg:
        raise UsageError(f"missing --go-ext: give {WHAT}, or auto")
    folder = Path(arg).expanduser()
    if arg != "auto" and is_extensions_folder(folder):
        installed, note = loaded_in(folder)
        if note:
            say(note)
        if installed is None:
            raise Refused(f"{folder}: an extensions folder from which the editor loads no Go extension (golang.go); "
                          f"give {WHAT}, or --go-ext auto")
        say(f"note: --go-ext {folder}: using {installed.folder} (golang.go {installed.version})")
        return [str(installed.folder.absolute())]
    if arg != "auto":
        return [arg]
    found = find_all(say)
    if not found:
        raise Refused("--go-ext auto: no Go extension (golang.go) found in " + ", ".join(map(str, search_folders()))
                      + "; give --go-ext DIR (the golang.go folder, with its package.json)")
    for i in found:
        say(f"note: --go-ext auto: using {i.folder} (golang.go {i.version})")
    return [str(i.folder) for i in found]


def find_extension(arg: str) -> Installed:
    """The Go extension in the folder `--go-ext DIR` names."""
    folder = Path(arg).expanduser()
    if not folder.is_dir():
        raise UsageError(f"{folder}: --go-ext is not a directory")
    return identity(folder.absolute())


def host_runtimes(folder: Path) -> list[Path]:
    """The executables of the extension host that loads `folder`, most likely
    first: a VS Code / Cursor server's own node (~/.vscode-server/bin/<commit>/node,
    .../cli/servers/<name>/server/node), or the local editor's executable."""
    from patcher.targets.editor.locate import editor_executables, installed_apps

    home = folder.parent.parent  # <home>/.vscode-server for <home>/.vscode-server/extensions/golang.go-X
    exe = "node.exe" if os.name == "nt" else "node"
    if home.name.endswith("-server") or "-server-" in home.name:
        nodes = [p for p in list(home.glob(f"bin/*/{exe}")) + list(home.glob(f"cli/servers/*/server/{exe}")) if p.is_file()]
        return sorted(nodes, key=lambda p: p.stat().st_mtime, reverse=True)
    product = "vscode" if home.name.lower() == ".vscode" else "cursor"
    return [e for app in installed_apps(product) for e in editor_executables(app)]
