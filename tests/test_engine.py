import textwrap

import pytest

from patcher.catalog.catalog import Catalog
from patcher.engine.apply import apply_patches
from patcher.errors import Refused

MANIFEST = '''
id = "demo/{name}"
version = 1
target = "go"
summary = "s"
releases = ["1.25"]

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
