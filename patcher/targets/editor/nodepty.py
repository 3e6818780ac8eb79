"""Does the editor's node-pty have a winpty backend?  Evidence from node-pty itself.

Forcing `useConpty: false` on a node-pty without winpty leaves a Windows user
with no terminal at all, so this is decided from node-pty's own files where
the install has them (node_modules/node-pty, or node_modules.asar.unpacked/
node-pty for an Electron app whose modules are packed):

* its lib/windowsPtyAgent.js: whether it still loads a winpty native module
  (`loadNativeModule("pty")` / `require(".../pty.node")`) besides conpty;
* its Windows binaries: winpty.dll and winpty-agent.exe beside conpty.node
  (build/Release, or prebuilds/win32-*);
* its package.json version.  Measured on npm: every 1.1.x and 1.2.0-beta.1
  to beta.6 have winpty; 1.2.0-beta.7 removed it (the agent loads conpty
  only, the prebuilds carry no winpty files).

Without node-pty's files, the version the app pins (npm-shrinkwrap.json,
package-lock.json, or an exact version in package.json) stands in.  Every
piece found must say the same; no evidence, or evidence that disagrees, is
"no" with the reason, never a guess.
"""

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path

INSTALL_DIRS = ("node_modules/node-pty", "node_modules.asar.unpacked/node-pty")
BINARY_DIRS = ("build/Release", "prebuilds/win32-x64", "prebuilds/win32-arm64")
LOCKFILES = ("npm-shrinkwrap.json", "package-lock.json")
# The first node-pty without winpty: 1.2.0-beta.7 (major, minor, patch, prerelease number).
_FIRST_WITHOUT = (1, 2, 0, 7)
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-[A-Za-z]+\.?(\d+))?$")


@dataclass(frozen=True)
class Evidence:
    where: str  # the file or folder it comes from, relative to the app
    winpty: bool
    what: str  # what it shows, in words


def version_has_winpty(version: str) -> bool | None:
    """Whether a node-pty release of this exact version has winpty (None: not an exact version we can read)."""
    m = _VERSION.match(version.strip())
    if not m:
        return None
    major, minor, patch, pre = (int(g) if g is not None else None for g in m.groups())
    # A release sorts after its prereleases.
    key = (major, minor, patch, pre if pre is not None else float("inf"))
    return key < _FIRST_WITHOUT


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _version_evidence(version, where: Path, how: str) -> list[Evidence]:
    if not isinstance(version, str):
        return []
    has = version_has_winpty(version)
    if has is None:
        return []
    return [Evidence(str(where), has, f"{how} node-pty {version}, which {'has' if has else 'has no'} winpty")]


def _native_loads(data: bytes) -> set[str]:
    """Native module names a node-pty agent loads: loadNativeModule("x") -> x, require(".../x.node") -> x."""
    import tree_sitter  # here, not at the top: `status` imports this module and must not load the parser

    from patcher.engine import syntax

    loads = syntax.query("javascript", "(call_expression function: (_) @f arguments: (arguments . (string (string_fragment) @s)))")
    tree = syntax.parse("javascript", data)
    out = set()
    for _, cap in tree_sitter.QueryCursor(loads).matches(tree.root_node):
        f = cap["f"][0].text.decode("utf-8", "replace")
        s = cap["s"][0].text.decode("utf-8", "replace")
        if f.endswith("loadNativeModule"):
            out.add(s)
        elif f == "require" and s.endswith(".node"):
            out.add(s.rsplit("/", 1)[-1][: -len(".node")])
    return out


def _agent_evidence(agent: Path) -> list[Evidence]:
    try:
        loads = _native_loads(agent.read_bytes())
    except OSError:
        return []
    if "conpty" not in loads:
        return []  # not the Windows agent we know: says nothing
    if "pty" in loads:
        return [Evidence(str(agent), True, "its Windows agent loads a winpty module (pty) besides conpty")]
    return [Evidence(str(agent), False, "its Windows agent loads conpty only")]


def _binary_evidence(pkg: Path) -> list[Evidence]:
    out = []
    for rel in BINARY_DIRS:
        d = pkg / rel
        if not (d / "conpty.node").is_file():
            continue
        files = [n for n in ("winpty.dll", "winpty-agent.exe") if (d / n).is_file()]
        if len(files) == 2:
            out.append(Evidence(str(d), True, "winpty.dll and winpty-agent.exe beside conpty.node"))
        else:
            out.append(Evidence(str(d), False, "conpty.node without " + " and ".join(
                n for n in ("winpty.dll", "winpty-agent.exe") if n not in files)))
    return out


def _pinned_evidence(app: Path) -> list[Evidence]:
    for name in LOCKFILES:
        doc = _read_json(app / name)
        if isinstance(doc, dict):
            entry = (doc.get("packages") or {}).get("node_modules/node-pty") or (doc.get("dependencies") or {}).get("node-pty")
            if isinstance(entry, dict) and entry.get("version"):
                return _version_evidence(entry["version"], app / name, "pins")
    pkg = _read_json(app / "package.json")
    deps = {}
    if isinstance(pkg, dict):
        for key in ("dependencies", "optionalDependencies"):
            if isinstance(pkg.get(key), dict):
                deps.update(pkg[key])
    return _version_evidence(deps.get("node-pty"), app / "package.json", "depends on exactly")


def evidence(app: Path) -> list[Evidence]:
    """Everything the install says about its node-pty's winpty backend."""
    found = [dataclasses.replace(e, where=_rel(app, e.where)) for e in _evidence(app)]
    return found


def _rel(app: Path, where: str) -> str:
    try:
        return Path(where).relative_to(app).as_posix()
    except ValueError:
        return where


def _evidence(app: Path) -> list[Evidence]:
    found = []
    for rel in INSTALL_DIRS:
        pkg = app / rel
        if not pkg.is_dir():
            continue
        meta = _read_json(pkg / "package.json")
        if isinstance(meta, dict):
            found += _version_evidence(meta.get("version"), pkg / "package.json", "is")
        found += _agent_evidence(pkg / "lib" / "windowsPtyAgent.js")
        found += _binary_evidence(pkg)
    return found or _pinned_evidence(app)


def verdict(app: Path) -> tuple[bool, str]:
    """(has winpty, why): True only when node-pty's evidence exists and all of it says yes."""
    found = evidence(app)
    if not found:
        return False, (f"cannot tell whether the editor's node-pty has a winpty backend: no node-pty in {app} "
                       f"({' or '.join(INSTALL_DIRS)}) and no exact node-pty version pinned in its package.json "
                       f"or a lockfile ({', '.join(LOCKFILES)})")
    said = "; ".join(f"{e.where}: {e.what}" for e in found)  # paths relative to the app
    if len({e.winpty for e in found}) > 1:
        return False, f"the evidence about node-pty's winpty backend disagrees ({said})"
    if not found[0].winpty:
        return False, f"the editor's node-pty has no winpty backend ({said})"
    return True, said
