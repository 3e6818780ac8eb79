"""tree-sitter, the one parsing engine for Go and JavaScript.

Parses bytes (offsets are byte offsets throughout patcher), or only a head
of them (see Head), compiles and caches anchor queries, and locates the
first syntax error of a tree so a refusal can say where the code stopped
making sense.
"""

import importlib
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter

# The grammar package of each language, imported when first used (an editor
# apply never needs Go's; its import alone is ~10 ms).
_GRAMMARS = {
    "go": "tree_sitter_go",
    "javascript": "tree_sitter_javascript",
}


@lru_cache(maxsize=None)
def language(name: str) -> tree_sitter.Language:
    return tree_sitter.Language(importlib.import_module(_GRAMMARS[name]).language())


def parse(name: str, source: bytes, old_tree: tree_sitter.Tree | None = None) -> tree_sitter.Tree:
    """Parse; with `old_tree` (already .edit()ed to match `source`) tree-sitter
    reuses what the edits did not touch: the same tree, much faster."""
    parser = tree_sitter.Parser(language(name))
    return parser.parse(source, old_tree) if old_tree is not None else parser.parse(source)


@dataclass(frozen=True)
class Head:
    """The parse of a file's first bytes, and the top-level nodes of it that
    the rest of the file cannot change (`settled`, in order from the first).

    A top-level node's extent and inside are decided by its own tokens and
    the token after it; the cut at the head's end (usually inside some
    statement) only disturbs what is near it, and tree-sitter's recovery
    there leaves raw tokens or ERROR nodes at the top level.  So settled
    are the named, error-free top-level nodes before the first that is not,
    minus the last two: the one whose end the next node's first token
    decided, and that next one (whose first token the cut may have split,
    `in` read as `i`).  Measured: equal to the whole file's first top-level
    nodes at every cut tried in every real bundle (tests/engine/test_head.py,
    tests/targets/editor/test_corpus.py).
    """

    tree: tree_sitter.Tree
    settled: tuple[tree_sitter.Node, ...]
    size: int  # bytes parsed


def parse_head(name: str, source: bytes, size: int) -> Head:
    """Parse the first `size` bytes of `source` (less than all of it), cut on a character boundary."""
    cut = min(size, len(source))
    while 0 < cut < len(source) and (source[cut] & 0xC0) == 0x80:  # not inside a UTF-8 sequence
        cut -= 1
    tree = parse(name, source[:cut])
    kids = tree.root_node.children
    good = next((i for i, c in enumerate(kids) if not c.is_named or c.has_error or c.is_missing), len(kids))
    return Head(tree, tuple(kids[:max(0, good - 2)]), cut)


def point_at(source: bytes, offset: int) -> tuple[int, int]:
    """(row, byte column) of a byte offset, as tree-sitter counts them."""
    row = source.count(b"\n", 0, offset)
    return row, offset - (source.rfind(b"\n", 0, offset) + 1)


@lru_cache(maxsize=256)
def query(name: str, text: str) -> tree_sitter.Query:
    """Compile a query; raises tree_sitter's QueryError on a bad one."""
    return tree_sitter.Query(language(name), text)


def first_error(tree: tree_sitter.Tree) -> tree_sitter.Node | None:
    """The first ERROR or MISSING node in document order, or None."""
    root = tree.root_node
    if not root.has_error:
        return None
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.is_error or node.is_missing:
            return node
        # Descend only into subtrees that contain the error.
        if node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return root


def describe_error(node: tree_sitter.Node) -> str:
    row, col = node.start_point
    what = f"missing {node.type}" if node.is_missing else "syntax error"
    return f"{what} at line {row + 1}, column {col + 1}"
