"""Resolve an edit's anchor to the byte span(s) it names in a parsed file.

An anchor is a path of steps.  The first is a tree-sitter query run on the
whole file; each next step runs inside the node(s) the previous one found
(a query step, or a literal text step for code tree-sitter cannot see into,
such as a Go template inside a raw string).  Each query marks the node it
anchors with @anchor.  Zero or (unless the edit expects several) more than
one final match is an error naming the anchor and the file.
"""

from dataclasses import dataclass

import tree_sitter

from patcher import syntax
from patcher.errors import AnchorError
from patcher.manifest import Edit


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _query_step(lang: str, text: str, scopes: list[tree_sitter.Node]) -> list[tree_sitter.Node]:
    q = syntax.query(lang, text)
    found: dict[tuple[int, int, str], tree_sitter.Node] = {}
    for scope in scopes:
        cursor = tree_sitter.QueryCursor(q)
        for _, captures in cursor.matches(scope):
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


def resolve(edit: Edit, lang: str, source: bytes, tree: tree_sitter.Tree, newline: bytes, file_label: str) -> list[Span]:
    nodes: list[tree_sitter.Node] = [tree.root_node]
    spans: list[Span] | None = None
    for step in edit.steps:
        if step.query is not None:
            if spans is not None:
                raise AnchorError(f"{file_label}: anchor '{edit.name}': a query step cannot follow a text step")
            nodes = _query_step(lang, step.query, nodes)
        else:
            base = spans if spans is not None else [Span(n.start_byte, n.end_byte) for n in nodes]
            # Anchor texts are written with \n; the file may use \r\n.
            spans = _text_step(source, step.text.encode("utf-8").replace(b"\n", newline), base)
    if spans is None:
        spans = [Span(n.start_byte, n.end_byte) for n in nodes]
    if not spans:
        raise AnchorError(f"{file_label}: anchor '{edit.name}' matched nothing (the file's structure differs from what the patch expects)")
    if edit.expect == "one" and len(spans) > 1:
        lines = ", ".join(str(source.count(b"\n", 0, s.start) + 1) for s in spans[:5])
        raise AnchorError(f"{file_label}: anchor '{edit.name}' matched {len(spans)} places (lines {lines}); it must match exactly one")
    return spans
