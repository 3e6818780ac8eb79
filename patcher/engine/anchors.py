"""Resolve an edit's anchor to the byte span(s) it names in a parsed file.

An anchor is a path of steps.  The first is a tree-sitter query run on the
whole file; each next step runs inside the node(s) the previous one found
(a query step, or a literal text step for code tree-sitter cannot see into,
such as a Go template inside a raw string).  Each query marks the node it
anchors with @anchor.  Zero or (unless the edit expects several) more than
one final match is an error naming the anchor and the file; an edit that
expects "any" is made wherever its anchor matches, possibly nowhere.
"""

from dataclasses import dataclass

import tree_sitter

from patcher.catalog.manifest import Edit
from patcher.engine import predicates, syntax
from patcher.errors import AnchorError


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _query_step(lang: str, text: str, scopes: list[tree_sitter.Node]) -> list[tree_sitter.Node]:
    q = syntax.query(lang, text)
    # A pattern rooted at the file's top node can only start there: do not
    # walk a 2 MB bundle looking for it deeper down.
    top_only = text.lstrip().startswith(f"({scopes[0].type}") and scopes[0].parent is None if scopes else False
    found: dict[tuple[int, int, str], tree_sitter.Node] = {}
    for scope in scopes:
        cursor = tree_sitter.QueryCursor(q)
        if top_only:
            cursor.set_max_start_depth(0)
        for _, captures in cursor.matches(scope, predicate=predicates.evaluate):
            for node in captures.get("anchor", []):
                # A scope is searched inside, never matched as a whole again.
                if node.start_byte >= scope.start_byte and node.end_byte <= scope.end_byte:
                    found[(node.start_byte, node.end_byte, node.type)] = node
    return [found[k] for k in sorted(found)]


def _text_step(source: bytes, needle: bytes, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        at = source.find(needle, span.start, span.end)
        while at != -1:
            out.append(Span(at, at + len(needle)))
            at = source.find(needle, at + 1, span.end)
    return out


def prologue_end(lang: str, tree: tree_sitter.Tree) -> Span:
    """Where a JavaScript file's own code starts: after a hashbang, leading
    comments and the directive prologue ("use strict" must stay first)."""
    if lang != "javascript":
        raise AnchorError(f"the place prologue-end exists only in JavaScript, not {lang}")
    end = 0
    for node in tree.root_node.children:
        directive = node.type == "expression_statement" and [c.type for c in node.named_children] == ["string"]
        if node.type in ("hash_bang_line", "comment") or directive:
            end = node.end_byte
            continue
        break
    return Span(end, end)


def find(steps, lang: str, source: bytes, tree: tree_sitter.Tree, newline: bytes, memo: dict | None = None) -> list[Span]:
    """Every span an anchor names (possibly none).  `memo` keeps the nodes each
    query step found in each scope of this tree: a patch whose edits and probes
    start with the same step (a function, then something inside it) walks
    a 2 MB bundle once for it, not once per edit."""
    if steps[0].at is not None:
        return [prologue_end(lang, tree)]
    nodes: list[tree_sitter.Node] = [tree.root_node]
    spans: list[Span] | None = None
    memo = {} if memo is None else memo
    for step in steps:
        if step.query is not None:
            if spans is not None:
                raise AnchorError("a query step cannot follow a text step")
            key = (step.query, tuple((n.start_byte, n.end_byte, n.type) for n in nodes))
            if key not in memo:
                memo[key] = _query_step(lang, step.query, nodes)
            nodes = memo[key]
        else:
            base = spans if spans is not None else [Span(n.start_byte, n.end_byte) for n in nodes]
            # Anchor texts are written with \n; the file may use \r\n.
            spans = _text_step(source, step.text.encode("utf-8").replace(b"\n", newline), base)
    return spans if spans is not None else [Span(n.start_byte, n.end_byte) for n in nodes]


def resolve(edit: Edit, lang: str, source: bytes, tree: tree_sitter.Tree, newline: bytes, file_label: str,
            memo: dict | None = None) -> list[Span]:
    """The span(s) an edit's anchor names; zero, or several when one is
    expected, is an error naming the anchor and the file."""
    try:
        spans = find(edit.steps, lang, source, tree, newline, memo)
    except AnchorError as exc:
        raise AnchorError(f"{file_label}: anchor '{edit.name}': {exc}") from None
    if not spans and edit.expect != "any":
        raise AnchorError(f"{file_label}: anchor '{edit.name}' matched nothing (the file's structure differs from what the patch expects)")
    if edit.expect == "one" and len(spans) > 1:
        lines = ", ".join(str(source.count(b"\n", 0, s.start) + 1) for s in spans[:5])
        raise AnchorError(f"{file_label}: anchor '{edit.name}' matched {len(spans)} places (lines {lines}); it must match exactly one")
    return spans
