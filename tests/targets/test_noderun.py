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


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_a_check_started_ahead_gets_its_file_on_stdin_and_a_wrong_guess_gets_its_own(monkeypatch):
    """expect() starts node before the file is known; start() hands it the bytes.  A file whose
    kind is not the one guessed is checked by a new process in its own kind; an expected file
    that never comes is stopped.  Every process is awaited: none is left behind."""
    spawned = []
    spawn = noderun.NodeChecks._spawn
    monkeypatch.setattr(noderun.NodeChecks, "_spawn", lambda self, kind, **kw: spawned.append(kind) or spawn(self, kind, **kw))
    checks = noderun.NodeChecks(noderun.find_runtime())
    checks.expect("a.js", "module")
    checks.expect("b.js", "commonjs")
    checks.expect("never.js", "module")
    procs = [p for _, p in checks._ahead.values()]
    checks.start(b'import{x}from"y";export const a=1;', "module", "a.js")    # as guessed
    checks.start(b"return require('x');", "commonjs", "b.js")               # as guessed: top-level return is CommonJS
    checks.start(b"let c=1;", "module", "c.js")                             # not expected at all
    assert spawned == ["module", "commonjs", "module", "module"]
    assert checks.finish() is True
    assert all(p.returncode is not None for p in procs), "the one never used is stopped and awaited"

    checks = noderun.NodeChecks(noderun.find_runtime())
    checks.expect("a.js", "commonjs")
    guessed = checks._ahead["a.js"][1]
    checks.start(b"await 1;export{};", "module", "a.js")  # a module after all: checked as one
    assert checks.finish() is True and guessed.returncode is not None
    with pytest.raises(noderun.Rejected, match="a.js: node --check rejects the patched file .*SyntaxError"):
        checks = noderun.NodeChecks(noderun.find_runtime())
        checks.expect("a.js", "module")
        checks.start(b"await 1;export{};", "commonjs", "a.js")
        checks.finish()


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_stdin_checks_compile_as_file_checks_do(tmp_path):
    """node's --check of stdin with --input-type is its check of a .mjs / .cjs file (same compile):
    the same verdict on code that only one of the modes accepts, or neither."""
    import subprocess

    cases = [b"return 1;", b"await 1;", b"import.meta.url;", b"let a=1;let a=2;", b"with(a){}", b"<!-- html comment\n1;",
             b"export default 1;", b"const \\u0061 = 1;", "const 漢字 = '\u2028';".encode()]
    for source in cases:
        for kind, suffix in (("module", ".mjs"), ("commonjs", ".cjs")):
            path = tmp_path / f"f{suffix}"
            path.write_bytes(source)
            by_file = subprocess.run(["node", "--check", str(path)], capture_output=True).returncode == 0
            checks = noderun.NodeChecks(noderun.find_runtime())
            checks.start(source, kind, "f.js")
            try:
                by_stdin = checks.finish()
            except noderun.Rejected:
                by_stdin = False
            assert by_stdin == by_file, (source, kind)


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_a_runtime_that_cannot_read_a_piped_stdin_still_checks_every_file(tmp_path):
    """node.exe under Wine cannot open a pipe as its stdin (EBADF): a check started ahead then
    fails without having read the file, and the file is checked again from a copy; only that
    verdict counts, either way."""
    exe = tmp_path / "node-without-pipes"
    exe.write_text(f'#!/bin/sh\nif [ -p /dev/stdin ]; then echo "Error: open EBADF" >&2; exit 1; fi\nexec "{shutil.which("node")}" "$@"\n')
    exe.chmod(0o755)
    runtime = noderun.Runtime(str(exe), "a node that cannot read pipes")
    checks = noderun.NodeChecks(runtime)
    checks.expect("good.js", "module")
    checks.start(b"export const a=1;", "module", "good.js")
    assert checks.finish() is True
    checks = noderun.NodeChecks(runtime)
    checks.expect("bad.js", "module")
    checks.start(b'import{a}from"x";let a=1;', "module", "bad.js")
    with pytest.raises(noderun.Rejected, match="bad.js: node --check rejects the patched file .*Identifier 'a' has already been declared"):
        checks.finish()


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_a_file_for_a_check_started_ahead_is_written_while_the_caller_goes_on():
    """start() hands the bytes to a thread and returns while node (just started) has not read them
    all: the caller goes on (the engine deciding a probe).  The verdict is node's, either way, and
    close() in the middle of a write ends it (node stopped) without waiting for node to read."""
    big = b"".join(b"let a%d = [%d, '\xe5\xbc\xa0'];\n" % (i, i) for i in range(400_000))  # ~10 MB, far more than a pipe holds
    checks = noderun.NodeChecks(noderun.find_runtime())
    checks.expect("big.js", "commonjs")
    checks.start(big, "commonjs", "big.js")
    assert checks._feeders and checks._feeders[0][1].is_alive(), "start() waited for node to read the whole file"
    assert checks.finish() is True and not checks._feeders
    checks = noderun.NodeChecks(noderun.find_runtime())
    checks.expect("bad.js", "commonjs")
    checks.start(big + b"let a0 = 1;\n", "commonjs", "bad.js")
    with pytest.raises(noderun.Rejected, match="bad.js: node --check rejects the patched file .*already been declared"):
        checks.finish()
    checks = noderun.NodeChecks(noderun.find_runtime())
    checks.expect("big.js", "commonjs")
    proc = checks._ahead["big.js"][1]
    checks.start(big * 3, "commonjs", "big.js")
    feeder = checks._feeders[0][1]
    checks.close()
    assert not feeder.is_alive() and not checks._feeders and not checks._running
    assert proc.returncode is not None and proc.returncode < 0, "node was stopped, not left to read the file to its end"
