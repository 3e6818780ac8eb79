"""apply / status / revert on realistic editor bundles, via the CLI, checked in node."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import bundlegen
from conftest import TESTS, read_only, run_patcher, tree_digest
from patcher.state.hashing import sha256_b64_unpadded

JS = TESTS / "js"
PTY = "out/vs/platform/terminal/node/ptyHostMain.js"
SHAPES = {
    "esm-winpty": dict(shape="esm", winpty=True),
    "esm-no-winpty": dict(shape="esm", winpty=False),
    "cjs-winpty": dict(shape="cjs", winpty=True),
    "cjs-no-winpty-crlf": dict(shape="cjs", winpty=False, crlf=True),
}


def make(tmp_path, **kw) -> Path:
    return bundlegen.make_app(tmp_path / "Cursor 编辑器", **kw)


def node(app: Path, script: str, *args, env=None, pre=()):
    report = app.parent / "report.json"
    if report.exists():
        report.unlink()
    proc = subprocess.run(["node", *pre, str(app / script), *args], cwd=app, capture_output=True, text=True,
                          env=dict(os.environ, PATCHER_FIXTURE_REPORT=str(report), **(env or {})), timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(report.read_text()), proc.stderr


def cli(*args, state, check=True):
    return run_patcher(*args, "--state-dir", state, check=check)


@pytest.mark.parametrize("name", SHAPES)
def test_apply_check_run_revert(tmp_path, name):
    app = make(tmp_path, **SHAPES[name])
    state = tmp_path / "state"
    before = tree_digest(app)
    winpty = SHAPES[name]["winpty"]
    if winpty:
        pty, _ = node(app, PTY, pre=["--import", str(JS / "fake-win32.mjs")])
        assert pty["options"]["useConpty"] is True, "baseline: ConPTY on this fake Windows"

    dry = cli("apply", "--cursor", app, "--dry-run", state=state)
    assert "--- a/out/main.js\n+++ b/out/main.js\n@@ " in dry.stdout
    assert tree_digest(app) == before and not state.exists()

    proc = cli("apply", "--cursor", app, "--env", "FIXTURE_EXTRA=yes", state=state)
    kind = "module" if SHAPES[name]["shape"] == "esm" else "commonjs"
    assert f"out/main.js ({kind})" in proc.stdout
    changed = {p for p in tree_digest(app) if tree_digest(app)[p] != before[p]}
    assert changed == ({"out/main.js", PTY, "product.json"} if winpty else {"out/main.js"})
    suffix = ".mjs" if kind == "module" else ".cjs"
    for rel in changed - {"product.json"}:
        copy = tmp_path / f"check{suffix}"
        copy.write_bytes((app / rel).read_bytes())
        assert subprocess.run(["node", "--check", str(copy)], capture_output=True).returncode == 0, rel
    if SHAPES[name].get("crlf"):
        data = (app / "out/main.js").read_bytes()
        assert data.replace(b"\r\n", b"").count(b"\n") == 0, "CRLF file stays CRLF"

    # (a) the main process and (b) a child given an explicit {env: {PATH}}
    # through the bundle's own child_process bindings.
    report, stderr = node(app, "out/main.js")
    want = {"PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1", "FIXTURE_EXTRA": "yes"}
    assert {k: report["main"].get(k) for k in want} == want
    assert {k: report["child"].get(k) for k in want} == want
    assert report["childOwnEnv"]["PYTHONUTF8"] == "0", "a variable the call sets itself wins"
    assert report["wrapped"] == "function", "the bundle's own binding is the wrapper"
    assert "patcher" not in stderr

    # (c) a hook that throws: logged once, the bundle runs as if unpatched.
    report, stderr = node(app, "out/main.js", pre=["--require", str(JS / "freeze-child-process.cjs")])
    assert report["ran"] is True and report["main"].get("PYTHONUTF8") is None and report["wrapped"] == "undefined"
    assert stderr.count("patcher: cursor/spawn-env-hook@1 is disabled:") == 1

    twice = subprocess.run(["node", str(JS / "load-twice.mjs"), str(app / "out/main.js"), kind], capture_output=True,
                           text=True, cwd=app, timeout=60)
    assert json.loads(twice.stdout) == {"depth": 1}, twice.stderr[-500:]

    st = json.loads(cli("status", "--cursor", app, "--json", state=state).stdout)
    states = {p["ref"]: p["state"] for p in st["patches"]}
    assert states["cursor/spawn-env-hook@1"] == "applied"
    if winpty:
        assert states["cursor/winpty-mode@2"] == "applied"
        win, _ = node(app, PTY, pre=["--import", str(JS / "fake-win32.mjs")])
        assert win["options"]["useConpty"] is False and win["backend"] == "winpty"
        back, _ = node(app, PTY, env={"PATCHER_WINPTY": "0"}, pre=["--import", str(JS / "fake-win32.mjs")])
        assert back["options"]["useConpty"] is True, "PATCHER_WINPTY=0 gives ConPTY back"
        product = json.loads((app / "product.json").read_text())
        assert product["checksums"]["vs/platform/terminal/node/ptyHostMain.js"] == sha256_b64_unpadded((app / PTY).read_bytes())
    else:
        assert states["cursor/winpty-mode@2"] == "not applicable"
        assert "no winpty backend" in proc.stdout

    cli("revert", "--cursor", app, state=state)
    assert tree_digest(app) == before, "revert is byte-exact"


def test_apply_again_with_other_env_replaces_the_hook_and_keeps_env_otherwise(tmp_path):
    app = make(tmp_path, shape="cjs", winpty=True)
    state = tmp_path / "state"
    original = (app / "out/main.js").read_bytes()
    cli("apply", "--cursor", app, "--env", "FIXTURE_EXTRA=one", state=state)
    cli("apply", "--cursor", app, "--env", "FIXTURE_EXTRA=two", "--env", "LANG_TEST=zh_CN.UTF-8", state=state)
    main = (app / "out/main.js").read_bytes()
    assert main.count(b"patcher: cursor/spawn-env-hook@1.") == 1
    assert b'"FIXTURE_EXTRA":"two"' in main and b'"one"' not in main
    again = cli("apply", "--cursor", app, state=state)
    assert again.stdout.startswith("already applied"), "no --env: the recorded values are kept"
    report, _ = node(app, "out/main.js")
    assert report["child"]["FIXTURE_EXTRA"] == "two" and report["child"]["LANG_TEST"] == "zh_CN.UTF-8"
    st = json.loads(cli("status", "--cursor", app, "--json", state=state).stdout)
    assert st["env"] == {"FIXTURE_EXTRA": "two", "LANG_TEST": "zh_CN.UTF-8"}
    cli("revert", "--cursor", app, state=state)
    assert (app / "out/main.js").read_bytes() == original


def test_editor_update_is_drifted_and_apply_patches_the_new_files(tmp_path):
    app = make(tmp_path, shape="esm", winpty=True, esm_bytes=200_000)
    state = tmp_path / "state"
    cli("apply", "--cursor", app, state=state)
    new_release = bundlegen.esm_main(220_000, seed=7).encode()
    (app / "out/main.js").write_bytes(new_release)  # what an editor update does
    st = json.loads(cli("status", "--cursor", app, "--json", state=state).stdout)
    hook = next(p for p in st["patches"] if p["ref"] == "cursor/spawn-env-hook@1")
    assert hook["state"] == "drifted" and "changed since apply" in hook["reason"]
    proc = cli("apply", "--cursor", app, state=state)
    assert "changed since the last apply" in proc.stderr
    assert (app / "out/main.js").read_bytes().count(b"patcher: cursor/spawn-env-hook@1.") == 1
    cli("revert", "--cursor", app, state=state)
    assert (app / "out/main.js").read_bytes() == new_release, "revert goes back to the updated original"


def test_cursor_auto_finds_an_install_and_says_which(tmp_path, monkeypatch):
    app = make(tmp_path, shape="cjs", winpty=False)
    env = {"PATCHER_CURSOR_SEARCH": os.pathsep.join([str(tmp_path / "nothing-here"), str(app.parent.parent)])}
    proc = run_patcher("status", "--cursor", "auto", "--state-dir", tmp_path / "s", env=env, check=True)
    assert f"note: --cursor auto: using {app}" in proc.stderr
    proc = run_patcher("status", "--cursor", "auto", "--state-dir", tmp_path / "s",
                       env={"PATCHER_CURSOR_SEARCH": str(tmp_path / "nothing-here"), "HOME": str(tmp_path / "home")})
    assert proc.returncode == 1 and "no Cursor installation found in" in proc.stderr and str(tmp_path / "nothing-here") in proc.stderr


def refused(proc, *fragments):
    """Exit 1, and one error line (`patcher: ...`), the last; notes may precede it."""
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[-1].startswith("patcher: ") and sum(ln.startswith("patcher: ") for ln in lines) == 1, proc.stderr
    assert all(ln.startswith("note: ") for ln in lines[:-1]) and "Traceback" not in proc.stderr, proc.stderr
    for f in fragments:
        assert f in proc.stderr, proc.stderr


def test_truncated_main_bundle_is_refused_and_nothing_changes(tmp_path):
    app = make(tmp_path, shape="esm", winpty=True, esm_bytes=100_000)
    data = (app / "out/main.js").read_bytes()
    (app / "out/main.js").write_bytes(data[: len(data) // 2])
    before = tree_digest(app)
    refused(cli("apply", "--cursor", app, state=tmp_path / "s", check=False), "out/main.js: does not parse as javascript (")
    assert tree_digest(app) == before


def test_not_javascript_and_not_utf8(tmp_path):
    app = make(tmp_path, shape="cjs", winpty=False)
    (app / "out/main.js").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    refused(cli("apply", "--cursor", app, state=tmp_path / "s", check=False), "out/main.js: not UTF-8 (byte 0x89 at offset 0)")
    (app / "out/main.js").write_text("This is not JavaScript at all, just prose.\n")
    refused(cli("apply", "--cursor", app, state=tmp_path / "s", check=False), "does not parse as javascript")


def test_app_without_package_json(tmp_path):
    app = make(tmp_path, shape="cjs", winpty=False)
    (app / "package.json").unlink()
    refused(cli("apply", "--cursor", app, state=tmp_path / "s", check=False),
            "resources/app without package.json (damaged install?)")


def test_read_only_install_is_refused_with_advice(tmp_path):
    app = make(tmp_path, shape="cjs", winpty=False)
    before = tree_digest(app)
    with read_only(app / "out"):
        proc = cli("apply", "--cursor", app, state=tmp_path / "s", check=False)
    refused(proc, "permission denied (read-only install?)")
    assert tree_digest(app) == before


def test_signed_macos_app_bundle_needs_force(tmp_path):
    app = bundlegen.make_app(tmp_path / "Cursor.app" / "Contents" / "Resources" / "..", shape="cjs", winpty=False)
    mac = tmp_path / "Cursor.app"
    (mac / "Contents" / "Resources").mkdir(parents=True, exist_ok=True)
    os.replace(app, mac / "Contents" / "Resources" / "app")
    refused(cli("apply", "--cursor", mac, state=tmp_path / "s", check=False), "signed macOS app bundle", "codesign", "--force")
    cli("apply", "--cursor", mac, "--force", state=tmp_path / "s")


def test_bad_env_option_is_a_usage_error(tmp_path):
    app = make(tmp_path, shape="cjs", winpty=False)
    proc = cli("apply", "--cursor", app, "--env", "1BAD", state=tmp_path / "s", check=False)
    assert proc.returncode == 2 and "expected NAME=VALUE" in proc.stderr


def _fake_windows_pty(app):
    report, _ = node(app, PTY, pre=["--import", str(JS / "fake-win32.mjs")])
    return report


def test_unminified_pty_host_with_shorthand_options(tmp_path):
    """Unminified builds write {name, cwd, env, cols, rows, useConpty, useConptyDll}."""
    app = make(tmp_path, shape="esm", winpty=True, unminified_pty=True, esm_bytes=50_000)
    state = tmp_path / "state"
    before = tree_digest(app)
    assert _fake_windows_pty(app)["options"]["useConpty"] is True
    proc = cli("apply", "--cursor", app, state=state)
    assert "cursor/winpty-mode@2" in proc.stdout and "not applicable" not in proc.stdout
    assert b"\t\t\tuseConpty:((process.platform" in (app / PTY).read_bytes(), "the member stays on its own line"
    win = _fake_windows_pty(app)
    assert win["options"]["useConpty"] is False and win["backend"] == "winpty"
    back, _ = node(app, PTY, env={"PATCHER_WINPTY": "0"}, pre=["--import", str(JS / "fake-win32.mjs")])
    assert back["options"]["useConpty"] is True and back["backend"] == "conpty"
    cli("revert", "--cursor", app, state=state)
    assert tree_digest(app) == before


def test_product_json_with_comments_and_trailing_commas(tmp_path):
    """Older Cursor releases wrote // comments into product.json: its checksum entry is
    updated in place, the comments and trailing commas stay, revert is byte-exact."""
    app = make(tmp_path, shape="cjs", winpty=True, product_comments=True)
    state = tmp_path / "state"
    before = tree_digest(app)
    original = (app / "product.json").read_bytes()
    assert b"// Checked at startup" in original and b'",\n\t},' in original
    cli("apply", "--cursor", app, state=state)
    product = (app / "product.json").read_bytes()
    digest = sha256_b64_unpadded((app / PTY).read_bytes())
    old_digest = sha256_b64_unpadded(bundlegen.ptyhost(winpty=True, esm=False).encode())
    assert product == original.replace(old_digest.encode(), digest.encode())
    cli("revert", "--cursor", app, state=state)
    assert tree_digest(app) == before


def test_status_and_doctor_say_winpty_is_not_applicable_before_any_apply(tmp_path):
    app = make(tmp_path, shape="esm", winpty=False, esm_bytes=50_000)
    st = json.loads(cli("status", "--cursor", app, "--json", state=tmp_path / "s").stdout)
    states = {p["ref"]: (p["state"], p["reason"]) for p in st["patches"]}
    assert set(states) == {"cursor/spawn-env-hook@1", "cursor/winpty-mode@2"}, "a superseded version is not listed"
    assert states["cursor/spawn-env-hook@1"] == ("not applied", "")
    state, reason = states["cursor/winpty-mode@2"]
    assert state == "not applicable" and "the editor's node-pty has no winpty backend" in reason
    text = cli("status", "--cursor", app, state=tmp_path / "s").stdout
    assert ("cursor/winpty-mode@2     not applicable  (not applicable: the editor's node-pty has no winpty backend "
            "(node_modules/node-pty/package.json: is node-pty 1.2.0-beta.10, which has no winpty; "
            "node_modules/node-pty/lib/windowsPtyAgent.js: its Windows agent loads conpty only))") in text
    doc = json.loads(cli("doctor", "--cursor", app, "--json", state=tmp_path / "s", check=False).stdout)
    editor = {f["title"]: f for f in doc["findings"] if f["id"] == "editor-patches"}
    f = editor["cursor/winpty-mode@2: not applicable"]
    assert f["ok"] is True and "no winpty backend" in f["detail"]
    assert editor["cursor/spawn-env-hook@1: not applied"]["ok"] is False


def test_status_of_a_bundle_whose_pty_host_reports_a_constant_backend(tmp_path):
    """node-pty says winpty, the pty host does not choose it (1.110+ shape): not applicable."""
    app = make(tmp_path, shape="esm", winpty=False, esm_bytes=50_000, node_pty="1.1.0-beta34")
    (app / "node_modules/node-pty/lib/windowsPtyAgent.js").write_text(bundlegen.node_pty_agent(True))
    st = json.loads(cli("status", "--cursor", app, "--json", state=tmp_path / "s").stdout)
    (winpty,) = [p for p in st["patches"] if p["ref"] == "cursor/winpty-mode@2"]
    assert winpty["state"] == "not applicable" and "does not choose between a conpty and a winpty backend" in winpty["reason"]


STAND_IN = """#!/bin/sh
# A stand-in for the editor's executable: records how it was run, then acts as
# node only when asked to (ELECTRON_RUN_AS_NODE=1), like Electron.
echo "ELECTRON_RUN_AS_NODE=$ELECTRON_RUN_AS_NODE $*" >> "${0%/*}/runs.log"
[ "$ELECTRON_RUN_AS_NODE" = "1" ] || exit 9
exec "{node}" "$@"
"""


def _stand_in(app: Path, name: str = "cursor") -> Path:
    exe = app.parent.parent / name
    exe.write_text(STAND_IN.replace("{node}", shutil.which("node")))
    exe.chmod(0o755)
    return exe


def test_node_check_uses_the_editors_own_runtime_even_without_node_on_path(tmp_path):
    app = make(tmp_path, shape="esm", winpty=True, esm_bytes=50_000)
    exe = _stand_in(app)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    proc = run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", env={"PATH": str(empty)}, check=True)
    assert f"note: node --check with the editor's own runtime ({exe}, node {subprocess.check_output(['node', '-p', 'process.versions.node'], text=True).strip()})" in proc.stderr
    runs = (exe.parent / "runs.log").read_text().splitlines()
    checks = [r for r in runs if " --check " in r]
    # Each file on the check's stdin, in its module kind (both ES modules here).
    assert checks == ["ELECTRON_RUN_AS_NODE=1 --check --input-type=module"] * 2, runs
    assert "only the tree-sitter check ran" not in proc.stderr


def test_a_runtime_that_is_not_node_is_passed_over(tmp_path):
    app = make(tmp_path, shape="cjs", winpty=False)
    exe = _stand_in(app)
    exe.write_text("#!/bin/sh\necho \"$*\" >> \"${0%/*}/runs.log\"\nexit 0\n")  # runs, but is no node
    proc = run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", check=True)
    assert "editor's own runtime" not in proc.stderr and "only the tree-sitter" not in proc.stderr, "node on PATH was used"
    assert all("--check" not in r for r in (exe.parent / "runs.log").read_text().splitlines())


def test_without_editor_runtime_and_node_only_tree_sitter_checks_and_says_so(tmp_path):
    app = make(tmp_path, shape="cjs", winpty=False)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    proc = run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", env={"PATH": str(empty)}, check=True)
    assert ("note: neither the editor's own runtime nor node on PATH was found: only the tree-sitter check ran "
            "on the patched files (no node --check)") in proc.stderr


def test_the_editors_runtime_refuses_what_tree_sitter_accepts(tmp_path):
    """A duplicate declaration parses, but node (here: the editor's runtime) rejects it: nothing written."""
    app = make(tmp_path, shape="cjs", winpty=False)
    main = app / "out/main.js"
    main.write_bytes(main.read_bytes() + b"let dup1=1;let dup1=2;\n")
    _stand_in(app)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    before = tree_digest(app)
    proc = run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", env={"PATH": str(empty)})
    refused(proc, "out/main.js: node --check rejects the original file already (SyntaxError: Identifier 'dup1' has already been declared)")
    assert tree_digest(app) == before
    assert not (tmp_path / "s" / "cache").exists(), "a refused apply remembers nothing"


def test_a_reapply_replays_the_remembered_edits_and_still_runs_node_check(tmp_path):
    app = make(tmp_path, shape="esm", winpty=True, esm_bytes=50_000)
    exe = _stand_in(app)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {"PATH": str(empty)}
    run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", env=env, check=True)
    patched = tree_digest(app)
    [entry] = (tmp_path / "s" / "cache" / "engine").glob("*.json")
    written = entry.stat().st_ino
    run_patcher("revert", "--cursor", app, "--state-dir", tmp_path / "s", env=env, check=True)
    run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", env=env, check=True)
    assert tree_digest(app) == patched
    assert entry.stat().st_ino == written, "replayed, not computed and written again (a write replaces the file)"
    checks = [r for r in (exe.parent / "runs.log").read_text().splitlines() if " --check " in r]
    assert len(checks) == 4, "validation is never cached: node --check ran on both files both times"
    assert len(list((tmp_path / "s" / "cache" / "engine").glob("*.json"))) == 1


def test_a_pty_host_patched_by_winpty_mode_alone_is_recognised_without_a_journal(tmp_path):
    """Only winpty-mode applied, then the state directory lost: apply must not wrap useConpty
    a second time, nor take the patched pty host for an original."""
    app = make(tmp_path, shape="esm", winpty=True, esm_bytes=50_000)
    cli("apply", "--cursor", app, "--patch", "cursor/winpty-mode@2", state=tmp_path / "s")
    shutil.rmtree(tmp_path / "s")
    before = tree_digest(app)
    proc = cli("apply", "--cursor", app, "--patch", "cursor/winpty-mode@2", state=tmp_path / "s", check=False)
    refused(proc, f"{app / 'out/vs/platform/terminal/node/ptyHostMain.js'}: has patcher's changes but ")
    assert tree_digest(app) == before
    status = json.loads(cli("status", "--json", "--cursor", app, state=tmp_path / "s").stdout)
    assert {p["ref"]: p["state"] for p in status["patches"]}["cursor/winpty-mode@2"] == "unrecorded"


def test_the_editors_runtime_comes_before_node_on_path(tmp_path):
    app = make(tmp_path, shape="esm", winpty=True, esm_bytes=50_000)
    exe = _stand_in(app)
    assert shutil.which("node"), "node is on PATH here"
    proc = cli("apply", "--cursor", app, state=tmp_path / "s")
    assert f"note: node --check with the editor's own runtime ({exe}, node " in proc.stderr
    checks = [r for r in (exe.parent / "runs.log").read_text().splitlines() if " --check " in r]
    assert len(checks) == 2 and all(r.startswith("ELECTRON_RUN_AS_NODE=1 --check ") for r in checks), checks


@pytest.mark.parametrize("install", ["generated", "generated CommonJS", "code-server 4.108.2"])
@pytest.mark.parametrize("node", [True, False], ids=["node", "no-runtime"])
def test_each_bundle_is_parsed_at_most_once_and_checked_while_the_next_is_parsed(tmp_path, monkeypatch, install, node):
    """With node to check the result, the main bundle is never parsed whole (the spawn hook reads
    its first statements from a head) and its node --check (its own process) starts before the
    engine parses the pty host, whose anchors need the whole tree; the pty host is parsed once.
    Whether the main bundle has import statements (which hook it gets) is taken from package.json's
    "type" first, and read from its head only after both checks started.  A CommonJS main bundle
    is parsed whole once, after its first head (that it has no import statement takes the whole
    tree, then kept for the edit).  Without a runtime (nothing is started then), the tree-sitter parse of each whole file
    is the check: one each."""
    import corpus
    from patcher.catalog.catalog import Catalog
    from patcher.engine import syntax
    from patcher.targets import noderun
    from patcher.targets.editor.target import CursorTarget

    if install.startswith("generated"):
        app = make(tmp_path, shape="cjs" if install.endswith("CommonJS") else "esm", winpty=True, esm_bytes=50_000)
    else:
        app = corpus.lay_out(corpus.build(install.split()[-1]), tmp_path / "cs")
    target = CursorTarget(str(app), tmp_path / "s")
    files = {"main": (app / target.role("@main")).read_bytes(), "pty host": (app / target.role("@ptyhost")).read_bytes()}
    events = []
    parse, start = syntax.parse, noderun.NodeChecks.start

    def parsing(lang, src, old_tree=None):
        events.extend(f"parse {name}" for name, data in files.items() if src == data and old_tree is None)
        events.extend(f"head {name}" for name, data in files.items() if len(src) < len(data) and data.startswith(src))
        return parse(lang, src, old_tree)

    def starting(self, data, kind, label):
        events.append(f"check {'main' if label.endswith(target.role('@main')) else 'pty host'}")
        return start(self, data, kind, label)

    monkeypatch.setattr(syntax, "parse", parsing)
    monkeypatch.setattr(noderun.NodeChecks, "start", starting)
    if not node:
        monkeypatch.setattr(noderun, "find_runtime", lambda exes=(): None)
    target.apply(Catalog().defaults("cursor"))
    if node and install.endswith("CommonJS"):
        assert events == ["head main", "parse main", "check main", "parse pty host", "check pty host"], events
    elif node:
        assert events == ["head main", "check main", "parse pty host", "check pty host", "head main"]
    else:
        assert events == ["parse main", "check main", "parse pty host", "check pty host"]


@pytest.mark.parametrize("install", ["generated", "code-server 4.139.1"])
def test_when_the_main_bundle_is_the_only_file_its_check_starts_before_the_engine_reads_it(tmp_path, monkeypatch, install):
    """No winpty (every current Cursor, and code-server 4.139.1): node starts up for the main
    bundle's check before the lock is taken (runner: warm_up), and gets its bytes through its stdin
    (no copy) once the hook is in, before the engine has read whether the bundle has import
    statements (package.json's "type" said so; the heads read after it agree); the bundle is
    never parsed whole."""
    import corpus
    from patcher.catalog.catalog import Catalog
    from patcher.engine import syntax
    from patcher.state.runlock import RunLock
    from patcher.targets import noderun
    from patcher.targets.editor.target import CursorTarget

    if install == "generated":
        app = make(tmp_path, shape="esm", winpty=False, esm_bytes=50_000)
    else:
        app = corpus.lay_out(corpus.build(install.split()[-1]), tmp_path / "cs")
    target = CursorTarget(str(app), tmp_path / "s")
    main = (app / target.role("@main")).read_bytes()
    events = []
    parse, spawn, start, from_copy = syntax.parse, noderun.NodeChecks._spawn, noderun.NodeChecks.start, noderun.NodeChecks._from_copy
    enter = RunLock.__enter__

    def parsing(lang, src, old_tree=None):
        if len(src) < len(main) and main.startswith(src):
            events.append("head main")
        elif src == main:
            events.append("parse main")
        return parse(lang, src, old_tree)

    def spawning(self, kind, **kw):
        events.append(f"node started ({kind})")
        return spawn(self, kind, **kw)

    def starting(self, data, kind, label):
        events.append("main handed to node" if label.endswith(target.role("@main")) else label)
        return start(self, data, kind, label)

    def copying(self, data, kind):
        events.append("a copy checked")
        return from_copy(self, data, kind)

    def locking(self):
        events.append("locked")
        return enter(self)

    monkeypatch.setattr(syntax, "parse", parsing)
    monkeypatch.setattr(noderun.NodeChecks, "_spawn", spawning)
    monkeypatch.setattr(noderun.NodeChecks, "start", starting)
    monkeypatch.setattr(noderun.NodeChecks, "_from_copy", copying)
    monkeypatch.setattr(RunLock, "__enter__", locking)
    message = target.apply(Catalog().defaults("cursor"))
    assert message.startswith("applied cursor/spawn-env-hook@1 to ") and "winpty-mode@2: not applicable" in message, message
    assert events[:4] == ["node started (module)", "locked", "head main", "main handed to node"], events
    assert events.count("node started (module)") == 1 and set(events[4:]) == {"head main"}, events
    assert "a copy checked" not in events and "parse main" not in events, events
