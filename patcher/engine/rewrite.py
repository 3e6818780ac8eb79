"""Apply resolved edits to a file's bytes without disturbing anything else.

Only the anchored spans change.  Inserted code is written with '\n' in the
manifest and converted to the file's own line ending; "lines" layout puts it
on lines of its own at the anchor's indentation, "inline" splices it as is
(for minified code).  `@@name@@` placeholders are filled from parameters,
`@@node@@` with the anchored text itself, after the layout (so the text
keeps its own bytes).
"""

from dataclasses import dataclass

from patcher.catalog.manifest import PARAM_RE
from patcher.engine.anchors import Span
from patcher.engine.text import newline_of
from patcher.errors import Refused


@dataclass(frozen=True)
class PlannedEdit:
    span: Span
    action: str
    code: str
    layout: str
    label: str
    params: dict | None = None  # placeholder values for this edit (strings)


def fill(code: str, params: dict[str, str], label: str) -> str:
    def sub(m):
        key = m.group(1)
        if key not in params:
            raise Refused(f"{label}: the patch uses @@{key}@@ but no value was given for it")
        return params[key]

    return PARAM_RE.sub(sub, code)


def _indent_at(source: bytes, pos: int) -> str:
    line_start = source.rfind(b"\n", 0, pos) + 1
    end = line_start
    while end < pos and source[end:end + 1] in (b" ", b"\t"):
        end += 1
    return source[line_start:end].decode("ascii")


def _as_lines(code: str, indent: str, newline: str) -> str:
    """Indent every line but the first (the caller places the first)."""
    lines = code.split("\n")
    return newline.join([lines[0]] + [indent + ln if ln else ln for ln in lines[1:]])


@dataclass(frozen=True)
class Splice:
    """One replaced byte range: source[start:old_end] became `new`."""

    start: int
    old_end: int
    new: bytes


def apply_edits(source: bytes, edits: list[PlannedEdit], params: dict[str, str],
                label: str) -> tuple[bytes, list[Splice]]:
    """The new bytes, and the splices made (last first, as applied), so a
    parser can update its tree instead of parsing everything again."""
    newline = newline_of(source).decode("ascii")
    # The same change asked for by two edits (a patch's required anchor and its
    # sweep over every such place) is made once.
    unique: dict[tuple, PlannedEdit] = {}
    for e in edits:
        unique.setdefault((e.span, e.action, e.code, e.layout, tuple(sorted((e.params or {}).items()))), e)
    ordered = sorted(unique.values(), key=lambda e: (e.span.start, e.span.end))
    for a, b in zip(ordered, ordered[1:]):
        if b.span.start < a.span.end:
            raise Refused(f"{label}: edits '{a.label}' and '{b.label}' overlap")
    splices: list[Splice] = []
    # From the end backwards so earlier offsets stay valid.
    for e in reversed(ordered):
        values = dict(params, **(e.params or {}), node=source[e.span.start:e.span.end].decode("utf-8"))
        # The patch's own code takes the file's line endings and indentation; the
        # placeholders are filled after that, so the anchored text (@@node@@) goes
        # back exactly as it was, its own line endings and indentation included.
        if e.layout == "inline":
            text = e.code.replace("\n", newline)
        else:
            # A zero-width place (e.g. prologue-end) is not a node: no indentation to copy.
            indent = _indent_at(source, e.span.start) if e.span.end > e.span.start else ""
            block = _as_lines(e.code.rstrip("\n"), indent, newline)
            if e.action == "replace":
                text = block
            elif e.action == "insert-before" or e.span.end == 0:
                # (lines inserted "after" the very start of a file go before its first line)
                text = block + newline + indent
            else:
                text = newline + indent + block
        new = fill(text, values, label).encode("utf-8")
        if e.action == "replace":
            start, old_end = e.span.start, e.span.end
        else:
            start = old_end = e.span.start if e.action == "insert-before" else e.span.end
        splices.append(Splice(start, old_end, new))
    return replay(source, splices), splices


def replay(source: bytes, splices: list[Splice]) -> bytes:
    """`source` with the splices made in order (each in the coordinates of the moment)."""
    out = source
    for sp in splices:
        out = out[:sp.start] + sp.new + out[sp.old_end:]
    return out
