import pytest

from patcher import atomicio, transaction
from patcher.atomicio import BackupStore
from patcher.errors import Refused
from patcher.hashing import sha256_bytes
from patcher.journal import APPLIED, APPLYING, REVERTING, FileRecord, Journal, JournalData


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
    restored = transaction.revert(root, backups, journal, journal.load(), force=False)
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


def test_recover_rolls_back_an_apply_killed_half_way(target):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA", "out/b.js": b"BETA"})
    for rec, _ in pairs:
        rec.backup = backups.save((root / rec.path).read_bytes())
    data.phase = APPLYING
    journal.save(data)
    # The run died after replacing a.js only, leaving a temp file for b.js.
    atomicio.write_atomic(root / "out/a.js", b"ALPHA")
    (root / "out" / ".b.js.patcher-tmp.99.dead").write_bytes(b"BE")
    assert transaction.recover(root, backups, journal) == "rolled back an interrupted apply"
    assert (root / "out/a.js").read_bytes() == b"alpha\r\n"
    assert (root / "out/b.js").read_bytes() == b"beta"
    assert sorted(p.name for p in (root / "out").iterdir()) == ["a.js", "b.js"]
    assert journal.load() is None


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


def test_revert_refuses_a_file_changed_since_apply_unless_forced(target):
    root, journal, backups = target
    data, pairs = plan(root, {"out/a.js": b"ALPHA"})
    transaction.commit(root, backups, journal, data, pairs)
    (root / "out/a.js").write_bytes(b"editor update")
    with pytest.raises(Refused, match="changed since patcher applied it .*revert --force"):
        transaction.revert(root, backups, journal, journal.load(), force=False)
    assert (root / "out/a.js").read_bytes() == b"editor update"
    transaction.revert(root, backups, journal, journal.load(), force=True)
    assert (root / "out/a.js").read_bytes() == b"alpha\r\n"


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
