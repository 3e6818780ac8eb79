"""The toolchain overlay of one GOROOT target, and its whole life cycle.

Go's -overlay file maps absolute source paths to replacement files
({"Replace": {"/goroot/src/x.go": "/state/overlay/files/src/x.go"}}); a path
that does not exist in the GOROOT adds a file.  The overlay lives in the
target's state directory, never inside GOROOT/src.  Copies are stored by
path relative to the GOROOT, and overlay.json is rendered for the GOROOT's
current absolute path whenever it is needed, so a copied state directory
can rebuild on another machine.

`Overlay` is the one owner of the directories involved:

    overlay/      the live overlay (what the journal's committed apply built)
    overlay.new/  being written by `stage`
    overlay.old/  the previous live overlay, kept by `stage` until the run
                  commits (`commit` drops it) or fails (`rollback` puts it back)

A run killed anywhere in between is settled by `recover` from the journal:
the live copies are the committed ones, or the previous overlay comes back.
The overlay is staged at its final path before building because, with
-trimpath, the overlay file's location is part of the build ID.
"""

import json
import os
import shutil
from pathlib import Path

from patcher.errors import Refused
from patcher.state.atomicio import make_private_dir, write_atomic
from patcher.state.hashing import sha256_file_or_none

OVERLAY_DIR = "overlay"
OVERLAY_JSON = "overlay.json"
FILES_DIR = "files"
_NEW, _OLD = OVERLAY_DIR + ".new", OVERLAY_DIR + ".old"


def copy_rel(rel: str) -> str:
    """Where the copy of GOROOT/rel lives, relative to the target state dir."""
    return f"{OVERLAY_DIR}/{FILES_DIR}/{rel}"


def _abs(base: Path, rel: str) -> Path:
    return Path(base, *rel.split("/"))


def render_json(goroot: Path, state: Path, rels: list[str]) -> bytes:
    replace = {str(_abs(goroot, rel)): str(_abs(state, copy_rel(rel))) for rel in sorted(rels)}
    return (json.dumps({"Replace": replace}, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _rmtree(path: Path) -> None:
    if path.exists():
        try:
            shutil.rmtree(path)
        except OSError as exc:
            raise Refused(f"{path}: cannot remove an overlay directory ({exc.strerror})") from None


class Overlay:
    def __init__(self, goroot: Path, state: Path):
        self.goroot, self.state = Path(goroot), Path(state)
        self.live, self.new, self.old = self.state / OVERLAY_DIR, self.state / _NEW, self.state / _OLD

    @property
    def json_path(self) -> Path:
        return self.live / OVERLAY_JSON

    # -- one run: stage, then commit or roll back ---------------------------
    def stage(self, files: dict[str, bytes]) -> Path:
        """Make `files` (GOROOT-relative path -> bytes) the live overlay,
        keeping the previous one as overlay.old; returns overlay.json."""
        _rmtree(self.new)
        _rmtree(self.old)
        make_private_dir(self.new / FILES_DIR)
        for rel, data in files.items():
            dest = _abs(self.new / FILES_DIR, rel)
            make_private_dir(dest.parent)
            write_atomic(dest, data, mode=0o600)
        # overlay.json names the copies at their final place.
        write_atomic(self.new / OVERLAY_JSON, render_json(self.goroot, self.state, list(files)), mode=0o600)
        if self.live.exists():
            os.replace(self.live, self.old)
        os.replace(self.new, self.live)
        return self.json_path

    def commit(self) -> None:
        _rmtree(self.old)

    def rollback(self) -> None:
        """Back to the overlay before `stage` (none, if there was none)."""
        _rmtree(self.new)
        if self.old.exists():
            _rmtree(self.live)
            os.replace(self.old, self.live)
        else:
            _rmtree(self.live)

    def recover(self, committed: dict[str, str] | None) -> str | None:
        """Settle what a killed run left, given the copies the journal's
        committed apply expects (path -> sha256; None: nothing applied)."""
        _rmtree(self.new)
        if committed is None:
            found = self.live.exists() or self.old.exists()
            self.remove()
            return "removed an overlay no journal refers to" if found else None
        if not self.old.exists():
            return None
        if self.live.exists() and not self.verify(committed):
            self.commit()
            return None
        self.rollback()
        return "put back the overlay of the last completed apply"

    # -- the live overlay -----------------------------------------------------
    def refresh_json(self, rels: list[str]) -> Path:
        """Re-render overlay.json for the GOROOT's current location."""
        write_atomic(self.json_path, render_json(self.goroot, self.state, rels), mode=0o600)
        return self.json_path

    def verify(self, expected: dict[str, str]) -> list[str]:
        """GOROOT-relative paths whose live copy is missing or differs."""
        return [rel for rel, digest in expected.items() if sha256_file_or_none(_abs(self.state, copy_rel(rel))) != digest]

    def remove(self) -> None:
        for path in (self.live, self.new, self.old):
            _rmtree(path)
