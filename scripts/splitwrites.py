#!/usr/bin/env python3
"""Count the writes into a command's stdout pipe that end inside a UTF-8 character.

    python scripts/splitwrites.py [--out FILE] -- COMMAND [ARG...]

Prints `writes=N cut=K bytes=B exit=E` and exits 0 when K == 0, 1 when K > 0,
2 when it could not measure.  Needs strace.  The command's stdout is a pipe
(as a terminal emulator or a CI log reader sees it); every process of the
command is traced, and only writes whose file descriptor is that pipe count.
A position counts as a cut when it falls inside a well-formed multi-byte
sequence of the whole stream; invalid bytes are one-byte units, so a program
that prints invalid UTF-8 is not blamed for it.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass

_SYSCALL = re.compile(r"^(?P<pid>\d+)\s+(?P<name>write|writev|pwrite64|pwritev2?)\((?P<fd>\d+)<(?P<path>[^>]*)>")
_RESUMED = re.compile(r"^(?P<pid>\d+)\s+<\.\.\. (?P<name>\w+) resumed>")
_RESULT = re.compile(r"\)\s+=\s+(-?\d+)")


@dataclass
class Measurement:
    writes: int
    cut: int
    bytes: int
    exit: int
    data: bytes
    write_sizes: list

    def line(self) -> str:
        return f"writes={self.writes} cut={self.cut} bytes={self.bytes} exit={self.exit}"


def character_ends(data: bytes) -> list[bool]:
    """ends[i] is True when offset i is not inside a well-formed character."""
    ends = [False] * (len(data) + 1)
    ends[0] = True
    pos = 0
    for ch in data.decode("utf-8", "surrogateescape"):
        pos += 1 if "\udc80" <= ch <= "\udcff" else len(ch.encode("utf-8"))
        ends[pos] = True
    return ends


def write_sizes(trace_text: str, pipe: str) -> list[int]:
    """Sizes of successful writes into `pipe` ("pipe:[inode]"), in trace order."""
    sizes, pending = [], {}
    for line in trace_text.splitlines():
        m = _SYSCALL.match(line)
        if m:
            if line.rstrip().endswith("<unfinished ...>"):
                pending[m["pid"]] = m["path"]
                continue
            path = m["path"]
        else:
            r = _RESUMED.match(line)
            if not r or r["pid"] not in pending:
                continue
            path = pending.pop(r["pid"])
        res = _RESULT.search(line)
        if path == pipe and res and int(res.group(1)) > 0:
            sizes.append(int(res.group(1)))
    return sizes


def measure(argv: list[str], env: dict | None = None, cwd: str | None = None) -> Measurement:
    if not shutil.which("strace"):
        raise RuntimeError("strace not found (Debian/Ubuntu: apt-get install strace)")
    r, w = os.pipe()
    pipe = f"pipe:[{os.fstat(w).st_ino}]"
    chunks: list[bytes] = []

    def drain():
        while chunk := os.read(r, 1 << 16):
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "trace")
        # -s 0: only sizes are needed, the bytes come from the pipe itself.
        proc = subprocess.run(["strace", "-f", "-qq", "-y", "-s", "0", "-e", "trace=write,writev,pwrite64,pwritev,pwritev2",
                               "-e", "signal=none", "-o", trace, "--", *argv],
                              stdout=w, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        os.close(w)
        reader.join()
        os.close(r)
        with open(trace, encoding="utf-8", errors="replace") as f:
            sizes = write_sizes(f.read(), pipe)
    data = b"".join(chunks)
    if sum(sizes) != len(data):
        raise RuntimeError(f"traced {sum(sizes)} bytes of writes but read {len(data)} from the pipe")
    ends = character_ends(data)
    cut, pos = 0, 0
    for size in sizes:
        pos += size
        cut += not ends[pos]
    return Measurement(len(sizes), cut, len(data), proc.returncode, data, sizes)


def main(argv: list[str]) -> int:
    out = None
    if argv[:1] == ["--out"]:
        out, argv = argv[1], argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        m = measure(argv)
    except RuntimeError as exc:
        print(f"splitwrites: {exc}", file=sys.stderr)
        return 2
    if out:
        with open(out, "wb") as f:
            f.write(m.data)
    print(m.line())
    return 0 if m.cut == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
