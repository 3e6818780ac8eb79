"""The steps every target's commands share (targets/base.py): the state
directory opened with recovery done, the journal of an apply, and the answer
when there is nothing to write."""

from patcher.state import transaction
from patcher.state.hashing import sha256_bytes
from patcher.state.journal import APPLIED, FileRecord, JournalData, PatchRecord, Role
from patcher.targets.base import TargetBase

ORIGINAL, PATCHED = b"original\n", b"patched\n"


class OneFile(TargetBase):
    KIND = "test"
    NAME = "test target"


def make_target(tmp_path) -> tuple[OneFile, list[str]]:
    root = tmp_path / "root 根"
    root.mkdir()
    (root / "a.txt").write_bytes(ORIGINAL)
    said = []
    return OneFile(root, tmp_path / "state", said.append), said


def record() -> FileRecord:
    return FileRecord("a.txt", Role.INPLACE, sha256_bytes(ORIGINAL), sha256_bytes(PATCHED), patches=["x/y@1"])


def test_open_state_settles_a_killed_run_before_loading_the_journal(tmp_path):
    target, said = make_target(tmp_path)
    with target.lock():
        state = target.open_state()
        assert state.data is None and state.dir.is_dir()
        data = target.applied_journal([PatchRecord("x/y", 1, "ab" * 32)], [record()], None)
        rec = data.files[0]
        transaction.begin(target.root, state.backups, state.journal, data, [(rec, PATCHED)])
        # Killed here: written, journal still "applying".
        assert (target.root / "a.txt").read_bytes() == PATCHED
        again = target.open_state()
    assert again.data is None, "rolled back: the apply it started from had no journal"
    assert (target.root / "a.txt").read_bytes() == ORIGINAL
    assert said == [f"note: rolled back an interrupted apply on {target.root} (a previous run was interrupted)"]


def test_the_recorded_state_creates_and_recovers_nothing(tmp_path):
    target, said = make_target(tmp_path)
    recorded = target._recorded()
    assert recorded.data is None and not recorded.dir.exists() and not (tmp_path / "state").exists()
    assert said == []


def test_applied_journal_names_the_target_and_keeps_what_it_replaces(tmp_path):
    target, _ = make_target(tmp_path)
    patches = [PatchRecord("x/y", 1, "ab" * 32)]
    first = target.applied_journal(patches, [record()], None, options={"env": {"A": "1"}})
    assert (first.kind, first.root, first.phase, first.previous) == ("test", str(target.root), APPLIED, None)
    assert first.patches == patches and first.files == [record()] and first.options == {"env": {"A": "1"}}
    second = target.applied_journal(patches, [record()], first, release="r2")
    assert second.previous == first.to_json() and second.release == "r2"
    assert JournalData.from_json(second.previous) == first


def test_already_applied_writes_nothing_and_says_so(tmp_path):
    target, _ = make_target(tmp_path)
    committed = []
    with target.lock():
        state = target.open_state()
        done = target._already_applied(state, ["x/y@1", "x/z@2"], "; x/w@1: not here", lambda: committed.append(1))
    assert done.data is None and done.changes == []
    assert done.message == f"already applied to {target.root}: x/y@1, x/z@2; x/w@1: not here"
    assert (done.journal, done.backups) == (state.journal, state.backups)
    done.on_commit()
    assert committed == [1]
