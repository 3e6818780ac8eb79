import pytest

from patcher.engine.anchors import Span
from patcher.errors import Refused
from patcher.engine.rewrite import PlannedEdit, apply_edits
from patcher.engine.text import newline_of

SRC = b"func f() {\n\tvar out = os.Stdout\n\treturn\n}\n"


def at(src, text):
    i = src.index(text)
    return Span(i, i + len(text))


def test_insert_after_uses_anchor_indentation():
    e = PlannedEdit(at(SRC, b"var out = os.Stdout"), "insert-after", "defer flush()\nif x {\n\ty()\n}", "lines", "e")
    assert apply_edits(SRC, [e], {}, "f.go")[0] == b"func f() {\n\tvar out = os.Stdout\n\tdefer flush()\n\tif x {\n\t\ty()\n\t}\n\treturn\n}\n"


def test_insert_before():
    e = PlannedEdit(at(SRC, b"return"), "insert-before", "cleanup()", "lines", "e")
    assert apply_edits(SRC, [e], {}, "f.go")[0] == b"func f() {\n\tvar out = os.Stdout\n\tcleanup()\n\treturn\n}\n"


def test_crlf_file_stays_crlf():
    crlf = SRC.replace(b"\n", b"\r\n")
    e = PlannedEdit(at(crlf, b"var out = os.Stdout"), "insert-after", "a()\nb()", "lines", "e")
    out = apply_edits(crlf, [e], {}, "f.go")[0]
    assert out == b"func f() {\r\n\tvar out = os.Stdout\r\n\ta()\r\n\tb()\r\n\treturn\r\n}\r\n"
    assert b"\n" not in out.replace(b"\r\n", b"")
    assert newline_of(out) == b"\r\n"


def test_replace_inline_with_node_and_params():
    src = b'a={useConpty:x&&y,cols:1}'
    e = PlannedEdit(at(src, b"x&&y"), "replace", "(@@flag@@?false:@@node@@)", "inline", "e")
    assert apply_edits(src, [e], {"flag": "W"}, "f.js")[0] == b'a={useConpty:(W?false:x&&y),cols:1}'


def test_missing_parameter_is_refused():
    e = PlannedEdit(at(SRC, b"return"), "replace", "@@nope@@", "inline", "e")
    with pytest.raises(Refused, match="uses @@nope@@ but no value was given"):
        apply_edits(SRC, [e], {}, "f.go")[0]


def test_overlapping_edits_are_refused():
    a = PlannedEdit(Span(0, 10), "replace", "x", "inline", "first")
    b = PlannedEdit(Span(5, 12), "replace", "y", "inline", "second")
    with pytest.raises(Refused, match="edits 'first' and 'second' overlap"):
        apply_edits(SRC, [a, b], {}, "f.go")[0]


def test_several_edits_apply_from_the_end():
    a = PlannedEdit(at(SRC, b"os.Stdout"), "replace", "wrap(@@node@@)", "inline", "a")
    b = PlannedEdit(at(SRC, b"return"), "insert-before", "done()", "lines", "b")
    assert apply_edits(SRC, [a, b], {}, "f.go")[0] == b"func f() {\n\tvar out = wrap(os.Stdout)\n\tdone()\n\treturn\n}\n"


def test_the_same_change_asked_twice_is_made_once():
    """A required anchor and a sweep over every such place may name the same node."""
    a = PlannedEdit(at(SRC, b"os.Stdout"), "replace", "wrap(@@node@@)", "inline", "required")
    b = PlannedEdit(at(SRC, b"os.Stdout"), "replace", "wrap(@@node@@)", "inline", "sweep")
    assert apply_edits(SRC, [a, b], {}, "f.go")[0] == b"func f() {\n\tvar out = wrap(os.Stdout)\n\treturn\n}\n"
    c = PlannedEdit(at(SRC, b"os.Stdout"), "replace", "other(@@node@@)", "inline", "other")
    with pytest.raises(Refused, match="overlap"):
        apply_edits(SRC, [a, c], {}, "f.go")


@pytest.mark.parametrize("layout", ["inline", "lines"])
def test_the_anchored_text_goes_back_with_its_own_bytes(layout):
    """@@node@@ of several lines in a CRLF file: its line endings and indentation
    are the file's already, only the patch's own code is converted."""
    src = b"x = [\r\n  f((c) => {\r\n    g(c);\r\n  }),\r\n];\r\n"
    node = b"(c) => {\r\n    g(c);\r\n  }"
    e = PlannedEdit(at(src, node), "replace", "wrap(\n@@node@@)", layout, "e")
    out = apply_edits(src, [e], {}, "f.js")[0]
    indent = b"  " if layout == "lines" else b""
    assert out == src.replace(node, b"wrap(\r\n" + indent + node + b")")
