"""Resolve an edit's anchor to the byte span(s) it names in a parsed file.

An anchor is a path of steps.  The first is a tree-sitter query run on the
whole file; each next step runs inside the node(s) the previous one found
(a query step, or a literal text step for code tree-sitter cannot see into,
such as a Go template inside a raw string).  Each query marks the node it
anchors with @anchor.  Zero or (unless the edit expects several) more than
one final match is an error naming the anchor and the file; an edit that
expects "any" is made wherever its anchor matches, possibly nowhere.

A query pattern that says some node's text is a literal (`#eq? @x "cols"`,
`#any-of?`) can only match around a place the file has those bytes, so it is
run only there (see _literal_sets).  Some answers do not need the whole
file's tree at all: where its own code starts (prologue-end) and whether it
has a top-level statement of some kind are read from the first top-level
nodes of a head of it (see find_in_head and syntax.Head).
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import tree_sitter

from patcher.catalog.manifest import Edit
from patcher.engine import predicates, syntax
from patcher.errors import AnchorError


@dataclass(frozen=True)
class Span:
    start: int
    end: int


# A query's source, as tree-sitter reads it: strings, comments, brackets, the rest.
_QUERY_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|;[^\n]*|[()\[\]]|[^\s()\[\]";]+')
_LITERAL_PREDICATES = ("#eq?", "#any-of?")
# Literals found this often in a scope are no filter: the query is run on the whole scope.
_MAX_PLACES = 4096
_MAX_RANGES = 256
_RANGE_GAP = 4096  # occurrences closer than this share one range


def _literal_sets(q: tree_sitter.Query, index: int, text: str) -> tuple[frozenset[bytes], ...]:
    """For one pattern of a compiled query: sets of literals such that every
    match of it has, for each set, a node whose text is one of them.

    Read from the pattern's own text: `(#eq? @c "L")` or `(#any-of? @c "L1"
    "L2" ...)` written directly inside the pattern's outer node (not inside
    an alternation or a nested node), on a capture that stands for exactly one
    node (quantifier "one": a `?`/`*` capture may stand for none), with a
    literal free of escapes.  Nothing for a pattern that is not rooted in one
    node (sibling sequences) or that is itself quantified."""
    if not q.is_pattern_rooted(index):
        return ()
    names = {q.capture_name(i): i for i in range(q.capture_count)}
    tokens = [t for t in _QUERY_TOKEN.findall(text) if not t.startswith(";")]
    out: list[frozenset[bytes]] = []
    depth, square, i, closed = 0, 0, 0, False
    while i < len(tokens):
        tok = tokens[i]
        if closed and tok in ("?", "*", "+"):
            return ()  # `(node ...)*`: a quantified pattern
        if tok == "(":
            if depth == 0 and (closed or square):
                return ()  # more than one node, or an alternation, at the top
            if depth == 1 and not square and i + 1 < len(tokens) and tokens[i + 1].startswith("#"):
                end = tokens.index(")", i)
                name, args = tokens[i + 1], tokens[i + 2:end]
                if name in _LITERAL_PREDICATES and len(args) >= 2 and args[0].startswith("@"):
                    literals = args[1:]
                    quantifier = names.get(args[0][1:])
                    if (quantifier is not None and q.capture_quantifier(index, quantifier) == ""
                            and (name == "#any-of?" or len(literals) == 1)
                            and all(lit.startswith('"') and len(lit) > 2 and "\\" not in lit for lit in literals)):
                        out.append(frozenset(lit[1:-1].encode("utf-8") for lit in literals))
                i = end + 1
                continue
            depth += 1
        elif tok == ")":
            depth -= 1
            closed = closed or depth == 0
        elif tok == "[":
            if depth == 0:
                return ()
            square += 1
        elif tok == "]":
            square -= 1
        i += 1
    return tuple(out)


@lru_cache(maxsize=256)
def _pattern_literals(lang: str, text: str) -> tuple[tuple[frozenset[bytes], ...], ...]:
    """The literal sets of each pattern of a query (see _literal_sets)."""
    q = syntax.query(lang, text)
    raw = text.encode("utf-8")
    return tuple(_literal_sets(q, i, raw[q.start_byte_for_pattern(i):q.end_byte_for_pattern(i)].decode("utf-8"))
                 for i in range(q.pattern_count))


def _places(source: bytes, scope: tree_sitter.Node, sets: tuple[frozenset[bytes], ...],
            counts: dict) -> list[tuple[int, int]] | None:
    """Where in the scope every match of a pattern with these literal sets is:
    each occurrence of a literal of the set found least often.  None: no filter
    worth using (no set, or too many places).  `counts` keeps what was counted
    in this scope."""
    def count(lit: bytes) -> int:
        if lit not in counts:
            counts[lit] = source.count(lit, scope.start_byte, scope.end_byte)
        return counts[lit]

    if not sets:
        return None
    literals = min(sets, key=lambda s: sum(count(lit) for lit in s))
    if sum(count(lit) for lit in literals) > _MAX_PLACES:
        return None
    return [(at, at + len(lit)) for lit in literals for at in _occurrences(source, lit, scope)]


def _occurrences(source: bytes, literal: bytes, scope: tree_sitter.Node):
    at = source.find(literal, scope.start_byte, scope.end_byte)
    while at != -1:
        yield at
        at = source.find(literal, at + 1, scope.end_byte)


def _ranges(source: bytes, scope: tree_sitter.Node, literal_sets) -> list[tuple[int, int]] | None:
    """Byte ranges of the scope that every match of the query intersects (the
    places of every pattern, close ones merged); None: the whole scope."""
    counts: dict[bytes, int] = {}
    places: list[tuple[int, int]] = []
    for sets in literal_sets:
        found = _places(source, scope, sets, counts)
        if found is None:
            return None
        places += found
    ranges: list[tuple[int, int]] = []
    for start, end in sorted(places):
        if ranges and start - ranges[-1][1] < _RANGE_GAP:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], end))
        else:
            ranges.append((start, end))
    return ranges if len(ranges) <= _MAX_RANGES else None


def _query_step(lang: str, text: str, scopes: list[tree_sitter.Node], source: bytes) -> list[tree_sitter.Node]:
    q = syntax.query(lang, text)
    # A pattern rooted at the file's top node can only start there: do not
    # walk a 2 MB bundle looking for it deeper down.
    top_only = text.lstrip().startswith(f"({scopes[0].type}") and scopes[0].parent is None if scopes else False
    literal_sets = _pattern_literals(lang, text)
    found: dict[tuple[int, int, str], tree_sitter.Node] = {}
    for scope in scopes:
        ranges = _ranges(source, scope, literal_sets)
        for byte_range in [None] if ranges is None else ranges:
            cursor = tree_sitter.QueryCursor(q)
            if top_only:
                cursor.set_max_start_depth(0)
            if byte_range is not None:
                # Every match that intersects the range (py-tree-sitter's documented contract),
                # so every match holding a node whose text is at one of these places.
                cursor.set_byte_range(*byte_range)
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


def _prologue(nodes) -> tuple[int, bool]:
    """Where the file's own code starts, after these first top-level nodes, and
    whether they decide it (they hold a node that is not part of the prologue)."""
    end = 0
    for node in nodes:
        directive = node.type == "expression_statement" and [c.type for c in node.named_children] == ["string"]
        if node.type in ("hash_bang_line", "comment") or directive:
            end = node.end_byte
            continue
        return end, True
    return end, False


def _check_place(lang: str) -> None:
    if lang != "javascript":
        raise AnchorError(f"the place prologue-end exists only in JavaScript, not {lang}")


def prologue_end(lang: str, tree: tree_sitter.Tree) -> Span:
    """Where a JavaScript file's own code starts: after a hashbang, leading
    comments and the directive prologue ("use strict" must stay first)."""
    _check_place(lang)
    end, _ = _prologue(tree.root_node.children)
    return Span(end, end)


_TOP_LEVEL = re.compile(r"\(\s*program\s+(?:\(\s*(\w+)\s*\)|\[((?:\s*\(\s*\w+\s*\))+)\s*\])\s*@anchor\s*\)")


@lru_cache(maxsize=64)
def top_level_types(query: str) -> frozenset[str] | None:
    """The node types a query of the form `(program (T) @anchor)` or `(program
    [(T1) (T2) ...] @anchor)` asks for (a top-level node of one of them), else None."""
    m = _TOP_LEVEL.fullmatch(query.strip())
    if m is None:
        return None
    return frozenset([m.group(1)] if m.group(1) else re.findall(r"\w+", m.group(2)))


def probe_types(steps) -> frozenset[str] | None:
    """The node types an anchor of one top-level-node query asks for (top_level_types), else None."""
    if len(steps) == 1 and steps[0].at is None and steps[0].query is not None:
        return top_level_types(steps[0].query)
    return None


def find_in_head(steps, lang: str, head: syntax.Head, exists: bool) -> list[Span] | None:
    """An anchor's answer read from a head of the file, when the head decides
    it; None when it takes the whole file's tree.

    * prologue-end: the prologue is in the settled top-level nodes and is
      followed there by a node that is not part of it.
    * `exists` (a probe: only whether the anchor matches): a top-level-node
      query (top_level_types) that a settled node matches.  A miss says
      nothing (the node may come later), nor can a head give every match."""
    if steps[0].at is not None:
        _check_place(lang)
        end, decided = _prologue(head.settled)
        return [Span(end, end)] if decided else None
    if exists:
        types = probe_types(steps)
        hit = next((n for n in head.settled if n.type in types), None) if types else None
        if hit is not None:
            return [Span(hit.start_byte, hit.end_byte)]
    return None


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
                memo[key] = _query_step(lang, step.query, nodes, source)
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
    return checked(edit, source, file_label, lambda: find(edit.steps, lang, source, tree, newline, memo))


def checked(edit: Edit, source: bytes, file_label: str, spans_of: Callable[[], list[Span]]) -> list[Span]:
    """The spans `spans_of()` finds for an edit's anchor, if they are as many as the edit expects."""
    try:
        spans = spans_of()
    except AnchorError as exc:
        raise AnchorError(f"{file_label}: anchor '{edit.name}': {exc}") from None
    if not spans and edit.expect != "any":
        raise AnchorError(f"{file_label}: anchor '{edit.name}' matched nothing (the file's structure differs from what the patch expects)")
    if edit.expect == "one" and len(spans) > 1:
        lines = ", ".join(str(source.count(b"\n", 0, s.start) + 1) for s in spans[:5])
        raise AnchorError(f"{file_label}: anchor '{edit.name}' matched {len(spans)} places (lines {lines}); it must match exactly one")
    return spans
