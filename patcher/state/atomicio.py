"""Atomic file replacement and a hash-verified backup store.

A user's file is never written in place: the new bytes go to a temp file in
the same directory (same file system, so the rename is atomic), are flushed
to disk, read back and checked against their hash, and only then renamed
over the target.  A crash at any instant leaves either the old file or the
new one, plus at worst a temp file whose name says it is ours.

Windows refuses to rename onto an executable that is running (gopls and the
editor's test runner keep go.exe busy all day) but lets it be renamed.  So
when that final rename is refused, the target is first moved aside under a
name patcher owns (`.go.exe.patcher-old.<pid>.<hex>`, hidden), then the new
file is renamed in, as self-updaters do.  The set-aside file is deleted at
once when possible; one still locked by the program running it is left and
swept by a later write of the same file, or by `sweep_set_aside`.  Between
the two renames there is no file at the target's path: the caller's journal
has a verified backup of what was there (transaction.begin makes one before
any write), and its recovery puts it back when it finds the file missing.
"""

import errno
import os
import secrets
import stat
from pathlib import Path

from patcher.errors import Refused
from patcher.state.hashing import sha256_bytes, sha256_file

TEMP_MARK = ".patcher-tmp."
SET_ASIDE_MARK = ".patcher-old."


def temp_name_for(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}.{secrets.token_hex(4)}")


def is_temp_name(name: str) -> bool:
    return TEMP_MARK in name and name.startswith(".")


def set_aside_name_for(target: Path) -> Path:
    return target.with_name(f".{target.name}{SET_ASIDE_MARK}{os.getpid()}.{secrets.token_hex(4)}")


def is_set_aside_name(name: str, of: str | None = None) -> bool:
    """Is `name` a file patcher moved aside (of the file named `of`, if given)?"""
    if not name.startswith(".") or SET_ASIDE_MARK not in name:
        return False
    return of is None or name.startswith(f".{of}{SET_ASIDE_MARK}")


def _hide(path: Path) -> None:
    # The dot hides it on Unix; Windows needs the attribute.
    if os.name == "nt":
        import ctypes
        ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x2)  # FILE_ATTRIBUTE_HIDDEN


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except PermissionError:
        # Windows will not delete a read-only file.  Never chmod first: the
        # file may be a hard link, and its mode is shared with every link.
        if os.name != "nt" or os.access(path, os.W_OK):
            raise
        os.chmod(path, stat.S_IWRITE | stat.S_IREAD)
        os.unlink(path)


def sweep_set_aside(directory: Path, of: str | None = None) -> list[Path]:
    """Delete the files patcher moved aside in `directory` (only those of the
    file named `of`, if given); returns the ones still there (still locked by
    a running program: they go at a later sweep)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    left = []
    for name in names:
        if is_set_aside_name(name, of):
            path = Path(directory) / name
            try:
                _unlink(path)
            except FileNotFoundError:
                pass
            except OSError:
                left.append(path)
    return left


def exists_or_set_aside(path: Path) -> bool:
    """Does `path` exist, or did a run killed between moving it aside and
    moving its replacement in leave it set aside?  (Recovery puts it back.)"""
    path = Path(path)
    if path.exists():
        return True
    try:
        return any(is_set_aside_name(name, path.name) for name in os.listdir(path.parent))
    except OSError:
        return False


def _busy(exc: OSError) -> bool:
    """Is this the refusal Windows gives for a rename onto a running
    executable (ERROR_ACCESS_DENIED 5, ERROR_SHARING_VIOLATION 32)?"""
    return isinstance(exc, PermissionError) or getattr(exc, "winerror", None) in (5, 32)


def replace_file(src: Path, target: Path) -> None:
    """os.replace(src, target); when the target is busy, rename it aside first."""
    try:
        os.replace(src, target)
        return
    except OSError as exc:
        if not _busy(exc) or not target.exists():
            raise
        refused = exc
    aside = set_aside_name_for(target)
    try:
        os.rename(target, aside)
    except OSError:
        raise refused from None  # cannot even rename it (a read-only directory): the first reason stands
    try:
        os.replace(src, target)
    except BaseException:
        try:
            os.rename(aside, target)
        except OSError:
            pass  # the journal's recovery restores it from the backup
        raise
    _hide(aside)
    try:
        os.unlink(aside)
    except OSError:
        pass  # still running: swept later


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


def write_atomic(target: Path, data: bytes, mode: int | None = None, durable: bool = True) -> str:
    """Replace `target` with `data` atomically and return the sha256 written.

    `mode` defaults to the existing file's permission bits (so an executable
    stays executable), or 0o644 for a new file.  `durable=False` skips the
    fsyncs, for a file that may be lost in a crash (a cache entry that
    carries its own checksum): still never half-written under its name.
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
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        if sha256_file(tmp) != expected:
            raise Refused(f"{target}: the data written to the temp file does not read back identically (disk problem?); nothing replaced")
        sweep_set_aside(target.parent, target.name)
        replace_file(tmp, target)
        if durable:
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
