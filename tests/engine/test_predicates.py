"""#patcher-decodes-chunk?: a data listener that turns its chunk into text,
told apart from one that uses the chunk as bytes."""

import pytest
import tree_sitter

from patcher.engine import predicates, syntax
from patcher.errors import AnchorError

LISTENER = ('(call_expression arguments: (arguments (string (string_fragment) @_ev) [(arrow_function) (function_expression)] @anchor)'
            ' (#eq? @_ev "data"))')


def decodes(js: str) -> bool:
    tree = syntax.parse("javascript", js.encode())
    (node,) = [c["anchor"][0] for _, c in tree_sitter.QueryCursor(syntax.query("javascript", LISTENER)).matches(tree.root_node)]
    return predicates.decodes_chunk(node)


@pytest.mark.parametrize("js", [
    's.on("data", (chunk) => out.append(chunk.toString()));',
    's.on("data", (c) => log(c.toString("utf8")));',
    's.on("data", (d) => o.append(Is.string(d) ? d : d.toString(encoding)));',
    's.on("data", (data) => stdout += data);',
    's.on("data", function (data) { text = text + data; });',
    's.on("data", (d) => { log(`${d}`); });',
    's.on("data", d => log(String(d)));',
    'function f() { const parts = []; s.on("data", (b) => { parts.push(b); }); s.on("close", () => parts.join("")); }',
])
def test_listeners_that_decode_their_chunk(js):
    assert decodes(js)


@pytest.mark.parametrize("js", [
    's.on("data", (data) => this._handleData(data));',  # a protocol parser: bytes
    's.on("data", (c) => file.write(c));',
    's.on("data", (c) => { total += c.length; });',
    's.on("data", function (data) { var data = data.toString("ascii"); all += data; });',  # rebinds the name
    's.on("data", (c) => log(c.toString("latin1")));',  # decodes, but not as UTF-8
    's.on("data", ({ length }) => n += length);',
    'function f() { const parts = []; s.on("data", (b) => { parts.push(b); }); s.on("close", () => Buffer.concat(parts)); }',
    's.on("data", () => ping());',
])
def test_listeners_that_do_not(js):
    assert not decodes(js)


def test_unknown_predicates_are_errors_not_true():
    with pytest.raises(AnchorError, match="unknown query predicate #patcher-nope?"):
        predicates.evaluate("patcher-nope?", [("anchor", "capture")], 0, {})
    assert predicates.unknown('((x) @a (#eq? @a "y") (#patcher-decodes-chunk? @a) (#patcher-nope? @a))') == ["patcher-nope?"]
