import json
import shutil

import pytest

import bundlegen
from patcher import bundles
from patcher.errors import NotApplicable, Refused


def test_main_bundle_follows_package_json(tmp_path):
    app = bundlegen.make_app(tmp_path, shape="cjs", winpty=False, main="./out/boot/main")
    (app / "out/boot/main").rename(app / "out/boot/main.js")
    assert bundles.main_bundle(app) == "out/boot/main.js"
    (app / "package.json").write_text(json.dumps({"main": "../../etc/passwd"}))
    with pytest.raises(Refused, match="points outside the app directory"):
        bundles.main_bundle(app)
    (app / "package.json").write_text(json.dumps({"name": "x"}))
    with pytest.raises(Refused, match='has no "main" entry'):
        bundles.main_bundle(app)


def test_pty_host_found_by_structure_when_not_at_the_usual_place(tmp_path):
    app = bundlegen.make_app(tmp_path, shape="esm", winpty=True, esm_bytes=50_000)
    moved = app / "out" / "vs" / "platform" / "terminal" / "node" / "terminalHost.js"
    (app / bundles.PTY_HOST_DEFAULT).rename(moved)
    assert bundles.pty_host(app) == moved.relative_to(app).as_posix()
    moved.unlink()
    with pytest.raises(NotApplicable, match="no pty host bundle"):
        bundles.pty_host(app)


def test_module_kind_from_the_file_itself():
    from patcher import syntax
    assert bundles.module_kind(syntax.parse("javascript", bundlegen.esm_main(20_000).encode())) == "module"
    assert bundles.module_kind(syntax.parse("javascript", bundlegen.cjs_main().encode())) == "commonjs"


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_node_check_catches_what_tree_sitter_cannot():
    # Parses fine, but redeclares a binding: only a real JS engine sees it.
    good = (b'"use strict";const a=require("x");', "commonjs", "out/ok.js")
    bad = (b'import{a}from"x";let a=1;', "module", "out/main.js")
    with pytest.raises(Refused, match="out/main.js: node --check rejects the patched file .*SyntaxError: Identifier 'a' has already been declared"):
        bundles.node_check([good, bad])
    assert bundles.node_check([good]) is True
    # An original node already rejects is reported as such, not blamed on the patch.
    with pytest.raises(Refused, match="out/main.js: node --check rejects the original file already"):
        bundles.node_check([bad], {"out/main.js": b'import{a}from"x";let a=2;'})
    # The same CommonJS code checked as a module fails: the mode matters.
    with pytest.raises(Refused):
        bundles.node_check([(b'"use strict";return 1;', "commonjs", "x.js"), (b"return 1;", "module", "y.js")])
