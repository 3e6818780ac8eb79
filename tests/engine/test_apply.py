import textwrap

import pytest

from conftest import GOEXT_BUILDS
from patcher.catalog.catalog import Catalog
from patcher.engine.apply import apply_patches
from patcher.errors import Refused

HEADER = '''
id = "demo/{name}"
version = 1
target = "go"
summary = "s"
releases = ["1.25"]
'''
MANIFEST = HEADER + '''
[[files]]
path = "p.go"
language = "go"

[[edits]]
name = "function f"
file = "p.go"
action = "insert-after"
code = "{code}"
anchor = ['(function_declaration name: (identifier) @_n (#eq? @_n "f")) @anchor']
'''


def catalog(tmp_path, **codes):
    for name, code in codes.items():
        d = tmp_path / "patches" / "demo" / name / "1"
        d.mkdir(parents=True)
        (d / "manifest.toml").write_text(textwrap.dedent(MANIFEST.format(name=name, code=code)))
    return Catalog(tmp_path / "patches")


def run(cat, source: bytes):
    return apply_patches(cat.all(), lambda p: source, lambda f: f, lambda p: f"/t/{p}")


def test_two_patches_edit_the_same_file_in_order(tmp_path):
    cat = catalog(tmp_path, a="func g() {}", b="func h() {}")
    res = run(cat, b"package p\n\nfunc f() {}\n")
    assert res.files["p.go"].patched == b"package p\n\nfunc f() {}\nfunc h() {}\nfunc g() {}\n"
    assert res.files["p.go"].patches == ["demo/a@1", "demo/b@1"]


def test_non_utf8_file_is_refused(tmp_path):
    cat = catalog(tmp_path, a="func g() {}")
    with pytest.raises(Refused) as exc:
        run(cat, b"package p\n// caf\xe9\nfunc f() {}\n")
    assert str(exc.value) == "/t/p.go: not UTF-8 (byte 0xe9 at offset 16); patcher only edits UTF-8 files"


def test_file_that_does_not_parse_is_refused(tmp_path):
    cat = catalog(tmp_path, a="func g() {}")
    with pytest.raises(Refused) as exc:
        run(cat, b"package p\n\nfunc f() {\n")
    assert str(exc.value).startswith("/t/p.go: does not parse as go (")
    assert "truncated or not a go file?" in str(exc.value)


def test_patch_producing_broken_code_is_refused(tmp_path):
    cat = catalog(tmp_path, a="func g( {")
    with pytest.raises(Refused) as exc:
        run(cat, b"package p\n\nfunc f() {}\n")
    assert str(exc.value).startswith("/t/p.go: demo/a@1 produced code that does not parse (")


def test_utf8_bom_is_kept_and_offsets_stay_right(tmp_path):
    cat = catalog(tmp_path, a="func g() {}")
    res = run(cat, b"\xef\xbb\xbfpackage p\n\nfunc f() {}\n")
    assert res.files["p.go"].patched == b"\xef\xbb\xbfpackage p\n\nfunc f() {}\nfunc g() {}\n"


def test_incremental_reparse_equals_a_full_parse(pristine_goroot, tmp_path):
    """The engine re-parses edited files incrementally; the tree must be the
    one a fresh parse gives, on real Go sources and a 1.5 MB bundle."""
    import bundlegen
    from patcher.engine import syntax
    from patcher.targets.editor.target import CursorTarget
    ROLES = CursorTarget.CASE_PATHS
    cat = Catalog()
    go = apply_patches(cat.for_target("go"), lambda rel: (pristine_goroot / rel).read_bytes(), lambda f: f, str)
    app = bundlegen.make_app(tmp_path, shape="esm", winpty=True)
    js = apply_patches(cat.for_target("cursor"), lambda rel: (app / rel).read_bytes(), lambda f: ROLES.get(f, f), str)
    results = list(go.files.values()) + list(js.files.values())
    assert len(results) == 4
    for r in results:
        assert r.patched != r.original
        assert str(r.tree.root_node) == str(syntax.parse(r.language, r.patched).root_node), r.path


def _editor_run(tmp_path, monkeypatch, events):
    """Both editor patches on a generated install, logging reads, probe runs and finished files."""
    import bundlegen
    from patcher.engine import apply as engine
    from patcher.targets.editor.target import CursorTarget
    from patcher.targets.jsbundle import _describe

    app = bundlegen.make_app(tmp_path / "c", shape="esm", winpty=True, esm_bytes=200_000)
    target = CursorTarget(str(app), tmp_path / "state")
    find = engine._Parsed.find

    def recording(self, steps, lang, exists=False):
        if exists:  # a probe: only whether its anchor matches
            events.append(("probe", steps[0].query[:20]))
        return find(self, steps, lang, exists)

    monkeypatch.setattr(engine._Parsed, "find", recording)
    cat = Catalog()
    patches = [cat.get("cursor/spawn-env-hook@1"), cat.get("cursor/winpty-mode@2")]

    def read(rel):
        events.append(("read", rel))
        return (app / rel).read_bytes()

    return apply_patches(patches, read, target.role, target.label, describe=_describe,
                         on_final=lambda fr: events.append(("final", fr.path)))


def test_a_file_is_handed_on_as_soon_as_no_later_patch_can_change_it(tmp_path, monkeypatch):
    events = []
    res = _editor_run(tmp_path, monkeypatch, events)
    order = [e for e in events if e[0] in ("read", "final")]
    pty = "out/vs/platform/terminal/node/ptyHostMain.js"
    assert order == [("read", "out/main.js"), ("final", "out/main.js"), ("read", pty), ("final", pty)]
    assert res.files["out/main.js"].facts == {"kind": "module"} and res.files[pty].facts == {"kind": "module"}
    assert [len(s) for s in res.files["out/main.js"].splices] == [1], "one patch, one splice, kept for the cache"


def test_a_probe_runs_once_per_patch_however_many_edits_ask(tmp_path, monkeypatch):
    """winpty-mode@2: its two edits both ask the `shorthand` probe; it is run once (on a 335 KB real
    pty host each run is a full query, ~35 ms)."""
    events = []
    _editor_run(tmp_path, monkeypatch, events)
    probes = [e[1] for e in events if e[0] == "probe"]
    assert len(probes) == len(set(probes)) == 3, probes  # esm (spawn hook), chooses_backend, shorthand


# Two file roles the test resolves to one file, each with an edit.
TWO_ROLES = HEADER.format(name="two") + "".join(f"""
[[files]]
path = "{role}.go"
language = "go"

[[edits]]
name = "after {after}"
file = "{role}.go"
action = "insert-after"
code = "func {new}() {{}}"
anchor = ['(function_declaration name: (identifier) @_n (#eq? @_n "{after}")) @anchor']
""" for role, after, new in (("a", "f", "g"), ("b", "g", "h")))


def test_a_file_two_roles_of_one_patch_name_is_handed_on_once_with_its_final_bytes(tmp_path):
    d = tmp_path / "patches" / "demo" / "two" / "1"
    d.mkdir(parents=True)
    (d / "manifest.toml").write_text(TWO_ROLES)
    finals = []
    res = apply_patches(Catalog(tmp_path / "patches").all(), lambda p: b"package p\n\nfunc f() {}\n",
                        lambda f: "p.go", lambda p: p, on_final=lambda fr: finals.append(fr.patched))
    assert res.files["p.go"].patched == b"package p\n\nfunc f() {}\nfunc g() {}\nfunc h() {}\n"
    assert finals == [res.files["p.go"].patched]


ROLES_MANIFEST = '''
id = "demo/roles"
version = 1
target = "goext"
summary = "s"

[[files]]
path = "@main"
language = "javascript"

[[files]]
path = "@extra"
language = "javascript"
optional = true

[[edits]]
name = "every call of f"
file = "@main"
action = "replace"
layout = "inline"
expect = "any"
code = "g(@@node@@)"
anchor = ['((call_expression function: (identifier) @_f) @anchor (#eq? @_f "f"))']

[[edits]]
name = "start of the extra file"
file = "@extra"
action = "insert-after"
anchor = [{ at = "prologue-end" }]
code = "var extra = 1;"
'''


def test_an_optional_role_the_target_lacks_and_an_anchor_that_may_match_nowhere(tmp_path):
    from patcher.errors import NotApplicable
    d = tmp_path / "patches" / "demo" / "roles" / "1"
    d.mkdir(parents=True)
    (d / "manifest.toml").write_text(ROLES_MANIFEST)
    (patch,) = Catalog(tmp_path / "patches").all()
    files = {"main.js": b"f(1); h(f(2));\n", "extra.js": b"x();\n"}

    def role(has_extra):
        def resolve(name):
            if name == "@extra" and not has_extra:
                raise NotApplicable("no extra file here")
            return {"@main": "main.js", "@extra": "extra.js"}[name]
        return resolve

    both = apply_patches([patch], files.__getitem__, role(True), str)
    assert both.files["main.js"].patched == b"g(f(1)); h(g(f(2)));\n" and both.files["extra.js"].patched == b"var extra = 1;\nx();\n"
    alone = apply_patches([patch], files.__getitem__, role(False), str)
    assert not alone.skipped and set(alone.files) == {"main.js"} and alone.files["main.js"].patches == ["demo/roles@1"]
    none = apply_patches([patch], {"main.js": b"h(2);\n"}.__getitem__, role(False), str)
    assert none.files["main.js"].patched == b"h(2);\n" and not none.skipped


@pytest.mark.parametrize("shape", ["esm", "cjs", "esm-crlf-bom", "unminified-pty", "no-winpty"])
def test_a_partial_run_makes_the_whole_runs_edits(tmp_path, shape):
    """partial=True reads the spawn hook's places from a head; every byte, fact and splice is the
    whole run's (the patched file of a partial run is validated by node, not parsed again)."""
    import bundlegen
    from patcher.targets.editor.target import CursorTarget
    from patcher.targets.jsbundle import _describe

    kw = {"esm": {}, "cjs": {"shape": "cjs"}, "esm-crlf-bom": {"crlf": True}, "unminified-pty": {"unminified_pty": True},
          "no-winpty": {"winpty": False}}[shape]
    app = bundlegen.make_app(tmp_path / "c", esm_bytes=300_000, **dict({"shape": "esm"}, **kw))
    if shape == "esm-crlf-bom":
        main = app / "out/main.js"
        main.write_bytes(b"\xef\xbb\xbf" + main.read_bytes())
    target = CursorTarget(str(app), tmp_path / "state")
    cat = Catalog()
    patches = [cat.get("cursor/spawn-env-hook@1"), cat.get("cursor/winpty-mode@2")]
    runs = [apply_patches(patches, lambda rel: (app / rel).read_bytes(), target.role, target.label, describe=_describe,
                          params={"env": {"PYTHONUTF8": "1"}}, partial=partial) for partial in (True, False)]
    part, whole = runs
    assert part.skipped == whole.skipped and sorted(part.files) == sorted(whole.files)
    for path, fr in part.files.items():
        other = whole.files[path]
        assert (fr.patched, fr.patches, fr.facts, fr.splices) == (other.patched, other.patches, other.facts, other.splices)
    main = part.files["out/main.js"]
    assert main.tree is None if shape != "cjs" else main.tree is not None, "a CommonJS main is parsed whole (no top-level import to find)"
    assert main.facts == {"kind": "commonjs" if shape == "cjs" else "module"}


@pytest.mark.parametrize("build", GOEXT_BUILDS or [None], ids=[b.name for b in GOEXT_BUILDS] or ["none"])
def test_a_partial_run_of_the_go_extension_patch_is_the_whole_run(tmp_path, build):
    """goext/utf8-stream-decode: its listeners may be anywhere, so its files are parsed whole
    either way (and not parsed again for its prologue edit): the same result."""
    if build is None:
        pytest.skip("no golang.go builds")
    from patcher.targets.goext.target import GoExtTarget
    from patcher.targets.jsbundle import _describe

    target = GoExtTarget(str(build), tmp_path / "state")
    patches = Catalog().defaults("goext")
    part, whole = (apply_patches(patches, lambda rel: (build / rel).read_bytes(), target.role, target.label,
                                 describe=_describe, partial=partial) for partial in (True, False))
    assert part.skipped == whole.skipped and sorted(part.files) == sorted(whole.files)
    for path, fr in part.files.items():
        assert (fr.patched, fr.facts, fr.splices) == (whole.files[path].patched, whole.files[path].facts, whole.files[path].splices)
        assert fr.tree is not None


@pytest.mark.parametrize("shape", ["esm", "cjs"])
def test_a_probe_whose_answer_the_caller_expects_is_decided_after_the_file_is_handed_on(tmp_path, monkeypatch, shape):
    """`expect`: the engine patches with the caller's answer to the module-kind probe, hands the file
    on (on_final: node can check it), and only then decides the probe itself.  A right answer gives
    the run without one, byte for byte; a wrong one raises Misexpected once the probe is decided,
    naming the file (the caller throws its check away and runs again)."""
    import bundlegen
    from patcher.engine import apply as engine
    from patcher.engine.anchors import top_level_types
    from patcher.targets.editor.target import CursorTarget
    from patcher.targets.jsbundle import ESM_STATEMENTS, _describe

    app = bundlegen.make_app(tmp_path / "c", shape=shape, winpty=False, esm_bytes=300_000)
    target = CursorTarget(str(app), tmp_path / "state")
    patches = [Catalog().get("cursor/spawn-env-hook@1")]
    events = []
    find = engine._Parsed.find

    def finding(self, steps, lang, exists=False):
        if exists and steps[0].query and top_level_types(steps[0].query) == ESM_STATEMENTS:
            events.append("probe decided")
        return find(self, steps, lang, exists)

    monkeypatch.setattr(engine._Parsed, "find", finding)

    def run(expect=None):
        events.clear()
        result = apply_patches(patches, lambda rel: (app / rel).read_bytes(), target.role, target.label,
                               params={"env": {"PYTHONUTF8": "1"}}, describe=_describe, partial=True, expect=expect,
                               on_final=lambda fr: events.append("handed on"))
        return result, list(events)

    def expecting(answer):
        def expect(path, types):
            events.append(f"expected {answer}")
            return answer if types == ESM_STATEMENTS else None
        return expect

    plain, order = run()
    assert order == ["probe decided", "handed on"]
    right, order = run(expecting(shape == "esm"))
    assert order == [f"expected {shape == 'esm'}", "handed on", "probe decided"]
    main = plain.files["out/main.js"]
    assert (right.files["out/main.js"].patched, right.files["out/main.js"].facts, right.files["out/main.js"].splices) == (
        main.patched, main.facts, main.splices)
    assert main.facts == {"kind": "module" if shape == "esm" else "commonjs"}
    with pytest.raises(engine.Misexpected, match=r"out/main\.js: a probe found (no|a) export_statement/import_statement"):
        run(expecting(shape != "esm"))
    assert events == [f"expected {shape != 'esm'}", "handed on", "probe decided"]
    assert run(lambda path, types: None)[0].files["out/main.js"].patched == main.patched, "no expectation: as without"


def test_a_refusal_made_on_a_wrong_expectation_is_a_misexpectation(tmp_path):
    """An edit that only a wrong answer chose may be refused before the probes are decided (here
    the ES-module branch names a value no one gives): that refusal is not the patches' own for
    this file, so the run ends in Misexpected (the caller runs again), not in that refusal."""
    from patcher.engine import apply as engine

    d = tmp_path / "patches" / "demo" / "branches" / "1"
    d.mkdir(parents=True)
    (d / "manifest.toml").write_text(textwrap.dedent('''
        id = "demo/branches"
        version = 1
        target = "cursor"
        summary = "s"

        [[files]]
        path = "main.js"
        language = "javascript"

        [probes.esm]
        file = "main.js"
        anchor = ['(program [(import_statement) (export_statement)] @anchor)']
        absent = "no import"

        [[edits]]
        name = "start (ES module)"
        file = "main.js"
        when = "esm"
        action = "insert-after"
        anchor = [{ at = "prologue-end" }]
        code = "@@unset@@"

        [[edits]]
        name = "start (CommonJS)"
        file = "main.js"
        when = "!esm"
        action = "insert-after"
        anchor = [{ at = "prologue-end" }]
        code = "hook();"
        '''))
    patches = Catalog(tmp_path / "patches").all()
    source = b"var a = require('x');\n" * 2000 + b"f();\n"

    def run(expect=None):
        return apply_patches(patches, lambda p: source, lambda f: f, lambda p: f"/t/{p}", partial=True, expect=expect)

    assert run().files["main.js"].patched.count(b"hook();") == 1
    with pytest.raises(engine.Misexpected, match="/t/main.js: a probe found no"):
        run(lambda path, types: True)
    with pytest.raises(Refused, match="@@unset@@"):
        apply_patches(patches, lambda p: b"import x from 'y';\n" + source, lambda f: f, lambda p: f"/t/{p}",
                      partial=True, expect=lambda path, types: True)
