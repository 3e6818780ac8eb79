"""engine/resultcache.py on a real VS Code build (code-server from the npm
corpus): a re-apply of the same bytes replays the recorded result without
parsing, and anything that differs (bytes, parameters, a damaged entry) is
a miss that runs the engine."""

import json
from pathlib import Path

import corpus
import pytest

from conftest import GOEXT_BUILDS
from patcher.catalog.catalog import Catalog
from patcher.engine import resultcache, syntax
from patcher.engine.apply import apply_patches
from patcher.targets.editor.target import CursorTarget
from patcher.targets.jsbundle import _describe

BUILD = "4.108.2"  # both editor patches apply: two files edited, one by each patch
REFS = ["cursor/spawn-env-hook@1", "cursor/winpty-mode@2"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return corpus.lay_out(corpus.build(BUILD), tmp_path_factory.mktemp("cs") / "code-server")


@pytest.fixture
def app(pristine, tmp_path) -> Path:
    import shutil

    copy = tmp_path / "code-server 编辑器"
    shutil.copytree(pristine.parent.parent, copy)
    return copy / corpus.VSCODE


def _patches():
    catalog = Catalog()
    return [catalog.get(r) for r in REFS]


class Engine:
    """The engine as the cache calls it, counting its runs."""

    def __init__(self, monkeypatch):
        self.runs = 0
        monkeypatch.setattr(resultcache, "apply_patches", self)

    def __call__(self, *args, **kw):
        self.runs += 1
        return apply_patches(*args, **kw)


def _run(app: Path, cache: Path, env=None, on_final=None):
    target = CursorTarget(str(app), cache.parent / "state")
    return resultcache.cached_apply(cache, _patches(), lambda rel: (app / rel).read_bytes(), target.role, target.label,
                                    params={"env": env or {"PYTHONUTF8": "1"}}, describe=_describe, on_final=on_final)


def _same(a, b) -> None:
    assert a.skipped == b.skipped
    assert sorted(a.files) == sorted(b.files)
    for path in a.files:
        x, y = a.files[path], b.files[path]
        assert (x.original, x.patched, x.patches, x.facts, x.splices) == (y.original, y.patched, y.patches, y.facts, y.splices)


def test_a_remembered_result_is_replayed_without_parsing(app, tmp_path, monkeypatch):
    cache, engine = tmp_path / "cache", Engine(monkeypatch)
    first = _run(app, cache)
    assert not first.hit and engine.runs == 1
    assert {Path(p).name for p, f in first.result.files.items() if f.patched != f.original} == {"server-main.js", "ptyHostMain.js"}
    assert not cache.exists(), "nothing is written before the caller commits"
    first.remember()
    assert len(list(cache.glob("*.json"))) == 1

    bundles = {f.original for f in first.result.files.values()}
    parse = syntax.parse

    def no_bundle_parse(lang, source, *rest):
        # (node-pty's own small agent file is still parsed: that is the target's evidence, not the engine's work)
        assert source not in bundles, "a cache hit must not parse the bundles"
        return parse(lang, source, *rest)

    monkeypatch.setattr(syntax, "parse", no_bundle_parse)
    finals = []
    again = _run(app, cache, on_final=lambda fr: finals.append(fr.path))
    assert again.hit and engine.runs == 1
    _same(first.result, again.result)
    assert sorted(finals) == sorted(again.result.files), "a hit still hands every changed file to validation"


def test_other_bytes_or_other_parameters_are_a_miss(app, tmp_path, monkeypatch):
    cache, engine = tmp_path / "cache", Engine(monkeypatch)
    _run(app, cache).remember()
    other_env = _run(app, cache, env={"PYTHONUTF8": "1", "EXTRA": "是"})
    assert not other_env.hit and engine.runs == 2
    assert b'"EXTRA":"\xe6\x98\xaf"' in other_env.result.files["out/server-main.js"].patched
    pty = app / "out/vs/platform/terminal/node/ptyHostMain.js"
    pty.write_bytes(pty.read_bytes() + b"\n")  # an update that changed one byte of one file
    changed = _run(app, cache)
    assert not changed.hit and engine.runs == 3
    assert changed.result.files["out/vs/platform/terminal/node/ptyHostMain.js"].patched.endswith(b"\n")


@pytest.mark.parametrize("damage", ["truncated", "not json", "unknown format", "edited", "wrong splice", "wrong shape"])
def test_a_damaged_entry_is_a_miss_and_the_engine_runs(app, tmp_path, damage, monkeypatch):
    cache, engine = tmp_path / "cache", Engine(monkeypatch)
    first = _run(app, cache)
    first.remember()
    entry = next(cache.glob("*.json"))
    doc = json.loads(entry.read_text())
    body = doc["body"]
    if damage == "truncated":
        entry.write_text(entry.read_text()[:100])
    elif damage == "not json":
        entry.write_bytes(b"\xff\xfe garbage")
    elif damage == "unknown format":
        doc["format"] = 999
    elif damage == "edited":  # changed without its checksum
        body["skipped"]["x"] = "y"
    elif damage == "wrong splice":  # checksum made to agree: the replay itself no longer gives the recorded sha256
        body["files"]["out/server-main.js"]["splices"][0][0][0] += 1
        doc["sha256"] = resultcache._checksum(body)
    else:  # well-formed JSON of the wrong shape, checksum agreeing
        body["files"] = []
        doc["sha256"] = resultcache._checksum(body)
    if damage not in ("truncated", "not json"):
        entry.write_text(json.dumps(doc))
    again = _run(app, cache)
    assert not again.hit and engine.runs == 2
    _same(first.result, again.result)


def test_a_skipped_reason_naming_a_path_is_not_replayed_for_another_install(app, tmp_path, monkeypatch):
    """A reason names files by their label (an absolute path): another install with the same bytes is a miss."""
    import shutil

    cache, engine = tmp_path / "cache", Engine(monkeypatch)
    _run(app, cache).remember()
    moved = tmp_path / "moved"
    shutil.copytree(app.parent.parent, moved)
    other = _run(moved / corpus.VSCODE, cache)
    assert not other.hit and engine.runs == 2


def test_not_applicable_is_replayed_too(tmp_path, monkeypatch):
    """code-server 4.139.1: node-pty without winpty, so winpty-mode is skipped with node-pty's evidence."""
    app = corpus.lay_out(corpus.build("4.139.1"), tmp_path / "cs")
    cache, engine = tmp_path / "cache", Engine(monkeypatch)
    first = _run(app, cache)
    first.remember()
    again = _run(app, cache)
    assert again.hit and engine.runs == 1
    assert "winpty" in again.result.skipped["cursor/winpty-mode@2"]
    _same(first.result, again.result)


def test_only_the_newest_entries_are_kept(app, tmp_path, monkeypatch):
    monkeypatch.setattr(resultcache, "KEEP", 2)
    cache = tmp_path / "cache"
    for i in range(4):
        _run(app, cache, env={"N": str(i)}).remember()
    assert len(list(cache.glob("*.json"))) == 2
    assert _run(app, cache, env={"N": "3"}).hit
    assert not _run(app, cache, env={"N": "0"}).hit


def test_an_unwritable_cache_does_not_fail_the_apply(app, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory would be")
    run = _run(app, blocker / "engine")
    run.remember()  # no error: a cache that cannot be written is just not written
    assert blocker.read_text().startswith("a file")


def test_a_partial_run_gives_what_a_whole_run_gives_and_is_kept_apart(app, tmp_path, monkeypatch):
    """partial=True (node validates): server-main.js is read through a head only, never parsed
    whole; the result is byte for byte the whole run's, and the cache keeps the two apart
    (a run without node, which must parse every file, does not replay a partial one)."""
    cache, engine = tmp_path / "cache", Engine(monkeypatch)
    main = (app / "out/server-main.js").read_bytes()
    parse, seen = syntax.parse, []

    def parsing(lang, source, *rest):
        seen.append(len(source))
        return parse(lang, source, *rest)

    monkeypatch.setattr(syntax, "parse", parsing)
    target = CursorTarget(str(app), tmp_path / "state")

    def run(partial):
        return resultcache.cached_apply(cache, _patches(), lambda rel: (app / rel).read_bytes(), target.role, target.label,
                                        params={"env": {"PYTHONUTF8": "1"}}, describe=_describe, partial=partial)

    part = run(True)
    assert len(main) not in seen and max(seen) < len(main), "server-main.js: heads only"
    part.remember()
    whole = run(False)
    assert not whole.hit and engine.runs == 2
    _same(part.result, whole.result)
    assert run(True).hit and engine.runs == 2


def test_the_code_fingerprint_sees_every_source_and_nothing_else(tmp_path):
    """Every *.py at any depth (not __pycache__'s) of patcher's tree, every entry at the top of a
    parser package; a touched source is another fingerprint."""
    import os

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "__pycache__").mkdir()
    for rel in ("x.py", "a/y.py", "a/b/z.py", "a/notes.txt", "__pycache__/x.cpython-311.pyc"):
        (tmp_path / rel).write_text("1")
    assert sorted(rel for rel, _ in resultcache._files(str(tmp_path), "", True)) == ["a/b/z.py", "a/y.py", "x.py"]
    assert sorted(rel for rel, _ in resultcache._files(str(tmp_path), "", False)) == ["__pycache__", "a", "x.py"]
    source = Path(resultcache.__file__)
    before, st = resultcache._code_fingerprint(), source.stat()
    try:
        os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        assert resultcache._code_fingerprint() != before
    finally:
        os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.skipif(not GOEXT_BUILDS, reason="no golang.go builds")
def test_a_hit_hands_the_files_on_in_the_order_a_run_does(tmp_path):
    """The patches' and roles' order (dist/goMain.js, then the legacy adapter), not the paths'
    (the first file's check starts with it; the later ones' were started ahead, see jsbundle)."""
    from patcher.targets.goext.target import GoExtTarget

    build = GOEXT_BUILDS[-1]
    target = GoExtTarget(str(build), tmp_path / "state")
    cache = tmp_path / "cache"

    def run(finals):
        return resultcache.cached_apply(cache, Catalog().defaults("goext"), lambda rel: (build / rel).read_bytes(),
                                        target.role, target.label, describe=_describe, partial=True,
                                        on_final=lambda fr: finals.append(fr.path))

    cold, warm = [], []
    run(cold).remember()
    assert run(warm).hit
    assert cold == warm == ["dist/goMain.js", "dist/debugAdapter.js"]
