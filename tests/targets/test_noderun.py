import shutil

import pytest

from patcher.errors import Refused
from patcher.targets import noderun


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_node_check_catches_what_tree_sitter_cannot():
    # Parses fine, but redeclares a binding: only a real JS engine sees it.
    good = (b'"use strict";const a=require("x");', "commonjs", "out/ok.js")
    bad = (b'import{a}from"x";let a=1;', "module", "out/main.js")
    with pytest.raises(Refused, match="out/main.js: node --check rejects the patched file .*SyntaxError: Identifier 'a' has already been declared"):
        noderun.node_check([good, bad])
    assert noderun.node_check([good]) is True
    # An original node already rejects is reported as such, not blamed on the patch.
    with pytest.raises(Refused, match="out/main.js: node --check rejects the original file already"):
        noderun.node_check([bad], {"out/main.js": b'import{a}from"x";let a=2;'})
    # The same CommonJS code checked as a module fails: the mode matters.
    with pytest.raises(Refused):
        noderun.node_check([(b'"use strict";return 1;', "commonjs", "x.js"), (b"return 1;", "module", "y.js")])


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_editor_runtime_answers_as_node_only_with_electron_run_as_node(tmp_path):
    exe = tmp_path / "Code"
    exe.write_text(f'#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || exit 3\nexec "{shutil.which("node")}" "$@"\n')
    exe.chmod(0o755)
    runtime = noderun.editor_runtime(exe)
    assert runtime.exe == str(exe) and runtime.env == {"ELECTRON_RUN_AS_NODE": "1"}
    assert runtime.what.startswith(f"the editor's own runtime ({exe}, node ")
    assert noderun.node_check([(b"let a=1;", "module", "ok.js")], runtime=runtime) is True
    with pytest.raises(Refused, match="x.js: node --check rejects the patched file"):
        noderun.node_check([(b"let a=1;let a=2;", "commonjs", "x.js")], runtime=runtime)
    assert noderun.find_runtime([tmp_path / "missing", exe]) == runtime
    exe.write_text("#!/bin/sh\nexit 0\n")
    assert noderun.editor_runtime(exe) is None, "an executable that does not answer as node is not a runtime"
    assert noderun.node_check([(b"let a=1;", "module", "ok.js")], runtime=None) is False


def test_an_editor_whose_run_as_node_fuse_is_off_is_never_run(tmp_path):
    """With RunAsNode off, Electron ignores ELECTRON_RUN_AS_NODE and would start
    the editor: such an executable is not run at all (the fuse wire says so)."""
    marker = tmp_path / "started"
    exe = tmp_path / "Cursor"
    body = f'#!/bin/sh\ntouch "{marker}"\nexec "{shutil.which("node") or "false"}" "$@"\n'.encode()
    wire = b"dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX" + b"\x01\x08" + b"0" + b"1100101"
    exe.write_bytes(body + b"# " + wire + b"\n")
    exe.chmod(0o755)
    assert noderun.run_as_node_fuse(exe) is False
    assert noderun.editor_runtime(exe) is None and not marker.exists()
    exe.write_bytes(body + b"# " + wire.replace(b"\x080", b"\x081") + b"\n")
    assert noderun.run_as_node_fuse(exe) is True
    if shutil.which("node"):
        assert noderun.editor_runtime(exe) is not None and marker.exists()
    exe.write_bytes(body)
    assert noderun.run_as_node_fuse(exe) is None, "no fuse wire: an Electron from before fuses"
