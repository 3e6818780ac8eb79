import pytest

from patcher.engine import syntax
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
