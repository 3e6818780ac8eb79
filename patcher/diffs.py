"""Unified diffs of what a run would write (for --dry-run)."""

import difflib

# Minified bundles are one enormous line; show only this much around a change.
_LONG_LINE = 400
_CONTEXT_CHARS = 120


def _clip_long(old: str, new: str) -> tuple[str, str]:
    """Cut the common prefix/suffix of a pair of huge changed lines to context."""
    if len(old) <= _LONG_LINE and len(new) <= _LONG_LINE:
        return old, new
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[-1 - s] == new[-1 - s]:
        s += 1
    start = max(0, p - _CONTEXT_CHARS)
    keep_tail = max(0, s - _CONTEXT_CHARS)
    def cut(text):
        body = text[start:len(text) - keep_tail]
        return ("…" if start else "") + body + ("…" if keep_tail else "")
    return cut(old), cut(new)


def unified(path: str, old: bytes | None, new: bytes | None) -> str:
    a = old.decode("utf-8", "replace").splitlines(keepends=True) if old is not None else []
    b = new.decode("utf-8", "replace").splitlines(keepends=True) if new is not None else []
    if len(a) == len(b):
        pairs = [(x, y) if x == y else _clip_long(x, y) for x, y in zip(a, b)]
        a = [x for x, _ in pairs]
        b = [y for _, y in pairs]
    lines = difflib.unified_diff(a, b, fromfile=f"a/{path}" if old is not None else "/dev/null",
                                 tofile=f"b/{path}" if new is not None else "/dev/null")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
