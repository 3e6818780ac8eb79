"""Unified diffs of what a run would write (for --dry-run).

Minified bundles are a few enormous lines: a line longer than _LONG_LINE
characters, changed or context, is shown only within _CONTEXT_CHARS of the
change ("…" marks each cut), and a line before the diff says so.
"""

import difflib

_LONG_LINE = 400
_CONTEXT_CHARS = 120
CUT = "…"
CLIPPED_NOTE = (f"(clipped: lines longer than {_LONG_LINE} characters are shown only within {_CONTEXT_CHARS} "
                f"characters of the change; {CUT} marks each cut)\n")


def _range(start: int, stop: int) -> str:
    """A hunk range as unified diffs write it (difflib's convention)."""
    length = stop - start
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"


def _windows(line: str, spans: list[tuple[int, int]]) -> str:
    """The parts of a line within _CONTEXT_CHARS of the spans (offsets in the line), cuts marked."""
    keep = []
    for a, b in sorted(spans):
        a, b = max(0, a - _CONTEXT_CHARS), min(len(line), b + _CONTEXT_CHARS)
        if b - a > 2 * _CONTEXT_CHARS + _LONG_LINE // 2:  # a long change itself: its two ends
            keep += [(a, a + 2 * _CONTEXT_CHARS), (b - 2 * _CONTEXT_CHARS, b)]
        else:
            keep.append((a, b))
    merged = []
    for a, b in sorted(keep):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    out, pos = [], 0
    for a, b in merged:
        out.append((CUT if a > pos else "") + line[a:b])
        pos = b
    return "".join(out) + (CUT if pos < len(line) else "")


def _clip_block(lines: list[str], start: int, end: int) -> list[str]:
    """Lines of a changed block whose changed characters are [start, end) of the block's text."""
    out, offset = [], 0
    for line in lines:
        body = line.rstrip("\r\n")
        if len(body) > _LONG_LINE:
            lo, hi = start - offset, end - offset  # the change, relative to this line
            if hi <= 0:
                span = (0, 0)  # the change is before this line: show its start
            elif lo >= len(body):
                span = (len(body), len(body))  # after it: show its end
            else:
                span = (max(lo, 0), min(hi, len(body)))
            out.append(_windows(body, [span]) + line[len(body):])
        else:
            out.append(line)
        offset += len(line)
    return out


def _common_prefix(x: str, y: str) -> int:
    n, at, step = min(len(x), len(y)), 0, 4096
    while at + step <= n and x[at:at + step] == y[at:at + step]:  # whole chunks first: lines are megabytes
        at += step
    while at < n and x[at] == y[at]:
        at += 1
    return at


def _changed_span(old: str, new: str) -> tuple[int, int, int]:
    """(common prefix length, end of the change in old, end of the change in new)."""
    p = _common_prefix(old, new)
    s = min(_common_prefix(old[p:][::-1], new[p:][::-1]), len(old) - p, len(new) - p)
    return p, len(old) - s, len(new) - s


def _context(line: str, before_change: bool) -> str:
    """An unchanged long line: the part nearest the change."""
    body = line.rstrip("\r\n")
    if len(body) <= _LONG_LINE:
        return line
    at = len(body) if before_change else 0
    return _windows(body, [(at, at)]) + line[len(body):]


def unified(path: str, old: bytes | None, new: bytes | None) -> str:
    a = old.decode("utf-8", "replace").splitlines(keepends=True) if old is not None else []
    b = new.decode("utf-8", "replace").splitlines(keepends=True) if new is not None else []
    out, clipped = [], False

    def emit(prefix: str, line: str, original: str) -> None:
        nonlocal clipped
        clipped |= line != original
        out.append(prefix + line if line.endswith("\n") else prefix + line + "\n\\ No newline at end of file\n")

    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(3):
        if not out:
            out.append(f"--- {'a/' + path if old is not None else '/dev/null'}\n")
            out.append(f"+++ {'b/' + path if new is not None else '/dev/null'}\n")
        out.append(f"@@ -{_range(group[0][1], group[-1][2])} +{_range(group[0][3], group[-1][4])} @@\n")
        seen_change = False
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    emit(" ", _context(line, before_change=not seen_change), line)
                continue
            seen_change = True
            p, old_end, new_end = _changed_span("".join(a[i1:i2]), "".join(b[j1:j2]))
            for line, shown in zip(a[i1:i2], _clip_block(a[i1:i2], p, old_end)):
                emit("-", shown, line)
            for line, shown in zip(b[j1:j2], _clip_block(b[j1:j2], p, new_end)):
                emit("+", shown, line)
    if clipped:
        out.insert(0, CLIPPED_NOTE)
    return "".join(out)
