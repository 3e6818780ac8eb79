"""tree-sitter, the one parsing engine for Go and JavaScript.

Parses bytes (offsets are byte offsets throughout patcher), compiles and
caches anchor queries, and locates the first syntax error of a tree so a
refusal can say where the code stopped making sense.
"""

from functools import lru_cache

import tree_sitter
import tree_sitter_go
import tree_sitter_javascript

_GRAMMARS = {
    "go": tree_sitter_go.language,
    "javascript": tree_sitter_javascript.language,
}


@lru_cache(maxsize=None)
def language(name: str) -> tree_sitter.Language:
    return tree_sitter.Language(_GRAMMARS[name]())


def parse(name: str, source: bytes, old_tree: tree_sitter.Tree | None = None) -> tree_sitter.Tree:
    """Parse; with `old_tree` (already .edit()ed to match `source`) tree-sitter
    reuses what the edits did not touch: the same tree, much faster."""
    parser = tree_sitter.Parser(language(name))
    return parser.parse(source, old_tree) if old_tree is not None else parser.parse(source)


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
