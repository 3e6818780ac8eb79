import pytest

from patcher.state import atomicio

from patcher.state import transaction
from patcher.state.atomicio import BackupStore
from patcher.errors import Refused
from patcher.state.hashing import sha256_bytes
from patcher.state.journal import APPLIED, APPLYING, REVERTING, FileRecord, Journal, JournalData


@pytest.fixture
def target(tmp_path):
    root = tmp_path / "app 目录"
    (root / "out").mkdir(parents=True)
    (root / "out" / "a.js").write_bytes(b"alpha\r\n")
    (root / "out" / "b.js").write_bytes(b"beta")
    state = tmp_path / "state"
    return root, Journal(state), BackupStore(state / "backups")


def plan(root, changes):
    files, pairs = [], []
    for rel, new in changes.items():
        old = (root / rel).read_bytes()
        rec = FileRecord(rel, "inplace", sha256_bytes(old), sha256_bytes(new))
        files.append(rec)
        pairs.append((rec, new))
    return JournalData(kind="cursor", root=str(root), phase=APPLIED, files=files), pairs


def test_commit_then_revert_is_byte_exact(target):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA\r\n", "out/b.js": b"BETA"})
    transaction.commit(root, backups, journal, data, pairs)
    assert (root / "out/a.js").read_bytes() == b"ALPHA\r\n"
    assert journal.load().phase == APPLIED
    restored = transaction.revert(root, backups, journal, journal.load(), force=False).restored
    assert sorted(restored) == ["out/a.js", "out/b.js"]
    assert (root / "out/a.js").read_bytes() == b"alpha\r\n"
    assert (root / "out/b.js").read_bytes() == b"beta"
    assert journal.load() is None


def test_failure_half_way_puts_back_what_was_written(target, monkeypatch):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA", "out/b.js": b"BETA"})
    real = atomicio.write_atomic
    calls = []

    def flaky(path, payload, mode=None):
        calls.append(path.name)
        if path.name == "b.js" and payload == b"BETA":
            raise Refused(f"{path}: simulated disk failure")
        return real(path, payload, mode=mode)
    monkeypatch.setattr(transaction, "write_atomic", flaky)
    with pytest.raises(Refused, match="simulated"):
        transaction.commit(root, backups, journal, data, pairs)
    assert (root / "out/a.js").read_bytes() == b"alpha\r\n", "the file already written is restored"
    assert (root / "out/b.js").read_bytes() == b"beta"
    assert journal.load() is None


KILLER = r"""
import os, signal, sys
from pathlib import Path
from patcher.state import transaction
from patcher.state.atomicio import BackupStore, write_atomic
from patcher.state.hashing import sha256_bytes
from patcher.state.journal import APPLIED, FileRecord, Journal, JournalData
root, state, group = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
changes = {"out/a.js": b"ALPHA", "out/b.js": b"BETA"}
files = [FileRecord(rel, "inplace", sha256_bytes((root / rel).read_bytes()), sha256_bytes(new)) for rel, new in changes.items()]
writes = []
def dying_write(path, data, mode=None):
    if path.name == "b.js":
        os.kill(os.getpid(), signal.SIGKILL)  # killed before the second file
    return write_atomic(path, data, mode=mode)
transaction.write_atomic = dying_write
data = JournalData(kind="cursor", root=str(root), phase=APPLIED, files=files)
g = transaction.Group(state, group) if group != "-" else None
transaction.begin(root, BackupStore(state / "backups"), Journal(state), data, list(zip(files, changes.values())), g)
"""


def run_killed(root, state, group="-"):
    import subprocess
    import sys
    from conftest import REPO
    proc = subprocess.run([sys.executable, "-c", KILLER, str(root), str(state), group], env={"PYTHONPATH": str(REPO)},
                          capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr


def test_recover_rolls_back_an_apply_killed_half_way(target):
    root, journal, backups = target
    run_killed(root, journal.path.parent)
    assert (root / "out/a.js").read_bytes() == b"ALPHA", "the run really died half-way"
    assert journal.load().phase == APPLYING
    assert transaction.recover(root, backups, journal) == "rolled back an interrupted apply"
    assert (root / "out/a.js").read_bytes() == b"alpha\r\n"
    assert (root / "out/b.js").read_bytes() == b"beta"
    assert sorted(p.name for p in (root / "out").iterdir()) == ["a.js", "b.js"]
    assert journal.load() is None


def test_recover_of_a_group_follows_its_commit_record(target):
    root, journal, backups = target
    state = journal.path.parent
    run_killed(root, state, group="g1")
    # The commit record exists only once every target was written; without it
    # the run is rolled back, with it the journal is completed.
    assert transaction.recover(root, backups, journal, state) == "rolled back an interrupted apply"
    data, pairs = plan(root, {"out/a.js": b"ALPHA"})
    group = transaction.Group(state, "g2")
    transaction.begin(root, backups, journal, data, pairs, group)
    group.mark_committed()
    assert transaction.recover(root, backups, journal, state) == "completed an interrupted apply"
    assert journal.load().phase == APPLIED and (root / "out/a.js").read_bytes() == b"ALPHA"


def test_a_committed_group_whose_file_changed_since_is_completed_without_it(target):
    """Never stuck: a file someone changed after the commit record is theirs."""
    root, journal, backups = target
    state = journal.path.parent
    data, pairs = plan(root, {"out/a.js": b"ALPHA", "out/b.js": b"BETA"})
    group = transaction.Group(state, "g3")
    transaction.begin(root, backups, journal, data, pairs, group)
    group.mark_committed()
    (root / "out/a.js").write_bytes(b"an update")
    assert transaction.recover(root, backups, journal, state) == \
        "completed an interrupted apply; changed since by someone else, left as they are and forgotten: out/a.js"
    assert [f.path for f in journal.load().files] == ["out/b.js"] and (root / "out/a.js").read_bytes() == b"an update"


def test_recover_finishes_a_revert_killed_half_way(target):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA", "out/b.js": b"BETA"})
    transaction.commit(root, backups, journal, data, pairs)
    data = journal.load()
    data.phase = REVERTING
    journal.save(data)
    atomicio.write_atomic(root / "out/a.js", b"alpha\r\n")  # only a.js was restored
    assert transaction.recover(root, backups, journal) == "finished an interrupted revert"
    assert (root / "out/b.js").read_bytes() == b"beta"
    assert journal.load() is None


def test_revert_refuses_a_file_changed_since_apply_and_force_leaves_it_alone(target):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA", "out/b.js": b"BETA"})
    transaction.commit(root, backups, journal, data, pairs)
    (root / "out/a.js").write_bytes(b"editor update")
    with pytest.raises(Refused, match="changed since patcher applied it .*revert --force. forgets"):
        transaction.revert(root, backups, journal, journal.load(), force=False)
    assert (root / "out/a.js").read_bytes() == b"editor update"
    done = transaction.revert(root, backups, journal, journal.load(), force=True)
    # --force never destroys a file patcher has no copy of: the update stays.
    assert (root / "out/a.js").read_bytes() == b"editor update"
    assert (root / "out/b.js").read_bytes() == b"beta"
    assert done.left == ["out/a.js"] and done.restored == ["out/b.js"]
    assert journal.load() is None


def test_a_file_missing_after_a_kill_between_renames_is_restored(target):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA"})
    transaction.commit(root, backups, journal, data, pairs)
    path = root / "out/a.js"
    path.rename(atomicio.set_aside_name_for(path))  # set aside, new one not yet renamed in
    done = transaction.revert(root, backups, journal, journal.load(), force=False)
    assert done.restored == ["out/a.js"] and path.read_bytes() == b"alpha\r\n"


def test_a_patched_file_someone_removed_is_not_recreated_by_revert(target):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA", "out/b.js": b"BETA"})
    transaction.commit(root, backups, journal, data, pairs)
    (root / "out/a.js").unlink()  # an update removed it: no run was in flight
    with pytest.raises(Refused, match="out/a.js: removed since patcher applied it"):
        transaction.revert(root, backups, journal, journal.load(), force=False)
    assert not (root / "out/a.js").exists() and (root / "out/b.js").read_bytes() == b"BETA"
    done = transaction.revert(root, backups, journal, journal.load(), force=True)
    assert done.left == ["out/a.js"] and done.restored == ["out/b.js"] and not (root / "out/a.js").exists()


def test_a_failed_reapply_leaves_the_files_it_did_not_write_as_the_previous_apply_left_them(target, monkeypatch):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA", "out/b.js": b"BETA"})
    transaction.commit(root, backups, journal, data, pairs)
    # The re-apply keeps a.js as it is (recorded, not written) and changes b.js, which fails.
    prev = journal.load()
    a = next(f for f in prev.files if f.path == "out/a.js")
    prev_b = next(f for f in prev.files if f.path == "out/b.js")
    b = FileRecord("out/b.js", "inplace", sha256_bytes(b"beta"), sha256_bytes(b"BETA2"), backup=prev_b.backup)
    again = JournalData(kind="cursor", root=str(root), phase=APPLIED, files=[a, b], previous=prev.to_json())

    def failing(path, payload, mode=None):
        raise Refused(f"{path}: simulated disk failure")
    monkeypatch.setattr(transaction, "write_atomic", failing)
    with pytest.raises(Refused, match="simulated"):
        transaction.commit(root, backups, journal, again, [(b, b"BETA2")])
    assert (root / "out/a.js").read_bytes() == b"ALPHA", "a file the run did not write stays as the journal says"
    assert (root / "out/b.js").read_bytes() == b"BETA"
    assert journal.load().files == prev.files


def test_revert_with_lost_backup_changes_nothing(target):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA"})
    transaction.commit(root, backups, journal, data, pairs)
    for p in backups.directory.iterdir():
        p.unlink()
    with pytest.raises(Refused, match="backup is missing"):
        transaction.revert(root, backups, journal, journal.load(), force=False)
    assert (root / "out/a.js").read_bytes() == b"ALPHA"
    assert journal.load().phase == APPLIED
