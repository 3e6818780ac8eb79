"""Targets whose files are edited in place: an editor's bundles, a
settings.json, a PowerShell profile.

Every apply starts from the original bytes (from the backup when a file is
currently patched), so applying again replaces earlier edits instead of
stacking them, and a file no patch touches any more is put back.  A file
that does not exist yet may be created (revert deletes it again, with any
directory apply had to create).  Subclasses say where the files are and
what the patches make of them (`compute`), and may validate the result.
"""

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from patcher.catalog.catalog import Patch
from patcher.engine.diffs import unified
from patcher.errors import Refused
from patcher.state import transaction
from patcher.state.atomicio import BackupStore, ensure_writable_dir
from patcher.state.hashing import sha256_bytes, sha256_file_or_none
from patcher.state.journal import FileRecord, Journal, JournalData, Role
from patcher.state.runner import Prepared
from patcher.state.statedir import target_state_dir
from patcher.state.treepaths import inside
from patcher.targets.base import Say, TargetBase, TargetState, patch_records


@dataclass
class Plan:
    env: dict[str, str]
    originals: dict[str, bytes | None] = field(default_factory=dict)  # rel -> bytes apply starts from (None: absent)
    current: dict[str, bytes | None] = field(default_factory=dict)  # rel -> bytes on disk now
    desired: dict[str, bytes | None] = field(default_factory=dict)  # rel -> bytes after this apply
    backups_of: dict[str, str] = field(default_factory=dict)  # rel -> backup digest of the original
    patched_by: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)  # what the message says about the result
    on_commit: Callable[[], None] = lambda: None  # once the run is committed (e.g. keep a cache entry)

    def changes(self) -> list[str]:
        return sorted(rel for rel in self.desired if self.desired[rel] != self.current.get(rel))


class InPlaceTarget(TargetBase):
    MARKS: tuple[bytes, ...] = ()  # bytes only a patched file contains (to spot a patched file without journal)
    RESTORE_ADVICE = "restore the original file to undo them"
    USES_ENV = True  # whether --env values mean something to this target's patches
    # Files that refer to the others (a listing, checksums): written after them, undone before them.
    WRITTEN_LAST: tuple[str, ...] = ()

    # -- for subclasses ---------------------------------------------------
    def compute(self, plan: Plan, patches: list[Patch], prev: JournalData | None, backups: BackupStore | None) -> None:
        raise NotImplementedError

    def check_writable(self, rels: list[str], force: bool) -> None:
        for directory in sorted({self.path(rel).parent for rel in rels}):
            existing = directory
            while not existing.exists():
                existing = existing.parent
            ensure_writable_dir(existing)

    def marked_files(self) -> list[str]:
        """The files to look for MARKS in when there is no journal."""
        return []

    def as_utf8(self, data: bytes | None) -> bytes | None:
        """A file's bytes as UTF-8 text, for what patcher shows and looks for in it
        (a diff, its marks); the same bytes for a target that only has UTF-8 files."""
        return data

    def has_mark(self, data: bytes | None) -> bool:
        text = self.as_utf8(data)
        return text is not None and any(mark in text for mark in self.MARKS)

    def marked(self) -> tuple[str, bytes] | None:
        for rel in self.marked_files():
            try:
                data = self.read(rel, missing_ok=True)
            except Refused:
                continue
            if self.has_mark(data):
                return self.label(rel), self.as_utf8(data)
        return None

    # -- files ------------------------------------------------------------
    def path(self, rel: str) -> Path:
        return Path(self.root, *rel.split("/"))

    def label(self, rel: str) -> str:
        return str(self.path(rel))

    def read(self, rel: str, missing_ok: bool = False) -> bytes | None:
        rel = inside(self.root, rel)
        try:
            return self.path(rel).read_bytes()
        except FileNotFoundError:
            if missing_ok:
                return None
            raise Refused(f"{self.label(rel)}: missing") from None
        except OSError as exc:
            raise Refused(f"{self.label(rel)}: cannot read ({exc.strerror})") from None

    def original(self, rel: str, prev: JournalData | None, backups: BackupStore | None, plan: Plan,
                 missing_ok: bool = False) -> bytes | None:
        """The bytes apply starts from: the backup of the original when the
        file is currently patched, else the file as it is now."""
        if rel in plan.originals:
            return plan.originals[rel]
        cur = self.read(rel, missing_ok)
        plan.current[rel] = cur
        rec = prev.file(rel) if prev else None
        digest = sha256_bytes(cur) if cur is not None else None
        if rec and digest == rec.post_sha256 and rec.pre_sha256 != rec.post_sha256:
            original = backups.load(rec.pre_sha256) if rec.pre_sha256 else None
            if rec.pre_sha256:
                plan.backups_of[rel] = rec.pre_sha256
        else:
            if rec and digest != rec.pre_sha256:
                self.say(f"note: {self.label(rel)} changed since the last apply (updated?); patching the new version")
            original = cur
        if not prev and self.has_mark(original):
            raise Refused(f"{self.unrecorded_reason(Journal(self._tdir(create=False)).path)}; {self.RESTORE_ADVICE}, "
                          "or use that state directory")
        plan.originals[rel] = original
        return original

    # -- planning ---------------------------------------------------------
    def make_plan(self, patches: list[Patch], env: dict | None, prev: JournalData | None,
                  backups: BackupStore | None) -> Plan:
        if not patches:
            raise Refused(f"no {self.KIND} patch selected")
        if not self.USES_ENV:
            env = {}
        elif env is None:
            env = dict(prev.options.get("env", {})) if prev else {}
        plan = Plan(env)
        self.compute(plan, patches, prev, backups)
        # Files patched before but not by this run go back to the original.
        for rec in (prev.files if prev else []):
            if rec.path not in plan.desired:
                plan.desired[rec.path] = self.original(rec.path, prev, backups, plan, missing_ok=True)
        return plan

    def dry_run(self, patches: list[Patch], force: bool, env: dict | None) -> str:
        recorded = self._recorded()
        plan = self.make_plan(patches, env, recorded.data, recorded.backups)
        for ref, why in plan.skipped.items():
            self.say(f"{ref}: {why}")
        return "".join(unified(rel, self.as_utf8(plan.current.get(rel)), self.as_utf8(plan.desired[rel]))
                       for rel in plan.changes())

    # -- apply ------------------------------------------------------------
    def prepare(self, patches: list[Patch], force: bool, env: dict | None) -> Prepared:
        state = self.open_state()
        prev = state.data
        plan = self.make_plan(patches, env, prev, state.backups)
        skipped = "".join(f"; {ref}: {why}" for ref, why in plan.skipped.items())
        changes = plan.changes()
        applied = [p for p in patches if p.ref not in plan.skipped]
        if not changes:
            if not plan.patched_by and not prev:
                return self._nothing_to_write(state, f"nothing to apply to {self.root}{skipped}", plan.on_commit)
            return self._already_applied(state, [p.ref for p in applied], skipped, plan.on_commit)
        self.check_writable(changes, force)
        created = self._create_dirs(changes)
        files, pairs = [], []
        # Written in this order (and undone in the reverse one, see transaction.py).
        for rel in sorted(plan.desired, key=lambda r: (r in self.WRITTEN_LAST, r)):
            original, desired = plan.originals[rel], plan.desired[rel]
            rec = FileRecord(rel, Role.INPLACE, sha256_bytes(original) if original is not None else None,
                             sha256_bytes(desired) if desired is not None else None,
                             backup=plan.backups_of.get(rel), patches=plan.patched_by.get(rel, []))
            files.append(rec)
            if rel in changes:
                if desired is None:
                    raise Refused(f"{self.label(rel)}: internal error: asked to delete a file")  # pragma: no cover
                pairs.append((rec, desired))
        created_before = prev.created_dirs if prev else []
        data = self.applied_journal(patch_records(applied), files, prev, options={"env": plan.env},
                                    skipped=plan.skipped, created_dirs=created_before + created)
        what = "; ".join(plan.summary) or "originals restored"
        message = f"applied {', '.join(p.ref for p in applied) or 'nothing'} to {self.root}: {what}{skipped}"
        return Prepared(self.root, state.backups, state.journal, data, pairs, message,
                        on_commit=plan.on_commit, on_abort=lambda: self._remove_dirs(created))

    def _create_dirs(self, rels: list[str]) -> list[str]:
        """Create missing folders for new files (the target's own folder may be
        one of them); returns them as absolute paths, for revert."""
        created = []
        for rel in rels:
            missing = []
            d = self.path(rel).parent
            while not d.exists():
                missing.append(d)
                d = d.parent
            for m in reversed(missing):
                m.mkdir()
                created.append(str(m))
        return created

    def _remove_dirs(self, paths: list[str]) -> None:
        for path in sorted(paths, key=lambda p: len(Path(p).parts), reverse=True):
            try:
                Path(path).rmdir()
            except OSError:
                pass  # not empty (the user put something there) or already gone

    # -- revert -----------------------------------------------------------
    def _revert(self, state: TargetState, force: bool) -> str:
        data = state.data
        done = transaction.revert(self.root, state.backups, state.journal, data, force)
        self._remove_dirs(data.created_dirs)
        shutil.rmtree(state.backups.directory, ignore_errors=True)
        names = ", ".join(sorted(done.restored)) if done.restored else "nothing (files already as before)"
        left = (f"; left as they are (changed since apply, updated or edited?; patcher's record of them forgotten): "
                f"{', '.join(done.left)}" if done.left else "")
        return f"reverted {', '.join(p.ref for p in data.patches) or 'patcher changes'} on {self.root}: restored {names}{left}"

    # -- status -----------------------------------------------------------
    def _report_extra(self, tdir: Path, data: JournalData | None) -> dict:
        return {"env": data.options.get("env", {}) if data else {}}

    def _file_entries(self, tdir: Path, data: JournalData) -> list[dict]:
        return [{"path": f.path, "role": f.role, "expected_sha256": f.post_sha256,
                 "actual_sha256": sha256_file_or_none(self.path(f.path)), "original_sha256": f.pre_sha256,
                 "patches": f.patches} for f in data.files]

    def _patch_state(self, tdir: Path, data: JournalData, ref: str, entries: dict[str, dict]) -> tuple[str, str]:
        backups = BackupStore(tdir / "backups")
        for f in (f for f in data.files if ref in f.patches):
            actual = entries[f.path]["actual_sha256"]
            if actual == f.post_sha256:
                if f.pre_sha256 and not backups.has(f.pre_sha256):
                    return "broken", f"the backup of {f.path} is missing: revert cannot restore it"
                continue
            if actual == f.pre_sha256:
                return "not applied", f"{self.label(f.path)} is the original again"
            return "drifted", f"{self.label(f.path)} changed since apply (updated?): run apply again"
        return "applied", ""


class SingleFileTarget(InPlaceTarget):
    """A target that is one file (a settings.json, a PowerShell profile),
    found from the command-line argument by `locate` and rewritten as a whole
    by `edit` (which the patches' own before/after cases call too)."""

    def __init__(self, arg: str, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0):
        path, note = self.locate(arg)
        if note:
            say(note)
        super().__init__(path.parent, state_dir, say, lock_wait)
        self.rel = path.name

    @property
    def state_key(self) -> Path:
        """The file itself: two profiles in one folder are two targets with a journal each."""
        return self.root / self.rel

    def _tdir(self, create: bool = True) -> Path:
        own = target_state_dir(self.state_base, self.KIND, self.state_key, create=False)
        if not own.exists():
            # Before, the state directory was named after the file's folder: keep using
            # such a record of this very file.
            legacy = target_state_dir(self.state_base, self.KIND, self.root, create=False)
            try:
                recorded = Journal(legacy).load() if legacy.exists() else None
            except Refused:
                recorded = None
            if recorded is not None and [f.path for f in recorded.files] == [self.rel]:
                return legacy
        return super()._tdir(create)

    @staticmethod
    def locate(arg: str) -> tuple[Path, str | None]:
        """The file the argument names (`auto` searched for), and a note saying how it was found."""
        raise NotImplementedError

    @staticmethod
    def edit(original: bytes | None, patches: list[Patch], env: dict, label: str) -> bytes:
        """The file's new bytes with every patch applied (None: no file yet)."""
        raise NotImplementedError

    @staticmethod
    def describe(original: bytes | None, patches: list[Patch], env: dict) -> str:
        return "new file" if original is None else "edited"

    def compute(self, plan: Plan, patches: list[Patch], prev: JournalData | None, backups: BackupStore | None) -> None:
        original = self.original(self.rel, prev, backups, plan, missing_ok=True)
        new = self.edit(original, patches, plan.env, self.label(self.rel))
        if new != original:
            plan.desired[self.rel] = new
            plan.patched_by[self.rel] = [p.ref for p in patches]
        plan.summary = [f"{self.rel} ({self.describe(original, patches, plan.env)})"]
