"""What every target does with its state directory, whatever it patches:
where its journal, backups and lock live, recovery from an interrupted run at
the start of each command, apply as a one-target run of runner.apply_targets,
revert, status, and spotting patcher's changes that no journal here records
(a record in another state directory).  go/target.py and inplace.py supply
only what is their own: their file entries and the state of one patch.

The steps of every command that writes are here too, so that the Go target,
its rebuild (go/rebuild.py) and the in-place targets take them from one
place: the state directory opened with recovery done and the journal loaded
(`open_state`), the journal of an apply (`applied_journal`), and the answer
when there is nothing to write (`_already_applied`).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from patcher.catalog.catalog import Catalog, Patch
from patcher.errors import Refused
from patcher.state import transaction
from patcher.state.atomicio import BackupStore
from patcher.state.journal import APPLIED, FileRecord, Journal, JournalData, PatchRecord
from patcher.state.runlock import RunLock
from patcher.state.runner import Prepared, Run, apply_targets
from patcher.state.statedir import find_records_elsewhere, target_state_dir

Say = Callable[[str], None]


@dataclass
class TargetState:
    """A target's state directory as one command finds it."""

    dir: Path
    journal: Journal
    backups: BackupStore
    data: JournalData | None  # what the journal holds (None: no journal, nothing applied)


def patch_records(patches: list[Patch]) -> list[PatchRecord]:
    """How a journal names the patches of an apply; their content hashes tell a
    later apply or rebuild whether a patch changed since."""
    return [PatchRecord(p.manifest.id, p.manifest.version, p.content_sha256) for p in patches]


class TargetBase:
    KIND = ""  # the target's kind, as in manifests ("go", "cursor", ...)
    NAME = ""  # how messages name it, e.g. "editor"
    CASE_PATHS: dict[str, str] = {}  # file role -> where it sits in a patch's before/after cases

    def __init__(self, root: Path, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0):
        self.root = root
        self.state_base = state_dir
        self.say = say
        self.lock_wait = lock_wait

    # -- for subclasses ---------------------------------------------------
    @staticmethod
    def expand(arg: str, say: Say) -> list[str]:
        """The targets a command-line argument names: itself (a kind whose `auto`
        can find several installs says which, and gives each)."""
        return [arg]

    def warm_up(self, patches: list[Patch]) -> None:
        """Before the lock is taken (runner.Target protocol): start what prepare will want
        ready and that changes nothing (a validator starting up).  Only a head start:
        prepare does the same without it."""

    def cool_down(self) -> None:
        """Stop what warm_up started and prepare did not take (the run ended before it)."""

    def prepare(self, patches: list[Patch], force: bool, env: dict | None) -> Prepared:
        """Everything up to the writes (runner.Target protocol); the lock is held."""
        raise NotImplementedError

    def _revert(self, state: TargetState, force: bool) -> str:
        """Undo what `state.data` records; the lock is held and recovery done."""
        raise NotImplementedError

    def _file_entries(self, tdir: Path, data: JournalData) -> list[dict]:
        """status: one entry per recorded file ({"path", "role", "expected_sha256", "actual_sha256", ...})."""
        raise NotImplementedError

    def _patch_state(self, tdir: Path, data: JournalData, ref: str, entries: dict[str, dict]) -> tuple[str, str]:
        """status: (state, reason) of an applied patch, from its file entries."""
        raise NotImplementedError

    def _report_extra(self, tdir: Path, data: JournalData | None) -> dict:
        """status: keys of this kind of target's report."""
        return {}

    def release(self) -> str | None:
        return None

    OPTION = ""  # the command-line option that names a target of this kind (`--go-src`, ...)

    def kept_as(self) -> tuple[str, str | None]:
        """The option and value that name this target again after an update
        (what `patcher keep` records): by default, its own path."""
        return self.OPTION, str(self.state_key)

    def not_yet(self) -> str | None:
        """Why this target cannot be applied yet, though nothing is wrong and it will be later
        (a downloaded toolchain the go command has not run): `apply --kept` waits for it."""
        return None

    def unsupported(self, patch: Patch) -> str | None:
        """Why `patch` cannot apply to this target at all, if it cannot."""
        return None

    def marked(self) -> tuple[str, bytes] | None:
        """(what, bytes) of the target that carry patcher's changes when it is
        patched, to spot them without a journal; None: nothing to look at."""
        return None

    # -- changes without a record here ------------------------------------
    def unrecorded_refs(self, catalog: Catalog) -> list[str]:
        """The patches whose changes are in the target although no journal
        here records them (refs named in the marked bytes; all when none is)."""
        found = self.marked()
        if found is None:
            return []
        refs = [p.ref for p in catalog.for_target(self.KIND)]
        return [r for r in refs if r.encode() in found[1]] or refs

    def recorded_elsewhere(self) -> Path | None:
        found = find_records_elsewhere(self.KIND, self.state_key, self.state_base)
        return found[0].parent.parent.parent if found else None

    def unrecorded_reason(self, journal_path: Path) -> str:
        what = self.marked()[0]
        where = self.recorded_elsewhere()
        if where:
            return (f"{what}: has patcher's changes but {journal_path} has no record of them; they are recorded in another "
                    f"state directory: {where} (use --state-dir {where}, or run patcher as the user who applied them)")
        return (f"{what}: has patcher's changes but {journal_path} has no record of them (state directory deleted, or "
                "another --state-dir or $PATCHER_STATE_DIR, or the user who applied them, e.g. root after sudo?)")

    RESTORE_ADVICE = "restore the original to undo them"

    def _nothing_to_revert(self, journal_path: Path) -> str:
        if self.marked() is not None:
            raise Refused(f"{self.unrecorded_reason(journal_path)}; {self.RESTORE_ADVICE}")
        return f"nothing to revert on {self.root}: no patch applied"

    # -- status ------------------------------------------------------------
    def status(self, catalog: Catalog) -> dict:
        recorded = self._recorded()
        tdir, journal, data = recorded.dir, recorded.journal, recorded.data
        entries = self._file_entries(tdir, data) if data else []
        report = {"schema": 1, "target": self.KIND, "root": str(self.root), "release": self.release(),
                  "journal": str(journal.path) if data else None, "overlay": None,
                  "unverified": bool(data and data.unverified), "recorded_in": None, "patches": [], "files": entries}
        report.update(self._report_extra(tdir, data))
        unrecorded = [] if data else self.unrecorded_refs(catalog)
        if unrecorded:
            where = self.recorded_elsewhere()
            report["recorded_in"] = str(where) if where else None
        applied = {p.ref: p for p in data.patches} if data else {}
        skipped = data.skipped if data else {}
        # A version superseded by a newer one of the same patch is listed only when recorded.
        known = {p.ref: p for p in catalog.newest(self.KIND)}
        by_path = {e["path"]: e for e in entries}
        for ref in sorted(set(applied) | set(skipped) | set(known)):
            state, reason = "not applied", ""
            if ref in skipped:
                state, reason = "not applicable", skipped[ref]
            elif ref in applied and self.interrupted(data):
                state, reason = "broken", self.interrupted(data)
            elif ref in applied:
                state, reason = self._patch_state(tdir, data, ref, by_path)
                if state == "applied" and data.unverified:
                    reason = data.unverified
            elif ref in unrecorded:
                state, reason = "unrecorded", self.unrecorded_reason(journal.path)
            elif ref in known and (why := self.unsupported(known[ref])):
                state, reason = "not applicable", why
            report["patches"].append({"ref": ref, "id": ref.split("@")[0], "version": int(ref.split("@")[1]),
                                      "state": state, "reason": reason,
                                      "content_sha256": applied[ref].content_sha256 if ref in applied else None})
        return report

    # -- state ------------------------------------------------------------
    @property
    def state_key(self) -> Path:
        """What the target's state directory is named after: its root."""
        return self.root

    def _tdir(self, create: bool = True) -> Path:
        return target_state_dir(self.state_base, self.KIND, self.state_key, create=create)

    def open_state(self) -> TargetState:
        """The state directory (created) for a command that writes: what a killed
        run left is settled first, then the journal is loaded.  The lock must be held."""
        tdir = self._tdir()
        journal, backups = Journal(tdir), BackupStore(tdir / "backups")
        self._recover(journal, backups)
        return TargetState(tdir, journal, backups, journal.load())

    def _recorded(self) -> TargetState:
        """The state directory as it is, for reading only (creates nothing, recovers nothing)."""
        tdir = self._tdir(create=False)
        journal = Journal(tdir)
        return TargetState(tdir, journal, BackupStore(tdir / "backups"), journal.load() if tdir.exists() else None)

    def lock(self) -> RunLock:
        return RunLock(self._tdir(), f"{self.NAME} {self.root}", wait=self.lock_wait)

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

    # -- what an apply records ---------------------------------------------
    def applied_journal(self, patches: list[PatchRecord], files: list[FileRecord], previous: JournalData | None,
                        **fields) -> JournalData:
        """The journal of an apply (or rebuild) of `patches` that leaves `files`
        as recorded; `previous`: the committed journal it replaces (an abort puts
        it back), None when it starts over.  `fields`: the kind's own (release,
        overlay, options...)."""
        return JournalData(kind=self.KIND, root=str(self.root), phase=APPLIED, patches=patches, files=files,
                           previous=previous.to_json() if previous else None, **fields)

    def _nothing_to_write(self, state: TargetState, message: str,
                          on_commit: Callable[[], None] = lambda: None) -> Prepared:
        return Prepared(self.root, state.backups, state.journal, None, [], message, on_commit=on_commit)

    def _already_applied(self, state: TargetState, refs: list[str], more: str = "",
                         on_commit: Callable[[], None] = lambda: None) -> Prepared:
        """An apply that finds the target as these patches make it (`more`: the rest of the message)."""
        return self._nothing_to_write(state, f"already applied to {self.root}: {', '.join(refs)}{more}", on_commit)

    # -- commands ---------------------------------------------------------
    def apply(self, patches: list[Patch], force: bool = False, env: dict | None = None) -> str:
        return apply_targets([Run(self, patches, force, env)], self.state_base)[0]

    def revert(self, force: bool) -> str:
        tdir = self._tdir(create=False)
        if not tdir.exists():
            return self._nothing_to_revert(Journal(tdir).path)
        with self.lock():
            state = self.open_state()
            if state.data is None:
                return self._nothing_to_revert(state.journal.path)
            return self._revert(state, force)
