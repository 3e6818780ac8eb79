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


def apply_edits(source: bytes, edits: list[PlannedEdit], params: dict[str, str], label: str) -> bytes:
    newline = newline_of(source)
    ordered = sorted(edits, key=lambda e: (e.span.start, e.span.end))
    for a, b in zip(ordered, ordered[1:]):
        if b.span.start < a.span.end:
            raise Refused(f"{label}: edits '{a.label}' and '{b.label}' overlap")
    out = source
    # From the end backwards so earlier offsets stay valid.
    for e in reversed(ordered):
        node_text = source[e.span.start:e.span.end].decode("utf-8")
        code = fill(e.code, dict(params, node=node_text), label).encode("utf-8")
        if e.layout == "inline":
            code = code.replace(b"\n", newline) if newline != b"\n" else code
            if e.action == "replace":
                out = out[:e.span.start] + code + out[e.span.end:]
            elif e.action == "insert-before":
                out = out[:e.span.start] + code + out[e.span.start:]
            else:
                out = out[:e.span.end] + code + out[e.span.end:]
            continue
        code = code.rstrip(b"\n")
        indent = _indent_at(source, e.span.start)
        block = _as_lines(code, indent, newline)
        if e.action == "replace":
            out = out[:e.span.start] + block + out[e.span.end:]
        elif e.action == "insert-before":
            out = out[:e.span.start] + block + newline + indent + out[e.span.start:]
        else:
            out = out[:e.span.end] + newline + indent + block + out[e.span.end:]
    return out
