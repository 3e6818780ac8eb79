"""The GOROOT target's state directory as apply and rebuild use it
(go/workspace.py): the copies a journal expects, and what recovery settles.
Building and the self-test run on real toolchains in test_go_target.py and
tests/system."""

from patcher.state.hashing import sha256_bytes
from patcher.state.journal import APPLIED, FileRecord, JournalData, Role
from patcher.targets.go.goroot import GoRoot
from patcher.targets.go.overlay import copy_rel
from patcher.targets.go.workspace import BUILD_DIR, Workspace, committed_copies

TEST_GO, ADDED = "src/cmd/go/internal/test/test.go", "src/cmd/go/internal/test/patcher_x.go"


def journal(test_go: bytes, added: bytes) -> JournalData:
    return JournalData(kind="go", root="/g", phase=APPLIED, files=[
        FileRecord("bin/go", Role.INPLACE, "a" * 64, "b" * 64),
        FileRecord(TEST_GO, Role.OVERLAY, "c" * 64, sha256_bytes(test_go), overlay_copy=copy_rel(TEST_GO)),
        FileRecord(ADDED, Role.ADDED, None, sha256_bytes(added), overlay_copy=copy_rel(ADDED))])


def workspace(tmp_path) -> Workspace:
    state = tmp_path / "state"
    state.mkdir()
    return Workspace(GoRoot(tmp_path / "go", "go1.25.5", "1.25"), state)


def test_committed_copies_are_the_overlay_files_of_the_journal():
    assert committed_copies(journal(b"t", b"a")) == {TEST_GO: sha256_bytes(b"t"), ADDED: sha256_bytes(b"a")}
    assert committed_copies(None) is None


def test_settle_puts_back_the_last_completed_overlay_and_drops_the_build(tmp_path):
    work = workspace(tmp_path)
    work.overlay.stage({TEST_GO: b"first", ADDED: b"added"})
    work.overlay.commit()
    # Killed while building a second overlay, before its journal was written.
    work.overlay.stage({TEST_GO: b"second"})
    (work.build_dir / "go").parent.mkdir()
    (work.build_dir / "go").write_bytes(b"half a binary")
    assert work.settle(journal(b"first", b"added")) == "put back the overlay of the last completed apply"
    assert work.overlay.verify(committed_copies(journal(b"first", b"added"))) == []
    assert not work.build_dir.exists() and work.build_dir.name == BUILD_DIR


def test_settle_without_a_journal_leaves_no_overlay(tmp_path):
    work = workspace(tmp_path)
    work.overlay.stage({TEST_GO: b"first"})
    assert work.settle(None) == "removed an overlay no journal refers to"
    assert not work.overlay.live.exists()
    assert work.settle(None) is None, "nothing left to settle"
