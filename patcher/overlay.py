"""The toolchain overlay: patched copies of GOROOT sources plus overlay.json.

Go's -overlay file maps absolute source paths to replacement files
({"Replace": {"/goroot/src/x.go": "/state/overlay/files/src/x.go"}}); a path
that does not exist in the GOROOT adds a file.  The overlay lives in the
state directory, never inside GOROOT/src.  Copies are stored by path
relative to the GOROOT, and overlay.json is rendered for the GOROOT's
current absolute path whenever it is needed, so a copied state directory
can rebuild on another machine.
"""

import json
import os
import shutil
from pathlib import Path

from patcher.atomicio import make_private_dir, write_atomic
from patcher.errors import Refused
from patcher.hashing import sha256_file_or_none

OVERLAY_DIR = "overlay"
OVERLAY_JSON = "overlay.json"
FILES_DIR = "files"


def copy_rel(rel: str) -> str:
    """Where the copy of GOROOT/rel lives, relative to the target state dir."""
    return f"{OVERLAY_DIR}/{FILES_DIR}/{rel}"


def _abs(base: Path, rel: str) -> Path:
    return Path(base, *rel.split("/"))


def render_json(goroot: Path, state: Path, rels: list[str]) -> bytes:
    replace = {str(_abs(goroot, rel)): str(_abs(state, copy_rel(rel))) for rel in sorted(rels)}
    return (json.dumps({"Replace": replace}, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_overlay(goroot: Path, state: Path, files: dict[str, bytes]) -> Path:
    """Replace the overlay with `files` (GOROOT-relative path -> bytes).

    Built beside the live one and swapped in by rename, so a failure leaves
    the previous overlay intact.
    """
    live = state / OVERLAY_DIR
    staging = state / (OVERLAY_DIR + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    make_private_dir(staging / FILES_DIR)
    for rel, data in files.items():
        dest = _abs(staging / FILES_DIR, rel)
        make_private_dir(dest.parent)
        write_atomic(dest, data, mode=0o600)
    # overlay.json must name the copies at their final place.
    write_atomic(staging / OVERLAY_JSON, render_json(goroot, state, list(files)), mode=0o600)
    old = state / (OVERLAY_DIR + ".old")
    if old.exists():
        shutil.rmtree(old)
    if live.exists():
        os.replace(live, old)
    os.replace(staging, live)
    if old.exists():
        shutil.rmtree(old)
    return live / OVERLAY_JSON


def refresh_json(goroot: Path, state: Path, rels: list[str]) -> Path:
    """Re-render overlay.json for the GOROOT's current location."""
    path = state / OVERLAY_DIR / OVERLAY_JSON
    write_atomic(path, render_json(goroot, state, rels), mode=0o600)
    return path


def verify_copies(state: Path, expected: dict[str, str]) -> list[str]:
    """GOROOT-relative paths whose overlay copy is missing or differs."""
    return [rel for rel, digest in expected.items() if sha256_file_or_none(_abs(state, copy_rel(rel))) != digest]


def remove_overlay(state: Path) -> None:
    for name in (OVERLAY_DIR, OVERLAY_DIR + ".new", OVERLAY_DIR + ".old"):
        path = state / name
        if path.exists():
            try:
                shutil.rmtree(path)
            except OSError as exc:
                raise Refused(f"{path}: cannot remove the overlay ({exc.strerror})") from None
