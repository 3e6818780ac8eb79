"""Every editor patch on real VS Code builds: code-server releases from npm.

The builds (tests/corpus/code-server.json: package@version, sha256 of each
file, VS Code and node-pty versions, winpty yes/no as measured by
scripts/corpus.py) are fetched with `npm pack` into .cache/corpus on first
use.  Each is laid out as an install: lib/vscode as the app (package.json,
product.json, npm-shrinkwrap.json, out/server-main.js, the pty host), with
node-pty's own files under node_modules/node-pty as `npm install` would put
them (package.json, lib/windowsPtyAgent.js, the Windows prebuilds when that
node-pty release has them).

Per build: apply -> node --check of every patched file -> the hook proves
itself (see _prove_hook) -> status -> revert byte-exact; winpty is applied
exactly where the manifest says the build's node-pty has winpty, and "not
applicable" with the reason elsewhere; the same verdict without
node_modules (from the version npm-shrinkwrap.json pins).

`make test` runs the builds marked "default" (both sides of the winpty
removal); PATCHER_CORPUS=all (`make test-corpus`) runs them all.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import corpus
from conftest import TESTS, run_patcher, tree_digest

JS = TESTS / "js"
BUILDS = corpus.load_manifest()["builds"]
SELECTED = [b for b in BUILDS if os.environ.get("PATCHER_CORPUS") == "all" or b["default"]]
APP = corpus.VSCODE
PTY = "out/vs/platform/terminal/node/ptyHostMain.js"
MAIN = "out/server-main.js"
WANT = {"PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1", "FIXTURE_EXTRA": "yes 是"}
SET_BY_US = '(process.platform==="win32"&&process.env.PATCHER_WINPTY!=="0")?false:'


def cli(*args, state, check=True):
    return run_patcher(*args, "--state-dir", state, check=check)


def _node_check(data: bytes, kind: str, where: Path) -> None:
    copy = where / f"check{'.mjs' if kind == 'module' else '.cjs'}"
    copy.write_bytes(data)
    proc = subprocess.run(["node", "--check", str(copy)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-1000:]


def _inserted_end(original: bytes, patched: bytes) -> int:
    """Where the inserted hook ends in the patched file (the rest is the original's tail)."""
    tail = len(original)
    while tail and original[tail - 1] == patched[len(patched) - len(original) + tail - 1]:
        tail -= 1
    return len(patched) - len(original) + tail


def _prove_hook(original: bytes, patched: bytes, kind: str, where: Path) -> dict:
    """Run the real file's prologue and the inserted hook, as they are in the
    patched file, followed by a probe (tests/js/hook-probe-tail.*): the rest of
    the entry is not run (it would start a server; node --check covers it)."""
    end = _inserted_end(original, patched)
    assert patched[end:] == original[len(original) - (len(patched) - end):], "only an insertion"
    suffix = ".mjs" if kind == "module" else ".cjs"
    probe = where / f"probe{suffix}"
    probe.write_bytes(patched[:end] + b"\n" + (JS / f"hook-probe-tail{suffix}").read_bytes())
    report = where / "probe.json"
    env = {k: v for k, v in os.environ.items() if k not in WANT}
    proc = subprocess.run(["node", str(probe)], capture_output=True, text=True, timeout=60,
                          env=dict(env, PATCHER_PROBE_REPORT=str(report)))
    assert proc.returncode == 0 and "patcher" not in proc.stderr, proc.stderr[-1000:]
    return json.loads(report.read_text(encoding="utf-8"))


@pytest.mark.parametrize("build", SELECTED, ids=[b["version"] for b in SELECTED])
def test_real_build_apply_check_probe_revert(tmp_path, build):
    app = corpus.lay_out(build, tmp_path / "code-server 编辑器")
    state = tmp_path / "state"
    before = tree_digest(app)
    original_main = (app / MAIN).read_bytes()

    proc = cli("apply", "--cursor", app, "--env", f"FIXTURE_EXTRA={WANT['FIXTURE_EXTRA']}", state=state)
    kind = "module" if build["esm"] else "commonjs"
    assert f"{MAIN} ({kind})" in proc.stdout
    changed = {p for p, digest in tree_digest(app).items() if before.get(p) != digest}
    if build["winpty"]:
        assert changed == {MAIN, PTY}, proc.stdout
        assert "cursor/winpty-mode@2" in proc.stdout.split(" to ")[0]
        pty = (app / PTY).read_bytes()
        assert pty.count(SET_BY_US.encode()) == 1
        _node_check(pty, kind, tmp_path)
    else:
        assert changed == {MAIN}, proc.stdout
        assert "cursor/winpty-mode@2: " in proc.stdout and "not applicable" in proc.stdout
        assert "no winpty backend" in proc.stdout or "does not choose" in proc.stdout, proc.stdout
    patched_main = (app / MAIN).read_bytes()
    _node_check(patched_main, kind, tmp_path)

    report = _prove_hook(original_main, patched_main, kind, tmp_path)
    assert {k: report["main"].get(k) for k in WANT} == WANT, "variables in the main process"
    assert {k: report["child"].get(k) for k in WANT} == WANT, "and in a child given an explicit env"
    assert report["wrapped"] == "function", "a named import of child_process, as the bundle makes them, is the wrapper"

    st = json.loads(cli("status", "--cursor", app, "--json", state=state).stdout)
    states = {p["ref"]: p["state"] for p in st["patches"]}
    assert states["cursor/spawn-env-hook@1"] == "applied"
    assert states["cursor/winpty-mode@2"] == ("applied" if build["winpty"] else "not applicable")

    cli("revert", "--cursor", app, state=state)
    assert tree_digest(app) == before, "revert is byte-exact"


@pytest.mark.parametrize("build", SELECTED, ids=[b["version"] for b in SELECTED])
def test_every_cursor_patch_of_the_catalog_edits_only_where_it_belongs(tmp_path, build):
    """Each version in the catalog, named with --patch (as a pin would): a withdrawn one is
    refused, winpty-mode only edits a pty host whose node-pty has winpty, revert is exact."""
    from patcher.catalog.catalog import Catalog

    app = corpus.lay_out(build, tmp_path / "cs")
    before = tree_digest(app)
    for patch in Catalog().for_target("cursor"):
        proc = cli("apply", "--cursor", app, "--patch", patch.ref, state=tmp_path / "s", check=False)
        if patch.withdrawn:
            assert proc.returncode == 1 and f"patcher: {patch.ref} is withdrawn: " in proc.stderr, proc.stderr
            assert tree_digest(app) == before, f"{patch.ref}: nothing changed"
            continue
        assert proc.returncode == 0, proc.stderr
        pty_changed = tree_digest(app)[PTY] != before[PTY]
        assert pty_changed == (patch.manifest.id == "cursor/winpty-mode" and build["winpty"]), (patch.ref, proc.stdout)
        cli("revert", "--cursor", app, state=tmp_path / "s")
        assert tree_digest(app) == before
    assert any(p.withdrawn for p in Catalog().for_target("cursor")), "winpty-mode@1 is withdrawn"


@pytest.mark.parametrize("build", SELECTED, ids=[b["version"] for b in SELECTED])
def test_what_apply_reads_from_a_head_is_what_the_whole_tree_says(tmp_path, build):
    """With node to validate, apply reads the spawn hook's places (the prologue, a top-level
    import/export) from a head of server-main.js (engine/apply.py `partial`).  On each real build:
    the head's settled top-level nodes are the whole file's at every cut tried, and the partial
    run's edits, facts and skips are byte for byte the whole run's."""
    import random

    from patcher.catalog.catalog import Catalog
    from patcher.engine import syntax
    from patcher.engine.apply import apply_patches
    from patcher.targets.editor.target import CursorTarget
    from patcher.targets.jsbundle import _describe

    app = corpus.lay_out(build, tmp_path / "cs")
    rng = random.Random(build["version"])
    for rel in (MAIN, PTY):
        data = (app / rel).read_bytes()
        whole = syntax.parse("javascript", data).root_node.children
        for cut in sorted({rng.randrange(1, len(data)) for _ in range(6)} | {c for c in (32_768, 262_144) if c < len(data)}):
            settled = syntax.parse_head("javascript", data, cut).settled
            assert [(n.type, n.start_byte, n.end_byte, str(n)) for n in settled] == \
                   [(n.type, n.start_byte, n.end_byte, str(n)) for n in whole[:len(settled)]], (rel, cut)
    target = CursorTarget(str(app), tmp_path / "state")
    patches = Catalog().defaults("cursor")
    part, full = (apply_patches(patches, lambda rel: (app / rel).read_bytes(), target.role, target.label,
                                describe=_describe, params={"env": {"PYTHONUTF8": "1"}}, partial=partial)
                  for partial in (True, False))
    assert part.skipped == full.skipped and sorted(part.files) == sorted(full.files)
    for path, fr in part.files.items():
        assert (fr.patched, fr.facts, fr.splices) == (full.files[path].patched, full.files[path].facts, full.files[path].splices)
    if build["esm"]:
        assert part.files[MAIN].tree is None, "an ES-module server-main.js is not parsed whole"


@pytest.mark.parametrize("build", SELECTED, ids=[b["version"] for b in SELECTED])
def test_winpty_verdict_without_node_modules_uses_the_pinned_node_pty(tmp_path, build):
    """The release as npm ships it (no node_modules): the version npm-shrinkwrap.json pins decides."""
    app = corpus.lay_out(build, tmp_path / "cs", with_node_pty=False)
    st = json.loads(cli("status", "--cursor", app, "--json", state=tmp_path / "s").stdout)
    winpty = next(p for p in st["patches"] if p["ref"] == "cursor/winpty-mode@2")
    if build["winpty"]:
        assert winpty["state"] == "not applied" and winpty["reason"] == ""
    else:
        assert winpty["state"] == "not applicable"
        assert f"pins node-pty {build['node_pty']}, which has no winpty" in winpty["reason"]


def test_the_corpus_spans_both_sides_of_the_winpty_removal():
    """The manifest's own promise: >= 8 builds over VS Code 1.9x-1.13x, with and without winpty,
    and the default few (make test) on both sides too."""
    minors = sorted(int(b["vscode"].split(".")[1]) for b in BUILDS)
    assert len(BUILDS) >= 8 and minors[0] < 100 and minors[-1] >= 130
    assert {b["winpty"] for b in BUILDS} == {True, False}
    assert {b["winpty"] for b in BUILDS if b["default"]} == {True, False}
    for b in BUILDS:
        # winpty is there exactly when the pty host chooses it and node-pty has it (measured separately).
        assert b["winpty"] == (b["pty_host_chooses_backend"] and b["node_pty_agent_has_winpty"])


BY_VERSION = {b["version"]: b for b in BUILDS}
WITH_WINPTY, WITHOUT_WINPTY = BY_VERSION["4.108.2"], BY_VERSION["4.139.1"]  # both "default": make test has them


def _with_node_pty_of(build: dict, other: dict, root: Path) -> Path:
    """build's app with other's node-pty files (evidence that disagrees with the pty host)."""
    app = corpus.lay_out(build, root, with_node_pty=False)
    (app / "npm-shrinkwrap.json").unlink()
    _, pty = corpus.fetch(other)
    for rel in other["node_pty_files"]:
        dest = app / "node_modules" / "node-pty" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pty / rel, dest)
    return app


def _winpty_state(app: Path, state: Path) -> dict:
    st = json.loads(cli("status", "--cursor", app, "--json", state=state).stdout)
    return next(p for p in st["patches"] if p["ref"] == "cursor/winpty-mode@2")


def test_real_pty_host_without_a_backend_choice_and_a_node_pty_with_winpty(tmp_path):
    app = _with_node_pty_of(WITHOUT_WINPTY, WITH_WINPTY, tmp_path / "a")
    w = _winpty_state(app, tmp_path / "s")
    assert w["state"] == "not applicable" and "does not choose between a conpty and a winpty backend" in w["reason"]


def test_real_pty_host_with_a_backend_choice_and_a_node_pty_without_winpty(tmp_path):
    app = _with_node_pty_of(WITH_WINPTY, WITHOUT_WINPTY, tmp_path / "a")
    w = _winpty_state(app, tmp_path / "s")
    assert w["state"] == "not applicable"
    assert ("the editor's node-pty has no winpty backend (node_modules/node-pty/package.json: is node-pty "
            "1.2.0-beta.15, which has no winpty;") in w["reason"]
    assert "node_modules/node-pty/prebuilds/win32-x64: conpty.node without winpty.dll and winpty-agent.exe" in w["reason"]


def test_dry_run_on_a_real_minified_build_stays_readable(tmp_path):
    app = corpus.lay_out(WITH_WINPTY, tmp_path / "cs")
    before = tree_digest(app)
    proc = cli("apply", "--cursor", tmp_path / "cs", "--dry-run", state=tmp_path / "s")
    assert f"note: using {app}" in proc.stderr, "a code-server install root: its lib/vscode"
    out = proc.stdout
    assert out.startswith("(clipped: lines longer than 400 characters are shown only within 120 characters")
    assert "+++ b/out/server-main.js" in out and "+++ b/out/vs/platform/terminal/node/ptyHostMain.js" in out
    assert '+  // patcher: cursor/spawn-env-hook@1.' in out
    assert max(len(line) for line in out.splitlines()) < 600, "no line of the bundle shown whole"
    assert len(out) < 20_000, f"{len(out)} characters for a {len((app / MAIN).read_bytes())}-byte bundle"
    assert tree_digest(app) == before


def test_a_cached_file_that_differs_from_the_manifest_is_refused(tmp_path, monkeypatch):
    cs, pty = corpus.fetch(WITHOUT_WINPTY)
    copy = tmp_path / "cache"
    shutil.copytree(cs, copy / cs.name)
    shutil.copytree(pty, copy / pty.name)
    monkeypatch.setenv("PATCHER_CORPUS_CACHE", str(copy))
    assert corpus.fetch(WITHOUT_WINPTY)[0] == copy / cs.name
    with open(copy / cs.name / corpus.PTY_HOST, "ab") as f:
        f.write(b"\n")
    with pytest.raises(corpus.CorpusError, match="ptyHostMain.js: sha256 differs from the manifest"):
        corpus.fetch(WITHOUT_WINPTY)
