"""Atomic file replacement and a hash-verified backup store.

A user's file is never written in place: the new bytes go to a temp file in
the same directory (same file system, so the rename is atomic), are flushed
to disk, read back and checked against their hash, and only then renamed
over the target.  A crash at any instant leaves either the old file or the
new one, plus at worst a temp file whose name says it is ours.
"""

import errno
import os
import secrets
import stat
from pathlib import Path

from patcher.errors import Refused
from patcher.hashing import sha256_bytes, sha256_file

TEMP_MARK = ".patcher-tmp."


def temp_name_for(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}.{secrets.token_hex(4)}")


def is_temp_name(name: str) -> bool:
    return TEMP_MARK in name and name.startswith(".")


def explain_os_error(path: Path, exc: OSError) -> str:
    """One line saying what went wrong with `path` and what to do about it."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{path}: permission denied (read-only install?); run as the owner of this installation or install it where you can write"
    if exc.errno == errno.EROFS:
        return f"{path}: read-only file system (AppImage, mounted image or signed app bundle?); copy the installation somewhere writable first"
    if exc.errno == errno.ENOSPC:
        return f"{path}: no space left on device"
    return f"{path}: {exc.strerror or exc}"


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes, mode: int | None = None) -> str:
    """Replace `target` with `data` atomically and return the sha256 written.

    `mode` defaults to the existing file's permission bits (so an executable
    stays executable), or 0o644 for a new file.
    """
    target = Path(target)
    if mode is None:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = 0o644
    expected = sha256_bytes(data)
    tmp = temp_name_for(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        if sha256_file(tmp) != expected:
            raise Refused(f"{target}: the data written to the temp file does not read back identically (disk problem?); nothing replaced")
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        raise Refused(explain_os_error(target, exc)) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return expected


def ensure_writable_dir(directory: Path) -> None:
    """Fail early, before any change, when `directory` cannot take a new file."""
    probe = temp_name_for(Path(directory) / "probe")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise Refused(explain_os_error(Path(directory), exc)) from None


def make_private_dir(path: Path) -> Path:
    """Create `path` and any missing parents readable by the current user only
    (existing parents are left as they are)."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            pass
        if os.name != "nt":
            os.chmod(d, 0o700)
    return path


class BackupStore:
    """Content-addressed copies of original files, verified on the way in and out."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path_for(self, digest: str) -> Path:
        return self.directory / digest

    def save(self, data: bytes) -> str:
        digest = sha256_bytes(data)
        dest = self.path_for(digest)
        if dest.exists() and sha256_file(dest) == digest:
            return digest
        make_private_dir(self.directory)
        write_atomic(dest, data, mode=0o600)
        return digest

    def load(self, digest: str) -> bytes:
        """The backed-up bytes, refused if the backup is missing or damaged."""
        src = self.path_for(digest)
        try:
            data = src.read_bytes()
        except FileNotFoundError:
            raise Refused(f"{src}: backup is missing; cannot restore the original (was the state directory deleted?)") from None
        if sha256_bytes(data) != digest:
            raise Refused(f"{src}: backup is damaged (sha256 differs from the one recorded); not restoring from it")
        return data

    def has(self, digest: str) -> bool:
        src = self.path_for(digest)
        return src.exists() and sha256_file(src) == digest
