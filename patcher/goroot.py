"""A Go installation (GOROOT) as a patch target: layout, release, fingerprints.

A GOROOT is recognised by VERSION, src/cmd/go and bin/go (go.exe on
Windows).  Its release comes from the first line of VERSION (e.g. go1.25.5).
Each target file is checked against vendor/go-fingerprints.json, the hashes
of the upstream files per release, so a file someone edited is not patched
by accident.
"""

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from patcher.errors import Refused, UsageError
from patcher.hashing import sha256_bytes
from patcher.resources import vendor_dir

FINGERPRINTS_NAME = "go-fingerprints.json"
_VERSION_RE = re.compile(r"^go(\d+)\.(\d+)(?:\.(\d+))?((?:rc|beta)\d+)?$")


def release_line(goversion: str) -> str | None:
    """"go1.25.5" -> "1.25"; None for a development build."""
    m = _VERSION_RE.match(goversion)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def _line_key(line: str) -> tuple[int, int]:
    major, minor = line.split(".")
    return int(major), int(minor)


def describe_lines(lines) -> str:
    """("1.21", ..., "1.27") -> "go1.21–go1.27" (or a list when not contiguous)."""
    ordered = sorted(set(lines), key=_line_key)
    if not ordered:
        return "none"
    keys = [_line_key(x) for x in ordered]
    contiguous = all(b == (a[0], a[1] + 1) for a, b in zip(keys, keys[1:]))
    if contiguous and len(ordered) > 1:
        return f"go{ordered[0]}–go{ordered[-1]}"
    return ", ".join(f"go{x}" for x in ordered)


@dataclass(frozen=True)
class GoRoot:
    root: Path
    version: str  # e.g. go1.25.5
    line: str | None  # e.g. 1.25

    @property
    def exe_name(self) -> str:
        return "go.exe" if (self.root / "bin" / "go.exe").exists() else "go"

    @property
    def go_binary_rel(self) -> str:
        return f"bin/{self.exe_name}"

    @property
    def go_binary(self) -> Path:
        return self.root / "bin" / self.exe_name

    def path(self, rel: str) -> Path:
        return Path(self.root, *rel.split("/"))

    def label(self, rel: str) -> str:
        return str(self.path(rel))


def open_goroot(directory: str | os.PathLike | None) -> GoRoot:
    if not directory:
        raise UsageError("missing --go-src: give the GOROOT to patch (the directory with VERSION, src/ and bin/, e.g. ~/go or $(go env GOROOT))")
    root = Path(directory).expanduser()
    if not root.is_dir():
        raise UsageError(f"{root}: --go-src is not a directory")
    root = root.absolute()
    version_file = root / "VERSION"
    missing = [name for name in ("VERSION", "src/cmd/go", "bin") if not (root / name).exists()]
    if not missing and not ((root / "bin" / "go").exists() or (root / "bin" / "go.exe").exists()):
        missing.append("bin/go")
    if missing:
        raise Refused(f"{root}: not a GOROOT (no {', '.join(missing)}); give the directory `go env GOROOT` prints")
    try:
        first = version_file.read_text(encoding="utf-8").splitlines()[0].strip()
    except (IndexError, UnicodeDecodeError, OSError):
        raise Refused(f"{version_file}: cannot read the Go release from it") from None
    return GoRoot(root, first, release_line(first))


def check_supported(goroot: GoRoot, patch_refs_and_lines: list[tuple[str, tuple[str, ...]]]) -> None:
    for ref, lines in patch_refs_and_lines:
        if goroot.line is None or goroot.line not in lines:
            raise Refused(f"{goroot.root}: {goroot.version} is not supported by {ref} (supported: {describe_lines(lines)}); nothing changed")


@lru_cache(maxsize=4)
def _load_fingerprints(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Refused(f"{path}: missing; run `make fingerprints`") from None
    except ValueError as exc:
        raise Refused(f"{path}: not valid JSON ({exc})") from None


def fingerprints(path: Path | None = None) -> dict:
    return _load_fingerprints(path or vendor_dir() / FINGERPRINTS_NAME)


def verify_fingerprint(goroot: GoRoot, rel: str, data: bytes, force: bool) -> str:
    """Check a target file against the upstream hash for its release.

    Returns the file's sha256.  For a release we have no record of (a Go
    patch release newer than our list), the file is accepted when it equals
    the upstream file of another release of the same line.
    """
    digest = sha256_bytes(data)
    fp = fingerprints()
    releases = fp.get("releases", {})
    known = releases.get(goroot.version, {}).get(rel)
    if known is not None:
        if digest == known or force:
            return digest
        raise Refused(f"{goroot.label(rel)}: sha256 {digest[:12]}… is not the known one for {goroot.version} ({known[:12]}…): "
                      "the file was probably edited; use --force to patch it anyway")
    siblings = {h.get(rel) for v, h in releases.items() if release_line(v) == goroot.line}
    if digest in siblings or force:
        return digest
    raise Refused(f"{goroot.label(rel)}: no fingerprint for {goroot.version} and the file matches no known go{goroot.line} release; "
                  "run `make fingerprints` if it is a new release, or use --force to patch it anyway")
