"""All-or-nothing replacement of files inside a target, and its undo.

`commit` backs up every file it is about to replace, records the plan in the
journal (phase "applying"), replaces the files one by one (each atomically),
then marks the journal "applied".  If anything fails half-way it puts back
what it already replaced.  If the process is killed instead, `recover` (run
at the start of every command) finds the "applying" journal and rolls the
target back to where it was before that run; a killed `revert` ("reverting")
is rolled forward, since the user asked for the original.
"""

import os
from dataclasses import replace
from pathlib import Path

from patcher.atomicio import BackupStore, is_temp_name, write_atomic
from patcher.errors import Refused
from patcher.hashing import sha256_file_or_none
from patcher.journal import APPLIED, APPLYING, REVERTING, FileRecord, Journal, JournalData


def _target_path(root: Path, rel: str) -> Path:
    return Path(root, *rel.split("/"))


def _restore(root: Path, backups: BackupStore, rel: str, digest: str | None, mode: int | None) -> None:
    path = _target_path(root, rel)
    if digest is None:
        if path.exists():
            path.unlink()
        return
    written = write_atomic(path, backups.load(digest), mode=mode)
    if written != digest:  # pragma: no cover - write_atomic verifies already
        raise Refused(f"{path}: restored bytes do not match the backup")


def remove_stray_temps(root: Path, files: list[FileRecord]) -> None:
    """Delete temp files a killed run left beside the target files (ours by name)."""
    dirs = {_target_path(root, f.path).parent for f in files}
    for d in dirs:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            if is_temp_name(name):
                try:
                    os.unlink(d / name)
                except OSError:
                    pass


def commit(root: Path, backups: BackupStore, journal: Journal, data: JournalData,
           changes: list[tuple[FileRecord, bytes]]) -> None:
    """Replace files in `root` as planned; `data` becomes the journal.

    Each FileRecord carries the original hash (`pre_sha256`, what revert goes
    back to) and the one it will have (`post_sha256`).  The bytes on disk right
    before this run (the original, or an earlier patched state on re-apply)
    are backed up too so a failure can put them back.
    """
    before: dict[str, tuple[str | None, int | None]] = {}
    for record, _ in changes:
        path = _target_path(root, record.path)
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = None
        except OSError as exc:
            raise Refused(f"{path}: cannot read ({exc.strerror})") from None
        digest = backups.save(current) if current is not None else None
        mode = (path.stat().st_mode & 0o7777) if current is not None else None
        if record.pre_sha256 == digest:
            record.backup = digest
            record.mode = mode
        elif record.backup is None or not backups.has(record.backup):
            raise Refused(f"{path}: no verified backup of the original; refusing to replace it")
        before[record.path] = (digest, mode)
    data.phase = APPLYING
    data.options = dict(data.options, txn_before={k: v[0] for k, v in before.items()})
    journal.save(data)

    done: list[FileRecord] = []
    try:
        for record, new in changes:
            path = _target_path(root, record.path)
            written = write_atomic(path, new, mode=record.mode)
            done.append(record)
            if written != record.post_sha256:
                raise Refused(f"{path}: the bytes written do not have the planned sha256")
    except BaseException:
        for record in reversed(done):
            digest, mode = before[record.path]
            _restore(root, backups, record.path, digest, mode)
        _put_back_previous(journal, data)
        raise
    data.phase = APPLIED
    data.options.pop("txn_before", None)
    journal.save(data)


def _put_back_previous(journal: Journal, data: JournalData) -> None:
    if data.previous:
        journal.save(JournalData.from_json(data.previous))
    else:
        journal.remove()


def revert(root: Path, backups: BackupStore, journal: Journal, data: JournalData, force: bool) -> list[str]:
    """Restore every in-place file to its original bytes; returns the paths restored.

    Refuses (unless `force`) when a file no longer has the bytes apply wrote:
    someone changed it since, and restoring would throw that change away.
    """
    inplace = [f for f in data.files if f.role == "inplace"]
    for f in inplace:
        actual = sha256_file_or_none(_target_path(root, f.path))
        if actual not in (f.post_sha256, f.pre_sha256) and not force:
            raise Refused(f"{_target_path(root, f.path)}: changed since patcher applied it (updated or edited?); "
                          "revert --force restores the original anyway")
        if f.pre_sha256 is not None and not backups.has(f.pre_sha256):
            backups.load(f.pre_sha256)  # raises with the precise reason
    data.phase = REVERTING
    journal.save(data)
    return _finish_revert(root, backups, journal, data)


def _finish_revert(root: Path, backups: BackupStore, journal: Journal, data: JournalData) -> list[str]:
    restored = []
    for f in (f for f in data.files if f.role == "inplace"):
        if sha256_file_or_none(_target_path(root, f.path)) != f.pre_sha256:
            _restore(root, backups, f.path, f.pre_sha256, f.mode)
            restored.append(f.path)
    journal.remove()
    return restored


def recover(root: Path, backups: BackupStore, journal: Journal) -> str | None:
    """Bring a target out of a half-done run; returns what was done, if anything."""
    data = journal.load()
    if data is None or data.phase == APPLIED:
        return None
    remove_stray_temps(root, data.files)
    if data.phase == REVERTING:
        _finish_revert(root, backups, journal, data)
        return "finished an interrupted revert"
    if data.phase == APPLYING:
        txn_before = data.options.get("txn_before", {})
        for f in (f for f in data.files if f.role == "inplace"):
            wanted = txn_before.get(f.path, f.pre_sha256)
            if sha256_file_or_none(_target_path(root, f.path)) != wanted:
                _restore(root, backups, f.path, wanted, f.mode)
        _put_back_previous(journal, replace(data))
        return "rolled back an interrupted apply"
    raise Refused(f"{journal.path}: unknown journal phase {data.phase!r}")
