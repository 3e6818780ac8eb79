"""Facts about an editor's JavaScript bundles that are not about any patch:
which file is the main bundle, which is the pty host, module kind, and
validation with node itself."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import tree_sitter

from patcher import syntax
from patcher.errors import NotApplicable, Refused

PTY_HOST_DEFAULT = "out/vs/platform/terminal/node/ptyHostMain.js"


def main_bundle(app: Path) -> str:
    """The file package.json's "main" names, relative to app ('/' separators)."""
    pkg = app / "package.json"
    try:
        doc = json.loads(pkg.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise Refused(f"{pkg}: missing (not an editor's resources/app?)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"{pkg}: not valid JSON ({exc})") from None
    main = doc.get("main") if isinstance(doc, dict) else None
    if not isinstance(main, str) or not main:
        raise Refused(f"{pkg}: has no \"main\" entry naming the main bundle")
    rel = Path(os.path.normpath(main.replace("\\", "/"))).as_posix()
    if rel.startswith("../") or Path(rel).is_absolute():
        raise Refused(f"{pkg}: \"main\" points outside the app directory ({main})")
    for candidate in (rel, rel + ".js"):
        if (app / candidate).is_file():
            return candidate
    raise Refused(f"{app / rel}: the main bundle package.json names does not exist")


def _has_pty_options(data: bytes) -> bool:
    """A bundle that builds node-pty options: an object literal with useConpty."""
    if b"useConpty" not in data:
        return False
    q = syntax.query("javascript", '(pair key: (property_identifier) @anchor (#eq? @anchor "useConpty"))')
    tree = syntax.parse("javascript", data)
    return bool(tree_sitter.QueryCursor(q).captures(tree.root_node))


def pty_host(app: Path) -> str:
    """The pty host bundle, found by structure under out/ (normally PTY_HOST_DEFAULT)."""
    default = app / PTY_HOST_DEFAULT
    if default.is_file():
        return PTY_HOST_DEFAULT
    found = []
    for path in sorted((app / "out").rglob("*.js")):
        try:
            if "ptyhost" in path.name.lower() or _has_pty_options(path.read_bytes()):
                found.append(path.relative_to(app).as_posix())
        except OSError:
            continue
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotApplicable(f"{app / 'out'}: no pty host bundle (no ptyHost*.js, no node-pty options) found")
    raise Refused(f"{app / 'out'}: several candidate pty host bundles ({', '.join(found[:4])}); cannot tell which one")


def module_kind(tree) -> str:
    """"module" if the parsed file has top-level import/export statements, else "commonjs"."""
    kinds = {c.type for c in tree.root_node.children}
    return "module" if kinds & {"import_statement", "export_statement"} else "commonjs"


def node_check(files: list[tuple[bytes, str, str]], originals: dict[str, bytes] | None = None) -> bool:
    """`node --check` every (bytes, module kind, label), in parallel.

    Returns False when node is not on PATH (nothing checked); raises Refused
    with node's reason for the first file that does not compile, saying
    whether node already rejects the original (`originals`: label -> bytes).
    """
    node = shutil.which("node")
    if not node or not files:
        return False
    failures = _node_failures(node, files)
    if not failures:
        return True
    label, kind, reason = failures[0]
    original = (originals or {}).get(label)
    if original is not None and _node_failures(node, [(original, kind, label)]):
        raise Refused(f"{label}: node --check rejects the original file already ({reason}); not a valid bundle, nothing written")
    raise Refused(f"{label}: node --check rejects the patched file ({reason}); nothing written")


def _node_failures(node: str, files: list[tuple[bytes, str, str]]) -> list[tuple[str, str, str]]:
    """(label, kind, node's reason) for each file node does not accept."""
    with tempfile.TemporaryDirectory(prefix="patcher-check-") as tmp:
        running = []
        for i, (data, kind, label) in enumerate(files):
            path = Path(tmp) / f"bundle{i}{'.mjs' if kind == 'module' else '.cjs'}"
            path.write_bytes(data)
            running.append((label, subprocess.Popen([node, "--check", str(path)], stdout=subprocess.DEVNULL,
                                                    stderr=subprocess.PIPE)))
        failures = []
        for (data, kind, _), (label, proc) in zip(files, running):
            _, err = proc.communicate()
            if proc.returncode != 0:
                text = err.decode("utf-8", "replace")
                reason = next((ln.strip() for ln in text.splitlines() if "Error" in ln), text.strip()[-200:])
                failures.append((label, kind, reason))
    return failures
