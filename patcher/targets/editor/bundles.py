"""Facts about an editor's JavaScript bundles that are not about any patch:
which file is the main bundle and which is the pty host.  (Module kind and
validation with node are the same for every bundle target: targets/jsbundle.py
and targets/noderun.py.)"""

from pathlib import Path

from patcher.errors import NotApplicable, Refused
from patcher.targets.editor.roles import PTY_HOST_DEFAULT
from patcher.targets.jsbundle import package_file, read_package_json

# A VS Code server build (code-server, remote servers) names no "main": its entry is this ES module.
SERVER_MAIN = "out/server-main.js"


def main_bundle(app: Path) -> str:
    """The file package.json's "main" names, relative to app ('/' separators)."""
    doc = read_package_json(app, "an editor's resources/app")
    if "main" not in doc and (app / SERVER_MAIN).is_file():
        return SERVER_MAIN
    return package_file(app, doc.get("main"), '"main"', "the main bundle", "the app directory")


def _has_pty_options(data: bytes) -> bool:
    """A bundle that builds node-pty options: an object literal with useConpty (or its shorthand)."""
    if b"useConpty" not in data:
        return False
    import tree_sitter  # only here: `status` must not load the parser

    from patcher.engine import syntax

    # Two patterns: a predicate after a [...] alternation is not applied.
    q = syntax.query("javascript", '(pair key: (property_identifier) @anchor (#eq? @anchor "useConpty"))'
                                   ' ((shorthand_property_identifier) @anchor (#eq? @anchor "useConpty"))')
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
