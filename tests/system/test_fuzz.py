"""Property-based tests: mutated real-shaped inputs never crash patcher, never
produce code that does not parse, and apply + revert is always the identity."""

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import bundlegen
from patcher.engine import syntax
from patcher.catalog.catalog import Catalog
from patcher.targets.editor.target import CursorTarget
from patcher.engine.apply import apply_patches
from patcher.errors import PatcherError

CATALOG = Catalog()
SNIPPETS = [b"{", b"}", b"(", b")", b";", b"\n", b'"', b"`", b"/*", b"*/", b"//", b"\xe6\xbc\xa2", b"\xff", b"\r\n",
            b"useConpty:", b"import", b"func main() {", b"io.MultiWriter(stdout, &buf)", b"\"use strict\";", b"#!"]


@st.composite
def mutated(draw, source: bytes):
    """source with a few edits: bytes or meaningful snippets inserted, deleted, replaced."""
    data = bytearray(source)
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup-line"]))
        piece = draw(st.one_of(st.sampled_from(SNIPPETS), st.binary(min_size=1, max_size=6)))
        if op == "insert":
            data[pos:pos] = piece
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        elif op == "replace":
            data[pos:pos + len(piece)] = piece
        else:
            start = data.rfind(b"\n", 0, pos) + 1
            end = data.find(b"\n", pos)
            data[start:start] = data[start:end if end != -1 else len(data)] + b"\n"
    return bytes(data)


@st.composite
def benign(draw, source: bytes):
    """source still valid, varied the way real bundles vary: comments, empty
    statements and newlines between top-level statements, CRLF, a BOM, a hashbang."""
    bounds = sorted({c.end_byte for c in syntax.parse("javascript", source).root_node.children})
    data = source
    for pos in sorted(draw(st.lists(st.sampled_from(bounds), max_size=4)), reverse=True):
        piece = draw(st.sampled_from([b";", b"\n", b"/*! note \xe6\xbc\xa2 */", b"//c\n", b"\n\n;"]))
        data = data[:pos] + piece + data[pos:]
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    start = draw(st.sampled_from([b"", b"#!/usr/bin/env electron\n", b"\xef\xbb\xbf"]))  # (a BOM before #! is invalid)
    return start + data


def check_engine(patches, files: dict[str, bytes], roles=None, must_apply: bool = False):
    """Refused cleanly, or a result that parses; `must_apply`: inputs as valid as real ones, which must not be refused."""
    try:
        result = apply_patches(patches, lambda rel: files[rel], lambda f: (roles or {}).get(f, f), str)
    except PatcherError as exc:
        assert not must_apply, f"a benign variation was refused: {exc}"
        event(f"refused: {type(exc).__name__}")
        return  # refused cleanly
    event("applied" if any(r.patched != r.original for r in result.files.values()) else "nothing applicable")
    for r in result.files.values():
        fresh = syntax.parse(r.language, b"   " + r.patched[3:] if r.patched.startswith(b"\xef\xbb\xbf") else r.patched)
        assert not fresh.root_node.has_error, f"{r.path}: patched output does not parse"


@pytest.mark.go
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_go_sources_mutated(pristine_goroot, data):
    rels = ["src/cmd/go/internal/test/test.go", "src/cmd/go/internal/load/test.go"]
    files = {rel: (pristine_goroot / rel).read_bytes() for rel in rels}
    target = data.draw(st.sampled_from(rels))
    # Mutate near the anchors half of the time, where it matters most.
    files[target] = data.draw(mutated(files[target]))
    check_engine(CATALOG.for_target("go"), files)


JS_FILES = {
    "esm": {"out/main.js": bundlegen.esm_main(30_000).encode(), CursorTarget.CASE_PATHS["@ptyhost"]: bundlegen.ptyhost(True, True).encode()},
    "cjs": {"out/main.js": bundlegen.cjs_main().encode(), CursorTarget.CASE_PATHS["@ptyhost"]: bundlegen.ptyhost(True, False).encode()},
}


@settings(max_examples=80, deadline=None)
@given(data=st.data(), shape=st.sampled_from(["esm", "cjs"]))
def test_bundles_mutated(data, shape):
    files = dict(JS_FILES[shape])
    rel = data.draw(st.sampled_from(sorted(files)))
    source = files[rel]
    is_benign = data.draw(st.booleans())
    if is_benign:
        files[rel] = data.draw(benign(source))
    else:
        # Mutations at the head (prologue, imports) and around useConpty matter most.
        focus = data.draw(st.sampled_from([0, source.find(b"import"), source.find(b"useConpty"), len(source) // 2]))
        head, tail = source[:max(focus, 0)], source[max(focus, 0):]
        files[rel] = head + data.draw(mutated(tail[:2000])) + tail[2000:]
    check_engine(CATALOG.newest("cursor"), files, CursorTarget.CASE_PATHS, must_apply=is_benign)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_apply_then_revert_is_the_identity(data):
    with tempfile.TemporaryDirectory() as tmp:
        app = bundlegen.make_app(Path(tmp) / "ed", shape=data.draw(st.sampled_from(["esm", "cjs"])),
                                 winpty=data.draw(st.booleans()), esm_bytes=30_000)
        main = app / "out/main.js"
        source = main.read_bytes()
        is_benign = data.draw(st.booleans())
        if is_benign:
            main.write_bytes(data.draw(benign(source)))
        else:
            main.write_bytes(data.draw(mutated(source[:3000])) + source[3000:])
        before = {p: p.read_bytes() for p in app.rglob("*") if p.is_file()}
        target = CursorTarget(str(app), Path(tmp) / "state")
        env = data.draw(st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True),
                                        st.text(max_size=12), max_size=2))
        try:
            target.apply(CATALOG.newest("cursor"), env=env)
        except PatcherError as exc:
            assert not is_benign, f"a benign variation was refused: {exc}"
            event(f"refused: {type(exc).__name__}")
        else:
            event("applied and reverted")
            target.revert(force=False)
        after = {p: p.read_bytes() for p in app.rglob("*") if p.is_file()}
        assert after == before
