"""Reading a file's first statements from a head of it (syntax.parse_head,
anchors.find_in_head): the settled top-level nodes are the whole file's own,
and what is read from them is what the whole tree says."""

import random

import pytest

import bundlegen
from conftest import GOEXT_BUILDS
from patcher.catalog.manifest import AnchorStep
from patcher.engine import syntax
from patcher.engine.anchors import find_in_head, prologue_end, top_level_types

PROLOGUE = (AnchorStep(at="prologue-end"),)
ESM = (AnchorStep(query="(program [(import_statement) (export_statement)] @anchor)"),)


def nodes(ns):
    return [(n.type, n.start_byte, n.end_byte, str(n)) for n in ns]


def assert_settled_is_the_whole_files(data: bytes, cuts) -> int:
    """At every cut, the head's settled nodes are the whole file's first top-level nodes; how many cuts settled any."""
    whole = nodes(syntax.parse("javascript", data).root_node.children)
    settled_any = 0
    for cut in cuts:
        head = syntax.parse_head("javascript", data, cut)
        got = nodes(head.settled)
        assert got == whole[:len(got)], f"cut at {cut}"
        settled_any += bool(got)
    return settled_any


def cuts_of(data: bytes, n: int, seed: int = 1) -> list[int]:
    rng = random.Random(seed)
    return sorted({rng.randrange(1, len(data)) for _ in range(n)} | {c for c in (32_768, 262_144) if c < len(data)})


@pytest.mark.parametrize("shape", ["esm", "cjs", "pty-esm", "pty-cjs", "pty-unminified"])
def test_settled_nodes_are_the_whole_files_at_every_cut(shape):
    data = {"esm": lambda: bundlegen.esm_main(400_000), "cjs": bundlegen.cjs_main,
            "pty-esm": lambda: bundlegen.ptyhost(esm=True), "pty-cjs": lambda: bundlegen.ptyhost(esm=False),
            "pty-unminified": lambda: bundlegen.ptyhost(unminified=True)}[shape]().encode()
    settled = assert_settled_is_the_whole_files(data, cuts_of(data, 60))
    assert settled > 0, "heads that settle nothing prove nothing"


@pytest.mark.parametrize("build", GOEXT_BUILDS or [None], ids=[b.name for b in GOEXT_BUILDS] or ["none"])
def test_settled_nodes_on_real_go_extension_bundles(build):
    """2-3 MB unminified CommonJS, deeply nested: mostly ERROR at the cut, never a wrong settled node."""
    if build is None:
        pytest.skip("no golang.go builds")
    for rel in ("dist/goMain.js", "dist/debugAdapter.js"):
        if (build / rel).is_file():
            data = (build / rel).read_bytes()
            assert_settled_is_the_whole_files(data, cuts_of(data, 8))


def test_a_cut_never_splits_a_character():
    data = ('"use strict";const a="漢字";' * 10).encode()
    for cut in range(1, len(data)):
        head = syntax.parse_head("javascript", data, cut)
        assert head.size <= cut and (head.size == len(data) or (data[head.size] & 0xC0) != 0x80)


PROLOGUES = [
    b'"use strict";var a=1;b();c();',
    b'/*! license */\n"use strict";\n\'use asm\';\nrequire("./x");f();g();',
    b'#!/usr/bin/env node\n// c\n"use strict"\nfoo();bar();baz();',
    b'"use strict"\n(foo)(bar);x();y();',  # not a directive: a call of the string
    b'"use strict" + x;y();z();',
    b'"a"\n"b"\nvar c;d();e();',
    b'/* a */ /* b */ import x from "y";x();y();',
    b'   "use strict";x();y();z();',  # a masked BOM
    b'"use strict" // a comment inside the statement\n;x();y();',
    b'!function(){}();import{a}from"b";c();d();',
]


@pytest.mark.parametrize("src", PROLOGUES)
def test_the_prologue_read_from_heads_is_the_whole_trees(src):
    data = src + b"f();" * 5000
    want = prologue_end("javascript", syntax.parse("javascript", data))
    for size in range(1, len(src) + 40):
        got = find_in_head(PROLOGUE, "javascript", syntax.parse_head("javascript", data, size), exists=False)
        assert got is None or got == [want], (size, got, want)
    # A head that holds the prologue and a few statements after it decides.
    assert find_in_head(PROLOGUE, "javascript", syntax.parse_head("javascript", data, len(src) + 40), False) == [want]


def test_a_file_that_is_all_prologue_so_far_is_not_decided():
    data = b"/*! license */\n" + b"// line\n" * 5000 + b"x();"
    assert find_in_head(PROLOGUE, "javascript", syntax.parse_head("javascript", data, 1000), False) is None


def test_a_top_level_statement_is_found_in_the_head_and_a_miss_says_nothing():
    esm = bundlegen.esm_main(300_000).encode()
    head = syntax.parse_head("javascript", esm, 32_768)
    (span,) = find_in_head(ESM, "javascript", head, exists=True)
    assert esm[span.start:].startswith(b"import{spawn as Q3")
    assert find_in_head(ESM, "javascript", head, exists=False) is None, "every match needs the whole tree"
    cjs = bundlegen.cjs_main().encode() * 4
    assert find_in_head(ESM, "javascript", syntax.parse_head("javascript", cjs, 8192), exists=True) is None


def test_top_level_types_reads_only_that_form():
    assert top_level_types("(program [(import_statement) (export_statement)] @anchor)") == {"import_statement", "export_statement"}
    assert top_level_types(" (program (comment) @anchor) ") == {"comment"}
    for other in ("(program (comment) @anchor .)", "(program . (comment) @anchor)", "(program (comment) @x)",
                  '(program (expression_statement (string) @anchor))', "(comment) @anchor",
                  '(program (comment) @anchor (#eq? @anchor "x"))'):
        assert top_level_types(other) is None, other
