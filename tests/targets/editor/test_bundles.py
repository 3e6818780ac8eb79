import json
import shutil

import pytest

import bundlegen
from patcher.targets.editor import bundles
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
    from patcher.engine import syntax
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


def test_a_vscode_server_build_names_no_main_its_entry_is_server_main(tmp_path):
    app = bundlegen.make_app(tmp_path, shape="esm", winpty=False, esm_bytes=20_000)
    (app / "package.json").write_text(json.dumps({"name": "code-oss-dev", "type": "module"}))
    with pytest.raises(Refused, match='has no "main" entry'):
        bundles.main_bundle(app)
    (app / "out/main.js").rename(app / bundles.SERVER_MAIN)
    assert bundles.main_bundle(app) == "out/server-main.js"


def test_pty_options_by_structure_not_by_word():
    assert bundles._has_pty_options(b"const o={name:n,cols:c,useConpty:u};")
    assert bundles._has_pty_options(b"const o={name,cols,useConpty};")
    assert not bundles._has_pty_options(b"var useConpty=1;const o={a:1,b};/* useConpty */")


def test_pty_host_with_shorthand_options_found_by_structure(tmp_path):
    app = bundlegen.make_app(tmp_path, shape="esm", winpty=True, esm_bytes=20_000, unminified_pty=True)
    moved = app / "out" / "vs" / "platform" / "terminal" / "node" / "terminalProcess.js"
    (app / bundles.PTY_HOST_DEFAULT).rename(moved)
    assert bundles.pty_host(app) == moved.relative_to(app).as_posix()


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_editor_runtime_answers_as_node_only_with_electron_run_as_node(tmp_path):
    exe = tmp_path / "Code"
    exe.write_text(f'#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || exit 3\nexec "{shutil.which("node")}" "$@"\n')
    exe.chmod(0o755)
    runtime = bundles.editor_runtime(exe)
    assert runtime.exe == str(exe) and runtime.env == {"ELECTRON_RUN_AS_NODE": "1"}
    assert runtime.what.startswith(f"the editor's own runtime ({exe}, node ")
    assert bundles.node_check([(b"let a=1;", "module", "ok.js")], runtime=runtime) is True
    with pytest.raises(Refused, match="x.js: node --check rejects the patched file"):
        bundles.node_check([(b"let a=1;let a=2;", "commonjs", "x.js")], runtime=runtime)
    assert bundles.find_runtime([tmp_path / "missing", exe]) == runtime
    exe.write_text("#!/bin/sh\nexit 0\n")
    assert bundles.editor_runtime(exe) is None, "an executable that does not answer as node is not a runtime"
    assert bundles.node_check([(b"let a=1;", "module", "ok.js")], runtime=None) is False


def test_an_editor_whose_run_as_node_fuse_is_off_is_never_run(tmp_path):
    """With RunAsNode off, Electron ignores ELECTRON_RUN_AS_NODE and would start
    the editor: such an executable is not run at all (the fuse wire says so)."""
    marker = tmp_path / "started"
    exe = tmp_path / "Cursor"
    body = f'#!/bin/sh\ntouch "{marker}"\nexec "{shutil.which("node") or "false"}" "$@"\n'.encode()
    wire = b"dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX" + b"\x01\x08" + b"0" + b"1100101"
    exe.write_bytes(body + b"# " + wire + b"\n")
    exe.chmod(0o755)
    assert bundles.run_as_node_fuse(exe) is False
    assert bundles.editor_runtime(exe) is None and not marker.exists()
    exe.write_bytes(body + b"# " + wire.replace(b"\x080", b"\x081") + b"\n")
    assert bundles.run_as_node_fuse(exe) is True
    if shutil.which("node"):
        assert bundles.editor_runtime(exe) is not None and marker.exists()
    exe.write_bytes(body)
    assert bundles.run_as_node_fuse(exe) is None, "no fuse wire: an Electron from before fuses"
