import pytest

from conftest import GOEXT_BUILDS
from patcher.engine import anchors, syntax
from patcher.engine.anchors import resolve
from patcher.errors import AnchorError
from patcher.catalog.manifest import AnchorStep, Edit

SRC = b'''package p

func (r *runner) Act() {
	var out io.Writer = os.Stdout
	out = io.MultiWriter(out, &buf)
}

func (r *other) Act() {
	out = io.MultiWriter(out, &buf)
}

var tmpl = lazytemplate.New("main", `
func main() {
}
`)
'''

ACT = '''(method_declaration receiver: (parameter_list (parameter_declaration type: (pointer_type (type_identifier) @_r)))
            name: (field_identifier) @_n (#eq? @_r "runner") (#eq? @_n "Act")) @anchor'''
MULTI = '''(call_expression function: (selector_expression operand: (identifier) @_p field: (field_identifier) @_f)
              arguments: (argument_list . (identifier) @anchor) (#eq? @_p "io") (#eq? @_f "MultiWriter"))'''


def edit(*steps, expect="one"):
    return Edit(name="the anchor", file="p.go", steps=tuple(steps), action="replace", code="x", expect=expect)


def spans(e, src=SRC, newline=b"\n"):
    return resolve(e, "go", src, syntax.parse("go", src), newline, "p.go")


def test_nested_steps_scope_the_search():
    (s,) = spans(edit(AnchorStep(query=ACT), AnchorStep(query=MULTI)))
    assert SRC[s.start:s.end] == b"out"
    assert SRC.count(b"\n", 0, s.start) + 1 == 5, "the MultiWriter inside runner.Act, not other.Act"


def test_zero_matches_names_anchor_and_file():
    with pytest.raises(AnchorError) as exc:
        spans(edit(AnchorStep(query=ACT.replace('"runner"', '"missing"')), AnchorStep(query=MULTI)))
    assert str(exc.value) == "p.go: anchor 'the anchor' matched nothing (the file's structure differs from what the patch expects)"


def test_several_matches_are_an_error_with_lines():
    with pytest.raises(AnchorError) as exc:
        spans(edit(AnchorStep(query=MULTI)))
    assert str(exc.value) == "p.go: anchor 'the anchor' matched 2 places (lines 5, 9); it must match exactly one"


def test_one_or_more_accepts_several():
    assert len(spans(edit(AnchorStep(query=MULTI), expect="one-or-more"))) == 2


def test_text_step_inside_a_raw_string():
    raw = '(call_expression arguments: (argument_list (raw_string_literal) @anchor))'
    (s,) = spans(edit(AnchorStep(query=raw), AnchorStep(text="func main() {")))
    assert SRC[s.start:s.end] == b"func main() {"


def test_text_step_with_newline_matches_crlf_file():
    crlf = SRC.replace(b"\n", b"\r\n")
    raw = '(call_expression arguments: (argument_list (raw_string_literal) @anchor))'
    (s,) = spans(edit(AnchorStep(query=raw), AnchorStep(text="func main() {\n}")), src=crlf, newline=b"\r\n")
    assert crlf[s.start:s.end] == b"func main() {\r\n}"


# -- a query runs only where its literals are ------------------------------------

def literal_sets(query, lang="javascript"):
    return anchors._pattern_literals(lang, query)


def test_literals_every_match_must_hold_are_read_from_the_outer_node_only():
    q = '''(object [(pair key: (property_identifier) @_c) (shorthand_property_identifier) @_c]
               (pair key: (property_identifier) @_k value: (_) @anchor)
               (#eq? @_c "cols") (#eq? @_k "useConpty") (#match? @_k "Con") (#not-eq? @_k "x"))'''
    assert literal_sets(q) == ((frozenset({b"cols"}), frozenset({b"useConpty"})),)
    # Two patterns, each with its own; #any-of? is a set.
    two = '''((identifier) @a (#eq? @a "x")) @anchor
             ((property_identifier) @b (#any-of? @b "stdout" "stderr")) @anchor'''
    assert literal_sets(two) == ((frozenset({b"x"}),), (frozenset({b"stdout", b"stderr"}),))


@pytest.mark.parametrize("query", [
    '(pair key: (_) @k value: (_) @v (#eq? @k @v)) @anchor',                    # two captures, no literal
    '(object (pair key: (property_identifier) @k)? (#eq? @k "x")) @anchor',     # @k may be no node at all
    '(object (pair key: (property_identifier) @k)* (#eq? @k "x")) @anchor',
    '(object [(pair key: (property_identifier) @k (#eq? @k "x")) (spread_element)]) @anchor',  # inside an alternation
    '(object (pair key: (property_identifier) @k (#eq? @k "x"))) @anchor',      # inside a nested node
    '(pair key: (property_identifier) @k (#eq? @k "a\\"b")) @anchor',           # an escape
    '((identifier) @a . (identifier) @b (#eq? @a "x"))',                        # not rooted in one node
    '[(identifier) @anchor (property_identifier) @anchor] (#eq? @anchor "x")',
])
def test_no_literal_is_read_where_a_match_might_not_hold_it(query):
    assert all(not s for s in literal_sets(query))


def catalog_queries():
    from patcher.catalog.catalog import Catalog

    out = {"go": set(), "javascript": set()}
    for p in Catalog().all():
        m = p.manifest
        for file, steps in [(e.file, e.steps) for e in m.edits] + [(pr.file, pr.steps) for pr in m.probes.values()]:
            out[m.languages[file]].update(s.query for s in steps if s.query)
    return out


def assert_narrowed_is_whole(lang, data: bytes, queries) -> None:
    tree = syntax.parse(lang, data)
    for query in queries:
        narrowed = anchors._query_step(lang, query, [tree.root_node], data)
        everywhere = [n for n in _unfiltered(lang, query, tree)]
        assert [(n.start_byte, n.end_byte) for n in narrowed] == [(n.start_byte, n.end_byte) for n in everywhere], query


def _unfiltered(lang, query, tree):
    import tree_sitter

    from patcher.engine import predicates

    found = {}
    for _, captures in tree_sitter.QueryCursor(syntax.query(lang, query)).matches(tree.root_node, predicate=predicates.evaluate):
        for node in captures.get("anchor", []):
            found[(node.start_byte, node.end_byte, node.type)] = node
    return [found[k] for k in sorted(found)]


def test_every_catalog_query_finds_the_same_narrowed_on_generated_bundles():
    import bundlegen

    js = catalog_queries()["javascript"]
    for data in (bundlegen.ptyhost(), bundlegen.ptyhost(esm=False), bundlegen.ptyhost(unminified=True),
                 bundlegen.ptyhost(winpty=False), bundlegen.esm_main(100_000), bundlegen.cjs_main()):
        assert_narrowed_is_whole("javascript", data.encode(), js)


def test_every_catalog_query_finds_the_same_narrowed_on_real_go_sources(pristine_goroot):
    go = catalog_queries()["go"]
    for rel in ("src/cmd/go/internal/test/test.go", "src/cmd/go/internal/load/test.go"):
        assert_narrowed_is_whole("go", (pristine_goroot / rel).read_bytes(), go)


@pytest.mark.parametrize("build", GOEXT_BUILDS or [None], ids=[b.name for b in GOEXT_BUILDS] or ["none"])
def test_every_catalog_query_finds_the_same_narrowed_on_real_go_extension_bundles(build):
    if build is None:
        pytest.skip("no golang.go builds")
    js = catalog_queries()["javascript"]
    for rel in ("dist/goMain.js", "dist/debugAdapter.js"):
        if (build / rel).is_file():
            assert_narrowed_is_whole("javascript", (build / rel).read_bytes(), js)
