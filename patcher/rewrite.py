"""Apply resolved edits to a file's bytes without disturbing anything else.

Only the anchored spans change.  Inserted code is written with '\n' in the
manifest and converted to the file's own line ending; "lines" layout puts it
on lines of its own at the anchor's indentation, "inline" splices it as is
(for minified code).  `@@name@@` placeholders are filled from parameters,
`@@node@@` with the anchored text itself.
"""

from dataclasses import dataclass

from patcher.anchors import Span
from patcher.errors import Refused
from patcher.manifest import PARAM_RE


@dataclass(frozen=True)
class PlannedEdit:
    span: Span
    action: str
    code: str
    layout: str
    label: str
    params: dict | None = None  # placeholder values for this edit (strings)


def newline_of(source: bytes) -> bytes:
    """The file's dominant line ending (LF when it has none)."""
    crlf = source.count(b"\r\n")
    return b"\r\n" if crlf and crlf >= source.count(b"\n") - crlf else b"\n"


def fill(code: str, params: dict[str, str], label: str) -> str:
    def sub(m):
        key = m.group(1)
        if key not in params:
            raise Refused(f"{label}: the patch uses @@{key}@@ but no value was given for it")
        return params[key]

    return PARAM_RE.sub(sub, code)


def _indent_at(source: bytes, pos: int) -> bytes:
    line_start = source.rfind(b"\n", 0, pos) + 1
    end = line_start
    while end < pos and source[end:end + 1] in (b" ", b"\t"):
        end += 1
    return source[line_start:end]


def _as_lines(code: bytes, indent: bytes, newline: bytes) -> bytes:
    """Indent every line but the first (the caller places the first)."""
    lines = code.split(b"\n")
    return (newline).join([lines[0]] + [indent + ln if ln else ln for ln in lines[1:]])


@dataclass(frozen=True)
class Splice:
    """One replaced byte range: source[start:old_end] became `new`."""

    start: int
    old_end: int
    new: bytes


def apply_edits(source: bytes, edits: list[PlannedEdit], params: dict[str, str], label: str) -> bytes:
    return apply_edits_with_splices(source, edits, params, label)[0]


def apply_edits_with_splices(source: bytes, edits: list[PlannedEdit], params: dict[str, str],
                             label: str) -> tuple[bytes, list[Splice]]:
    """The new bytes, and the splices made (last first, as applied), so a
    parser can update its tree instead of parsing everything again."""
    newline = newline_of(source)
    ordered = sorted(edits, key=lambda e: (e.span.start, e.span.end))
    for a, b in zip(ordered, ordered[1:]):
        if b.span.start < a.span.end:
            raise Refused(f"{label}: edits '{a.label}' and '{b.label}' overlap")
    out = source
    splices: list[Splice] = []
    # From the end backwards so earlier offsets stay valid.
    for e in reversed(ordered):
        length_before = len(out)
        node_text = source[e.span.start:e.span.end].decode("utf-8")
        code = fill(e.code, dict(params, **(e.params or {}), node=node_text), label).encode("utf-8")
        if e.layout == "inline":
            code = code.replace(b"\n", newline) if newline != b"\n" else code
            if e.action == "replace":
                out = out[:e.span.start] + code + out[e.span.end:]
            elif e.action == "insert-before":
                out = out[:e.span.start] + code + out[e.span.start:]
            else:
                out = out[:e.span.end] + code + out[e.span.end:]
            start = e.span.end if e.action == "insert-after" else e.span.start
            old_end = e.span.end if e.action == "replace" else start
            splices.append(Splice(start, old_end, out[start:old_end + len(out) - length_before]))
            continue
        code = code.rstrip(b"\n")
        # A zero-width place (e.g. prologue-end) is not a node: no indentation to copy.
        indent = _indent_at(source, e.span.start) if e.span.end > e.span.start else b""
        block = _as_lines(code, indent, newline)
        if e.action == "replace":
            out = out[:e.span.start] + block + out[e.span.end:]
        elif e.action == "insert-before" or e.span.end == 0:
            # (lines inserted "after" the very start of a file go before its first line)
            out = out[:e.span.start] + block + newline + indent + out[e.span.start:]
        else:
            out = out[:e.span.end] + newline + indent + block + out[e.span.end:]
        if e.action == "replace":
            start, old_end = e.span.start, e.span.end
        elif e.action == "insert-before" or e.span.end == 0:
            start = old_end = e.span.start
        else:
            start = old_end = e.span.end
        splices.append(Splice(start, old_end, out[start:old_end + len(out) - length_before]))
    return out, splices
