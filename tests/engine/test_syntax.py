import random
import threading
import time

import tree_sitter

from patcher.engine import syntax


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _nodes(node):
    yield node.type, node.start_byte, node.end_byte, node.has_error, node.is_missing
    for child in node.children:
        yield from _nodes(child)


def test_parsing_through_chunks_gives_the_tree_of_the_bytes_parsed_at_once():
    """syntax.parse hands tree-sitter the file in chunks (so it comes back to Python): chunk ends
    fall inside CJK and emoji characters, strings and comments, and the tree is node for node the
    one of the bytes given whole; an incremental re-parse too."""
    rng = random.Random(7)
    lines = []
    for i in range(2500):
        text = "".join(rng.choice(["张三", "😀", "é", "a", "\\u2028", "`${x}`"]) for _ in range(rng.randint(0, 9)))
        lines.append(f'var v{i} = "{text}"; /* {"注释" * rng.randint(0, 3)} */ f(`{text}`)\n')
    source = "".join(lines).encode("utf-8")
    assert len(source) > 8 * syntax._READ_CHUNK
    at_once = tree_sitter.Parser(syntax.language("javascript")).parse(source)
    chunked = syntax.parse("javascript", source)
    assert list(_nodes(chunked.root_node)) == list(_nodes(at_once.root_node))
    go = "package p\n\n" + "".join(f'func f{i}() string {{ return "张三😀{i}" }}\n' for i in range(3000))
    assert list(_nodes(syntax.parse("go", go.encode()).root_node)) == list(
        _nodes(tree_sitter.Parser(syntax.language("go")).parse(go.encode()).root_node))

    across = [n for n in _walk(chunked.root_node)
              if n.start_byte // syntax._READ_CHUNK != n.end_byte // syntax._READ_CHUNK and n.type == "string"]
    assert across and all(n.text == source[n.start_byte:n.end_byte] for n in across), "a node's text across a chunk end"

    edited = source.replace(b"var v0 ", b"let v0 ", 1)
    chunked.edit(start_byte=0, old_end_byte=3, new_end_byte=3, start_point=(0, 0), old_end_point=(0, 3), new_end_point=(0, 3))
    again = syntax.parse("javascript", edited, chunked)
    assert list(_nodes(again.root_node)) == list(_nodes(tree_sitter.Parser(syntax.language("javascript")).parse(edited).root_node))


def test_another_thread_runs_while_a_file_is_parsed():
    """What the chunks are for: a thread of ours (the one handing a file to node --check) gets the
    GIL during a long parse, not only after it."""
    source = b"".join(b"var a%d = [1, 2, {b: 'c'}, function () { return %d; }];\n" % (i, i) for i in range(60_000))
    syntax.parse("javascript", b"")
    ran = []

    def other():
        time.sleep(0.002)
        ran.append(time.perf_counter())

    thread = threading.Thread(target=other)
    started = time.perf_counter()
    thread.start()
    syntax.parse("javascript", source)
    ended = time.perf_counter()
    thread.join()
    assert ran and ran[0] - started < (ended - started) / 2, "the thread waited for the parse to end"
