"""All-or-nothing replacement of files inside targets, and its undo.

A run changes its targets in two phases.  `begin` backs up every file about
to be replaced, records the plan in the target's journal (phase "applying")
and replaces the files one by one, each atomically.  Once every target of
the run has been written, `finish` marks each journal "applied".  If
anything fails before that, `abort` puts back what was written.

A run that changes several targets (--go-src and --cursor together) writes a
commit record between the two phases: a file `groups/<id>` in the state
directory.  A run killed before the record exists is rolled back everywhere;
one killed after it is rolled forward everywhere.  `recover`, run at the
start of every command, does this from the journals; it also finishes a
killed `revert` ("reverting"), since the user asked for the original.
"""

import os
import secrets
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from patcher.errors import Refused
from patcher.state.atomicio import BackupStore, exists_or_set_aside, is_temp_name, make_private_dir, write_atomic
from patcher.state.hashing import sha256_file_or_none
from patcher.state.journal import APPLIED, APPLYING, REVERTING, FileRecord, Journal, JournalData, Role

GROUPS_DIR = "groups"


def _target_path(root: Path, rel: str) -> Path:
    return Path(root, *rel.split("/"))


def _restore(root: Path, backups: BackupStore, rel: str, digest: str | None, mode: int | None) -> None:
    path = _target_path(root, rel)
    if digest is None:
        if path.exists():
            path.unlink()
        return
    write_atomic(path, backups.load(digest), mode=mode)


@contextmanager
def opened(root: Path, data: JournalData):
    """The target's read-only folders (data.locked_dirs) writable for the
    owner while the body writes, and given back their recorded modes after,
    whatever happens.  A run killed in between leaves them writable with its
    journal unfinished, and the recovery that follows closes them again."""
    try:
        for rel, mode in sorted(data.locked_dirs.items()):
            path = _target_path(root, rel)
            try:
                os.chmod(path, mode | stat.S_IWUSR)
            except FileNotFoundError:
                continue  # removed meanwhile (go clean -modcache): nothing of it to write
            except OSError as exc:
                raise Refused(f"{path}: cannot make it writable for the replace ({exc.strerror or exc})") from None
        yield
    finally:
        close(root, data)


def close(root: Path, data: JournalData) -> None:
    """Give the target's read-only folders back their recorded modes."""
    for rel, mode in sorted(data.locked_dirs.items()):
        try:
            os.chmod(_target_path(root, rel), mode)
        except OSError:
            pass  # gone (the folder was removed meanwhile): nothing to close


def remove_stray_temps(root: Path, files: list[FileRecord]) -> None:
    """Delete temp files a killed run left beside the target files (ours by name)."""
    for d in {_target_path(root, f.path).parent for f in files}:
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


class Group:
    """The commit record of a run over several targets."""

    def __init__(self, state_dir: Path, gid: str | None = None):
        self.state_dir = Path(state_dir)
        self.id = gid or secrets.token_hex(8)

    @property
    def path(self) -> Path:
        return self.state_dir / GROUPS_DIR / self.id

    def mark_committed(self) -> None:
        make_private_dir(self.path.parent)
        write_atomic(self.path, b"committed\n", mode=0o600)

    def committed(self) -> bool:
        return self.path.exists()

    def forget(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def begin(root: Path, backups: BackupStore, journal: Journal, data: JournalData,
          changes: list[tuple[FileRecord, bytes]], group: Group | None = None) -> None:
    """Write the changes; the journal stays "applying" until `finish`.

    Each FileRecord carries the original hash (`pre_sha256`, what revert goes
    back to) and the one it will have (`post_sha256`).  The bytes on disk right
    before this run (the original, or an earlier patched state on re-apply)
    are backed up so `abort` or `recover` can put them back.
    """
    before: dict[str, str | None] = {}
    for record, _ in changes:
        path = _target_path(root, record.path)
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = None
        except OSError as exc:
            raise Refused(f"{path}: cannot read ({exc.strerror})") from None
        digest = backups.save(current) if current is not None else None
        if current is not None and record.mode is None:
            record.mode = path.stat().st_mode & 0o7777
        if record.pre_sha256 == digest:
            record.backup = digest
        elif record.pre_sha256 is not None and (record.backup is None or not backups.has(record.backup)):
            raise Refused(f"{path}: no verified backup of the original; refusing to replace it")
        before[record.path] = digest
    data.phase = APPLYING
    data.txn = {"before": before, "group": group.id if group else None}
    journal.save(data)
    try:
        with opened(root, data):
            for record, new in changes:
                written = write_atomic(_target_path(root, record.path), new, mode=record.mode)
                if written != record.post_sha256:
                    raise Refused(f"{_target_path(root, record.path)}: the bytes written do not have the planned sha256")
    except BaseException:
        abort(root, backups, journal, data)
        raise


def finish(journal: Journal, data: JournalData) -> None:
    data.phase = APPLIED
    data.txn = {}
    data.previous = None
    journal.save(data)


def abort(root: Path, backups: BackupStore, journal: Journal, data: JournalData) -> None:
    """Undo a `begin`: every file back to its bytes before this run, and the
    journal back to what it was (the previous apply, or none)."""
    # Only what this run wrote goes back (a journal from before txn records: every file).
    before = data.txn.get("before")
    with opened(root, data):
        for f in reversed([f for f in data.files if f.role == Role.INPLACE]):  # (last written, first undone)
            if before is not None and f.path not in before:
                continue  # already as wanted: the run did not write it
            wanted = before[f.path] if before is not None else f.pre_sha256
            actual = sha256_file_or_none(_target_path(root, f.path))
            if actual != wanted and _ours(actual, f.post_sha256):
                _restore(root, backups, f.path, wanted, f.mode)
    if data.previous:
        journal.save(JournalData.from_json(data.previous))
    else:
        journal.remove()


def commit(root: Path, backups: BackupStore, journal: Journal, data: JournalData,
           changes: list[tuple[FileRecord, bytes]]) -> None:
    """`begin` + `finish` for a run over one target."""
    begin(root, backups, journal, data, changes)
    finish(journal, data)


def _ours(actual: str | None, *known: str | None) -> bool:
    """Whether patcher may write over a file whose sha256 is `actual`: it has
    bytes patcher knows (`known`: what apply found or wrote), or it is
    missing (a kill between the two renames of a set-aside replace leaves no
    file).  Anything else is the user's (an update, an edit): never ours to
    overwrite, whatever --force says."""
    return actual is None or actual in known


@dataclass
class Reverted:
    restored: list[str] = field(default_factory=list)  # put back to the original
    left: list[str] = field(default_factory=list)  # changed since apply: record forgotten, file left as it is


def revert(root: Path, backups: BackupStore, journal: Journal, data: JournalData, force: bool) -> Reverted:
    """Restore every in-place file to its original bytes.

    A file that no longer has the bytes apply found or wrote was changed by
    someone since (an update, an edit).  Without `force` that is refused;
    with `force` its record is forgotten and the file left alone: restoring
    would destroy a file patcher has no copy of.
    """
    left = revertible(root, backups, data, force)
    data.files = [f for f in data.files if f.path not in left]
    data.phase = REVERTING
    journal.save(data)
    return Reverted(_finish_revert(root, backups, journal, data), left)


def revertible(root: Path, backups: BackupStore, data: JournalData, force: bool) -> list[str]:
    """revert's checks, before it changes anything: Refused for a file changed or removed since
    (without `force`), or whose backup is missing or damaged; the files `force` would leave."""
    left = []
    for f in (f for f in data.files if f.role == Role.INPLACE):
        path = _target_path(root, f.path)
        actual = sha256_file_or_none(path)
        # No run is in flight: a missing original was removed by someone (an
        # update), unless a set-aside replace was cut between its two renames.
        removed = actual is None and f.pre_sha256 is not None and not exists_or_set_aside(path)
        if removed or not _ours(actual, f.post_sha256, f.pre_sha256):
            if not force:
                raise Refused(f"{path}: {'removed' if removed else 'changed'} since patcher applied it (updated or edited?), so it is "
                              "not patcher's to restore; `revert --force` forgets patcher's record of it and leaves it as it is")
            left.append(f.path)
        elif f.pre_sha256 is not None:
            backups.load(f.pre_sha256)  # missing or damaged backup: refuse before changing anything
    return left


def _finish_revert(root: Path, backups: BackupStore, journal: Journal, data: JournalData) -> list[str]:
    restored = []
    with opened(root, data):
        # Last written, first undone: what an apply wrote last may refer to what it wrote
        # before (an extensions.json entry to the extension's folder).
        for f in reversed([f for f in data.files if f.role == Role.INPLACE]):
            actual = sha256_file_or_none(_target_path(root, f.path))
            if actual == f.pre_sha256:
                continue
            if not _ours(actual, f.post_sha256):
                # Changed again after the revert began (an update racing it): the user's now.
                continue
            _restore(root, backups, f.path, f.pre_sha256, f.mode)
            restored.append(f.path)
    journal.remove()
    return restored


def recover(root: Path, backups: BackupStore, journal: Journal, state_dir: Path | None = None) -> str | None:
    """Bring a target out of a half-done run; returns what was done, if anything."""
    data = journal.load()
    if data is None or data.phase == APPLIED:
        return None
    with opened(root, data):
        remove_stray_temps(root, data.files)
    if data.phase == REVERTING:
        _finish_revert(root, backups, journal, data)
        return "finished an interrupted revert"
    if data.phase == APPLYING:
        gid = data.txn.get("group")
        if gid and state_dir is not None and Group(state_dir, gid).committed():
            # Every target of that run was written before the run died.
            # Every file was written before the commit record; one that no longer
            # has those bytes was changed since by someone else: not ours any more.
            changed = [f.path for f in data.files if f.role == Role.INPLACE
                       and sha256_file_or_none(_target_path(root, f.path)) != f.post_sha256]
            data.files = [f for f in data.files if f.path not in changed]
            finish(journal, data)
            close(root, data)  # (the killed run may have left them open)
            if changed:
                return (f"completed an interrupted apply; changed since by someone else, left as they are and "
                        f"forgotten: {', '.join(changed)}")
            return "completed an interrupted apply"
        abort(root, backups, journal, data)
        return "rolled back an interrupted apply"
    raise Refused(f"{journal.path}: unknown journal phase {data.phase!r}")
