"""The Cursor (VS Code-family) editor target: apply, revert, status.

Patches edit files of resources/app in place: the main bundle (role @main,
named by package.json) and the pty host (role @ptyhost, found by structure).
Every apply starts from the original bytes (from the backup when a file is
currently patched), so applying again with other --env values replaces the
hook instead of adding a second one, and a file no patch touches any more is
put back.  product.json checksums of patched files are kept right.  Editor
bundles change with every release, so there is no list of known hashes: a
bundle is accepted when every anchor matches exactly once and the result
passes `node --check`.
"""

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from patcher import bundles, checksums, transaction
from patcher.atomicio import BackupStore, ensure_writable_dir
from patcher.catalog import Catalog, Patch
from patcher.diffs import unified
from patcher.editorlocate import find_app
from patcher.engine import apply_patches
from patcher.errors import Refused, UsageError
from patcher.hashing import sha256_bytes, sha256_file_or_none
from patcher.journal import APPLIED, FileRecord, Journal, JournalData, PatchRecord
from patcher.lock import TargetLock
from patcher.runner import Prepared, apply_targets
from patcher.statedir import target_state_dir
from patcher.treepaths import inside

KIND = "cursor"
PRODUCT = "product.json"
HOOK_MARK = b"patcher: cursor/spawn-env-hook@"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ROLES = {
    "@main": 'the main bundle (package.json "main", normally out/main.js)',
    "@ptyhost": f"the pty host bundle (found by structure, normally {bundles.PTY_HOST_DEFAULT})",
}

Say = Callable[[str], None]


def parse_env(items: list[str]) -> dict[str, str]:
    """--env NAME=VALUE options as a dict (later ones win)."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not _ENV_NAME.match(name):
            raise UsageError(f"--env {item!r}: expected NAME=VALUE with NAME made of letters, digits and _")
        out[name] = value
    return out


@dataclass
class Plan:
    originals: dict[str, bytes]  # rel -> bytes apply starts from
    current: dict[str, bytes]  # rel -> bytes on disk now
    desired: dict[str, bytes]  # rel -> bytes after this apply
    backups_of: dict[str, str]  # rel -> backup digest of the original, when it came from a backup
    patched_by: dict[str, list[str]]
    skipped: dict[str, str]
    env: dict[str, str]
    kinds: dict[str, str] = field(default_factory=dict)  # rel -> module kind of patched JS

    def changes(self) -> list[str]:
        return sorted(rel for rel in self.desired if self.desired[rel] != self.current.get(rel))


class CursorTarget:
    def __init__(self, cursor_arg: str, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0):
        self.app, note = find_app(cursor_arg)
        if note:
            say(note)
        self.state_base = state_dir
        self.say = say
        self.lock_wait = lock_wait
        self._roles: dict[str, str] = {}

    # -- files -----------------------------------------------------------
    def label(self, rel: str) -> str:
        return str(Path(self.app, *rel.split("/")))

    def role(self, name: str) -> str:
        if name not in self._roles:
            if name == "@main":
                rel = bundles.main_bundle(self.app)
            elif name == "@ptyhost":
                rel = bundles.pty_host(self.app)
            elif name.startswith("@"):
                raise Refused(f"unknown file role {name} for a Cursor target")
            else:
                rel = name
            self._roles[name] = inside(self.app, rel)
        return self._roles[name]

    def _read(self, rel: str) -> bytes:
        rel = inside(self.app, rel)
        try:
            return Path(self.label(rel)).read_bytes()
        except FileNotFoundError:
            raise Refused(f"{self.label(rel)}: missing") from None
        except OSError as exc:
            raise Refused(f"{self.label(rel)}: cannot read ({exc.strerror})") from None

    # -- state -----------------------------------------------------------
    def _tdir(self, create: bool = True) -> Path:
        return target_state_dir(self.state_base, KIND, self.app, create=create)

    def _open_state(self):
        tdir = self._tdir()
        return tdir, Journal(tdir), BackupStore(tdir / "backups")

    def lock(self) -> TargetLock:
        return TargetLock(self._tdir(), f"editor {self.app}", wait=self.lock_wait)

    def _recover(self, journal: Journal, backups: BackupStore) -> None:
        done = transaction.recover(self.app, backups, journal, self.state_base)
        if done:
            self.say(f"note: {done} on {self.app} (a previous run was interrupted)")

    # -- planning --------------------------------------------------------
    def _original(self, rel: str, prev: JournalData | None, backups: BackupStore | None, plan: Plan) -> bytes:
        if rel in plan.originals:
            return plan.originals[rel]
        cur = self._read(rel)
        plan.current[rel] = cur
        rec = prev.file(rel) if prev else None
        digest = sha256_bytes(cur)
        if rec and digest == rec.post_sha256 and rec.pre_sha256 != rec.post_sha256:
            original = backups.load(rec.pre_sha256)
            plan.backups_of[rel] = rec.pre_sha256
        elif rec and digest != rec.pre_sha256:
            self.say(f"note: {self.label(rel)} changed since the last apply (editor updated?); patching the new version")
            original = cur
        else:
            original = cur
        if not prev and HOOK_MARK in original:
            raise Refused(f"{self.label(rel)}: already contains the patcher hook but there is no journal for {self.app} "
                          "(state directory deleted, or another --state-dir?); reinstall the editor or use that state directory")
        plan.originals[rel] = original
        return original

    def make_plan(self, patches: list[Patch], env: dict | None, prev: JournalData | None,
                  backups: BackupStore | None) -> Plan:
        if not patches:
            raise Refused("no Cursor patch selected")
        if env is None:
            env = dict(prev.options.get("env", {})) if prev else {}
        plan = Plan({}, {}, {}, {}, {}, {}, env)
        result = apply_patches(patches, lambda rel: self._original(rel, prev, backups, plan), self.role, self.label,
                               params={"env": env})
        plan.skipped = dict(result.skipped)
        for rel, r in result.files.items():
            if r.patched != r.original:
                plan.desired[rel] = r.patched
                plan.patched_by[rel] = list(r.patches)
                plan.kinds[rel] = bundles.module_kind(r.tree)
        # Files patched before but not by this run go back to the original.
        for rec in (prev.files if prev else []):
            if rec.path not in plan.desired and rec.path != PRODUCT:
                plan.desired[rec.path] = self._original(rec.path, prev, backups, plan)
        bundles.node_check([(plan.desired[rel], kind, self.label(rel)) for rel, kind in sorted(plan.kinds.items())],
                           {self.label(rel): plan.originals[rel] for rel in plan.kinds})
        self._plan_product(plan, prev, backups)
        return plan

    def _plan_product(self, plan: Plan, prev: JournalData | None, backups: BackupStore | None) -> None:
        if not (self.app / PRODUCT).is_file():
            return
        under_out = {rel[len("out/"):]: data for rel, data in plan.desired.items() if rel.startswith("out/")}
        if not under_out and not (prev and prev.file(PRODUCT)):
            return
        original = self._original(PRODUCT, prev, backups, plan)
        listed = checksums.listed(original, self.label(PRODUCT))
        if any(rel in listed for rel in under_out):
            plan.desired[PRODUCT] = checksums.update(original, under_out, self.label(PRODUCT))
            plan.patched_by[PRODUCT] = sorted({ref for rel in under_out if rel in listed for ref in plan.patched_by.get("out/" + rel, [])})
        elif prev and prev.file(PRODUCT):
            plan.desired[PRODUCT] = original

    def dry_run(self, patches: list[Patch], env: dict | None) -> str:
        tdir = self._tdir(create=False)
        journal = Journal(tdir)
        prev = journal.load() if tdir.exists() else None
        plan = self.make_plan(patches, env, prev, BackupStore(tdir / "backups"))
        for ref, why in plan.skipped.items():
            self.say(f"{ref}: {why}")
        return "".join(unified(rel, plan.current.get(rel), plan.desired[rel]) for rel in plan.changes())

    # -- apply -----------------------------------------------------------
    def use(self, patches: list[Patch], force: bool, env: dict | None) -> "CursorTarget":
        self._patches, self._force, self._env = patches, force, env
        return self

    def apply(self, patches: list[Patch], force: bool = False, env: dict | None = None) -> str:
        return apply_targets([self.use(patches, force, env)], self.state_base)[0]

    def prepare(self) -> Prepared:
        tdir, journal, backups = self._open_state()
        self._recover(journal, backups)
        prev = journal.load()
        plan = self.make_plan(self._patches, self._env, prev, backups)
        skipped = "".join(f"; {ref}: {why}" for ref, why in plan.skipped.items())
        changes = plan.changes()
        applied_refs = [p for p in self._patches if p.ref not in plan.skipped]
        if not changes:
            if not plan.patched_by and not prev:
                return Prepared(self.app, backups, journal, None, [], f"nothing to apply to {self.app}{skipped}")
            return Prepared(self.app, backups, journal, None, [],
                            f"already applied to {self.app}: {', '.join(p.ref for p in applied_refs)}{skipped}")
        self._check_writable(changes)
        files, pairs = [], []
        for rel in sorted(plan.desired):
            original, desired = plan.originals[rel], plan.desired[rel]
            rec = FileRecord(rel, "inplace", sha256_bytes(original), sha256_bytes(desired),
                             backup=plan.backups_of.get(rel), patches=plan.patched_by.get(rel, []))
            files.append(rec)
            if rel in changes:
                pairs.append((rec, desired))
        data = JournalData(kind=KIND, root=str(self.app), phase=APPLIED,
                           patches=[PatchRecord(p.manifest.id, p.manifest.version, p.content_sha256) for p in applied_refs],
                           files=files, options={"env": plan.env, "skipped": plan.skipped},
                           previous=prev.to_json() if prev else None)
        shapes = ", ".join(f"{rel} ({plan.kinds[rel]})" for rel in sorted(plan.kinds))
        message = f"applied {', '.join(p.ref for p in applied_refs) or 'nothing'} to {self.app}: {shapes or 'originals restored'}{skipped}"
        return Prepared(self.app, backups, journal, data, pairs, message)

    def _check_writable(self, rels: list[str]) -> None:
        posix = self.app.as_posix()
        if ".app/Contents/Resources/app" in posix and not self._force:
            raise Refused(f"{self.app}: inside a signed macOS app bundle; changing it breaks the code signature and macOS may "
                          "refuse to start the editor. Copy the app to a folder you own and re-sign it "
                          "(codesign --force --deep --sign - Cursor.app), or pass --force")
        for directory in sorted({Path(self.label(rel)).parent for rel in rels}):
            try:
                ensure_writable_dir(directory)
            except Refused as exc:
                hint = ("; an AppImage is read-only: extract it (--appimage-extract) and patch squashfs-root/resources/app"
                        if "/.mount_" in posix else "")
                raise Refused(f"{exc}{hint}") from None

    # -- revert ----------------------------------------------------------
    def revert(self, force: bool) -> str:
        tdir = self._tdir(create=False)
        if not tdir.exists():
            return self._nothing_to_revert(tdir / "journal.json")
        tdir, journal, backups = self._open_state()
        with self.lock():
            self._recover(journal, backups)
            data = journal.load()
            if data is None:
                return self._nothing_to_revert(journal.path)
            restored = transaction.revert(self.app, backups, journal, data, force)
            shutil.rmtree(tdir / "backups", ignore_errors=True)
            return f"reverted {', '.join(p.ref for p in data.patches) or 'patcher changes'} on {self.app}: {len(restored)} files restored"

    def _nothing_to_revert(self, journal_path: Path) -> str:
        try:
            main = self.role("@main")
            if HOOK_MARK in self._read(main):
                raise Refused(f"{self.label(main)}: has the patcher hook but {journal_path} has no record of it "
                              "(state directory deleted, or another --state-dir?); reinstall the editor to get the original back")
        except Refused as exc:
            if "has the patcher hook" in str(exc):
                raise
        return f"nothing to revert on {self.app}: no patch applied"

    # -- status ----------------------------------------------------------
    def status(self, catalog: Catalog) -> dict:
        tdir = self._tdir(create=False)
        journal = Journal(tdir)
        data = journal.load() if tdir.exists() else None
        backups = BackupStore(tdir / "backups")
        report = {"schema": 1, "target": KIND, "root": str(self.app), "release": None, "overlay": None,
                  "journal": str(journal.path) if data else None,
                  "env": (data.options.get("env", {}) if data else {}), "patches": [], "files": []}
        states = {}
        for f in (data.files if data else []):
            actual = sha256_file_or_none(Path(self.label(f.path)))
            report["files"].append({"path": f.path, "role": f.role, "expected_sha256": f.post_sha256, "actual_sha256": actual,
                                    "original_sha256": f.pre_sha256, "patches": f.patches})
            states[f.path] = actual
        applied = {p.ref: p for p in data.patches} if data else {}
        skipped = data.options.get("skipped", {}) if data else {}
        for ref in sorted(set(applied) | set(skipped) | {p.ref for p in catalog.for_target(KIND)}):
            state, reason = "not applied", ""
            if ref in skipped:
                state, reason = "not applicable", skipped[ref]
            elif ref in applied and data.phase != APPLIED:
                state, reason = "broken", f"interrupted run (journal phase {data.phase}); the next apply or revert recovers"
            elif ref in applied:
                state, reason = "applied", ""
                for f in (f for f in data.files if ref in f.patches):
                    if states[f.path] == f.post_sha256:
                        if not backups.has(f.pre_sha256):
                            state, reason = "broken", f"the backup of {f.path} is missing: revert cannot restore it"
                        continue
                    if states[f.path] == f.pre_sha256:
                        state, reason = "not applied", f"{self.label(f.path)} is the original again"
                    else:
                        state, reason = "drifted", f"{self.label(f.path)} changed since apply (editor updated?): run apply again"
                    break
            report["patches"].append({"ref": ref, "id": ref.split("@")[0], "version": int(ref.split("@")[1]),
                                      "state": state, "reason": reason,
                                      "content_sha256": applied[ref].content_sha256 if ref in applied else None})
        return report
