"""What every target does with its state directory, whatever it patches:
where its journal, backups and lock live, recovery from an interrupted run at
the start of each command, apply as a one-target run of runner.apply_targets,
and the skeleton of revert.  gotarget.py and inplace.py fill in the rest.
"""

from pathlib import Path
from typing import Callable

from patcher import transaction
from patcher.atomicio import BackupStore
from patcher.catalog import Patch
from patcher.journal import APPLIED, Journal, JournalData
from patcher.lock import TargetLock
from patcher.runner import Prepared, apply_targets
from patcher.statedir import target_state_dir

Say = Callable[[str], None]


class TargetBase:
    KIND = ""  # the target's kind, as in manifests ("go", "cursor", ...)
    NAME = ""  # how messages name it, e.g. "editor"

    def __init__(self, root: Path, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0):
        self.root = root
        self.state_base = state_dir
        self.say = say
        self.lock_wait = lock_wait

    # -- for subclasses ---------------------------------------------------
    def prepare(self) -> Prepared:
        """Everything up to the writes (runner.Target protocol); the lock is held."""
        raise NotImplementedError

    def _revert(self, data: JournalData, journal: Journal, backups: BackupStore, force: bool) -> str:
        """Undo what `data` records; the lock is held and recovery done."""
        raise NotImplementedError

    def _nothing_to_revert(self, journal_path: Path) -> str:
        return f"nothing to revert on {self.root}: no patch applied"

    # -- state ------------------------------------------------------------
    def _tdir(self, create: bool = True) -> Path:
        return target_state_dir(self.state_base, self.KIND, self.root, create=create)

    def _open_state(self) -> tuple[Path, Journal, BackupStore]:
        tdir = self._tdir()
        return tdir, Journal(tdir), BackupStore(tdir / "backups")

    def _recorded(self) -> tuple[Path, Journal, JournalData | None]:
        """The journal as it is, for reading only (creates nothing)."""
        tdir = self._tdir(create=False)
        journal = Journal(tdir)
        return tdir, journal, journal.load() if tdir.exists() else None

    def lock(self) -> TargetLock:
        return TargetLock(self._tdir(), f"{self.NAME} {self.root}", wait=self.lock_wait)

    def _recover(self, journal: Journal, backups: BackupStore) -> None:
        done = transaction.recover(self.root, backups, journal, self.state_base)
        if done:
            self.say(f"note: {done} on {self.root} (a previous run was interrupted)")

    @staticmethod
    def interrupted(data: JournalData) -> str | None:
        """Why a journal's patches are broken when its run did not finish."""
        if data.phase != APPLIED:
            return f"interrupted run (journal phase {data.phase}); the next apply or revert recovers"
        return None

    # -- commands ---------------------------------------------------------
    def use(self, patches: list[Patch], force: bool, env: dict | None = None) -> "TargetBase":
        """Say what the next prepare() applies."""
        self._patches, self._force, self._env = patches, force, env
        return self

    def apply(self, patches: list[Patch], force: bool = False, env: dict | None = None) -> str:
        return apply_targets([self.use(patches, force, env)], self.state_base)[0]

    def revert(self, force: bool) -> str:
        tdir = self._tdir(create=False)
        if not tdir.exists():
            return self._nothing_to_revert(Journal(tdir).path)
        tdir, journal, backups = self._open_state()
        with self.lock():
            self._recover(journal, backups)
            data = journal.load()
            if data is None:
                return self._nothing_to_revert(journal.path)
            return self._revert(data, journal, backups, force)
