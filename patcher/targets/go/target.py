"""The Go toolchain target: apply, revert, status and rebuild for a GOROOT.

apply:   verify the target sources against their upstream fingerprints, run
         the patches in memory, write the patched copies and overlay.json to
         the state directory, `go build -overlay` cmd/go, and install the
         result as GOROOT/bin/go in a journaled transaction (original backed
         up first).  The sources under GOROOT/src are never written.
revert:  put the original bin/go back (byte for byte) and drop the overlay.
status:  per patch, applied / not applied / drifted / broken, with hashes.
rebuild: build again from the recorded overlay (cache cleared, state copied
         to another machine with the same release).
"""

import os
import shutil
import stat
from pathlib import Path

from patcher.catalog.catalog import Catalog, Patch
from patcher.errors import Refused
from patcher.state import transaction
from patcher.state.atomicio import BackupStore, ensure_writable_dir, sweep_set_aside
from patcher.state.hashing import sha256_bytes, sha256_file_or_none
from patcher.state.journal import FileRecord, Journal, JournalData, Role
from patcher.state.runner import Prepared
from patcher.state.treepaths import inside
from patcher.targets.base import Say, TargetBase, TargetState, patch_records
from patcher.targets.go import toolchains
from patcher.targets.go.goroot import locate_goroot, unsupported_reason
from patcher.targets.go.overlay import OVERLAY_DIR, OVERLAY_JSON, copy_rel
from patcher.targets.go.workspace import Workspace, committed_copies


def _planner():
    """goplan, imported when a plan is made: it needs the parser, which `status` does not."""
    from patcher.targets.go import plan as goplan
    return goplan

KIND = "go"
# Every file our Go patches add is named patcher_*.go in cmd/go; with
# -trimpath its path is still recorded in the binary, which tells a patched
# go command from an original one even when the journal is gone.
PATCHED_BINARY_MARK = b"cmd/go/internal/test/patcher_"


class GoTarget(TargetBase):
    KIND = KIND
    OPTION = "--go-src"
    NAME = "GOROOT"

    def __init__(self, go_src, state_dir: Path, say: Say = lambda s: None, progress=None, lock_wait: float = 0.0,
                 strict: bool = False):
        root, note = locate_goroot(go_src)
        if note:
            say(note)
        self.goroot = root
        super().__init__(self.goroot.root, state_dir, say, lock_wait)
        self.progress = progress
        self.strict = strict

    def kept_as(self) -> tuple[str, str | None]:
        """A toolchain of the module cache is kept as all of them: the next one goes there too."""
        if toolchains.release_of(self.root):
            return "--go-toolchains", str(toolchains.cache_of(self.root))
        return super().kept_as()

    def _workspace(self, tdir: Path) -> Workspace:
        return Workspace(self.goroot, tdir, self.progress)

    # -- state -----------------------------------------------------------
    def _recover(self, journal: Journal, backups: BackupStore) -> None:
        super()._recover(journal, backups)
        # go binaries an earlier run moved aside while they ran (Windows), now free to go.
        sweep_set_aside(self.goroot.go_binary.parent)
        tdir = journal.path.parent
        done = self._workspace(tdir).settle(journal.load())
        if done:
            self.say(f"note: {done} in {tdir} (a previous run was interrupted)")

    def marked(self) -> tuple[str, bytes] | None:
        """bin/go when it is a patched go command (whatever the journal says)."""
        try:
            data = self.goroot.go_binary.read_bytes()
        except OSError:
            return None
        return (str(self.goroot.go_binary), data) if PATCHED_BINARY_MARK in data else None

    def unrecorded_refs(self, catalog: Catalog) -> list[str]:
        """The Go patches whose added files bin/go was built with (their paths
        are recorded in the binary even with -trimpath)."""
        found = self.marked()
        if found is None:
            return []
        refs = [p.ref for p in catalog.for_target(KIND)]
        return [p.ref for p in catalog.for_target(KIND)
                if any(a.path.removeprefix("src/").encode() in found[1] for a in p.manifest.adds)] or refs

    # -- apply -----------------------------------------------------------
    def dry_run(self, patches: list[Patch], force: bool, env: dict | None = None) -> str:
        plan = _planner().make_plan(self.goroot, patches, force, self.strict)
        if plan.unverified:
            self.say(f"note: unverified sources: {plan.unverified}")
        return plan.diff()

    def prepare(self, patches: list[Patch], force: bool, env: dict | None = None) -> Prepared:
        """Everything up to the new bin/go, built, self-tested and waiting;
        GOROOT untouched.  Expects the lock to be held."""
        g = self.goroot
        state = self.open_state()
        prev = state.data
        plan = _planner().make_plan(g, patches, force, self.strict)
        bin_rel = g.go_binary_rel
        bin_now = sha256_file_or_none(g.go_binary)
        prev_bin = prev.file(bin_rel) if prev else None
        if prev and prev_bin and bin_now == prev_bin.post_sha256:
            original, original_backup = prev_bin.pre_sha256, prev_bin.backup
        else:
            if prev:
                self.say(f"note: {g.go_binary} is not the binary patcher installed (Go reinstalled or updated?); starting over from it")
                prev = None
            if self.marked() is not None:
                raise Refused(f"{self.unrecorded_reason(state.journal.path)}; apply cannot start from a patched go "
                              "command: use that record, or reinstall Go")
            original, original_backup = bin_now, None

        refs = patch_records(patches)
        work = self._workspace(state.dir)
        if prev and prev.patches == refs and all(
                (f.role != Role.OVERLAY or plan.source_hashes.get(f.path) == f.pre_sha256) for f in prev.files) \
                and not work.overlay.verify(committed_copies(prev)):
            return self._already_applied(state, [r.ref for r in refs])

        if inside(g.root, bin_rel) != bin_rel:
            raise Refused(f"{g.go_binary}: is a symbolic link; patcher replaces only a real bin/{g.exe_name} inside the GOROOT")
        locked = self._locked_dirs()
        overlay_json = work.overlay.stage(plan.overlay_files())

        def on_abort():
            work.overlay.rollback()
            work.remove_build()

        def on_commit():
            work.overlay.commit()
            work.remove_build()

        try:
            built = work.build(overlay_json)
            proof = work.self_test(built, [p.manifest.id for p in patches], plan.unverified)
        except BaseException:
            on_abort()
            raise
        files = [FileRecord(bin_rel, Role.INPLACE, original, sha256_bytes(built.data), backup=original_backup,
                            patches=[p.ref for p in patches])]
        for rel, r in sorted(plan.result.files.items()):
            files.append(FileRecord(rel, Role.OVERLAY, plan.source_hashes[rel], sha256_bytes(r.patched),
                                    overlay_copy=copy_rel(rel), patches=list(r.patches)))
        for rel, a in sorted(plan.result.added.items()):
            files.append(FileRecord(rel, Role.ADDED, None, sha256_bytes(a.data), overlay_copy=copy_rel(rel),
                                    patches=list(a.patches)))
        data = self.applied_journal(refs, files, prev, release=g.version, overlay=f"{OVERLAY_DIR}/{OVERLAY_JSON}",
                                    unverified=plan.unverified, locked_dirs=locked)
        if plan.unverified:
            self.say(f"note: {plan.unverified} (--strict refuses instead)")
        message = (f"applied {', '.join(r.ref for r in refs)} to {g.root} ({g.version}"
                   f"{', unverified' if plan.unverified else ''}); go rebuilt in {built.seconds:.0f}s, {proof}, "
                   f"and installed as {g.go_binary}; overlay: {overlay_json}")
        return Prepared(g.root, state.backups, state.journal, data, [(files[0], built.data)], message, on_commit,
                        on_abort)

    def not_yet(self) -> str | None:
        return toolchains.never_run(self.root) if toolchains.release_of(self.root) else None

    def _locked_dirs(self) -> dict[str, int]:
        """bin/ must be writable for the replace.  A toolchain of the module cache
        is read-only by design (the go command leaves it so): its bin/ is opened
        only while bin/go is replaced (JournalData.locked_dirs), then closed again."""
        bin_dir = self.goroot.go_binary.parent
        if not toolchains.release_of(self.root):
            ensure_writable_dir(bin_dir)
            return {}
        why = self.not_yet()
        if why:
            raise Refused(why)
        mode = stat.S_IMODE(bin_dir.stat().st_mode)
        if mode & stat.S_IWUSR:
            return {}  # (made writable by someone: left as it is)
        if os.name != "nt" and bin_dir.stat().st_uid != os.geteuid():
            ensure_writable_dir(bin_dir)  # another user's cache: refused with the usual reason
        return {bin_dir.relative_to(self.root).as_posix(): mode}

    # -- revert ----------------------------------------------------------
    def _revert(self, state: TargetState, force: bool) -> str:
        g, data = self.goroot, state.data
        done = transaction.revert(g.root, state.backups, state.journal, data, force)
        self._workspace(state.dir).overlay.remove()
        shutil.rmtree(state.backups.directory, ignore_errors=True)
        refs = ", ".join(p.ref for p in data.patches)
        if g.go_binary_rel in done.left:
            return (f"reverted {refs} on {g.root}: overlay removed; {g.go_binary} changed since apply (Go updated or "
                    "reinstalled?) and is not patcher's: left as it is, patcher's record of it forgotten")
        bin_rec = data.file(g.go_binary_rel)
        if bin_rec and sha256_file_or_none(g.go_binary) != bin_rec.pre_sha256:
            raise Refused(f"{g.go_binary}: does not have the original sha256 after revert")  # pragma: no cover
        return f"reverted {refs} on {g.root}: original {g.go_binary} restored, overlay removed"

    # -- status ----------------------------------------------------------
    RESTORE_ADVICE = "without that record the original go binary cannot be restored from here (or reinstall Go)"

    def release(self) -> str | None:
        return self.goroot.version

    def unsupported(self, patch: Patch) -> str | None:
        return unsupported_reason(self.goroot, patch.ref, patch.manifest.releases)

    def _report_extra(self, tdir: Path, data: JournalData | None) -> dict:
        return {"overlay": str(tdir / data.overlay) if data and data.overlay else None}

    def _file_entries(self, tdir: Path, data: JournalData) -> list[dict]:
        g, entries = self.goroot, []
        for f in data.files:
            if f.role == Role.INPLACE:
                actual, expected = sha256_file_or_none(g.path(f.path)), f.post_sha256
            elif f.role == Role.OVERLAY:
                actual, expected = sha256_file_or_none(g.path(f.path)), f.pre_sha256
            else:
                actual, expected = sha256_file_or_none(tdir / f.overlay_copy), f.post_sha256
            entry = {"path": f.path, "role": f.role, "expected_sha256": expected, "actual_sha256": actual, "patches": f.patches}
            if f.role == Role.OVERLAY:
                entry.update(overlay_copy=str(tdir / f.overlay_copy), overlay_expected_sha256=f.post_sha256,
                             overlay_actual_sha256=sha256_file_or_none(tdir / f.overlay_copy))
            entries.append(entry)
        return entries

    def _patch_state(self, tdir: Path, data: JournalData, ref: str, file_state: dict) -> tuple[str, str]:
        g = self.goroot
        for f in data.files:
            e = file_state[f.path]
            if f.role == Role.OVERLAY and ref in f.patches and e["actual_sha256"] != f.pre_sha256:
                return "drifted", f"{g.label(f.path)} changed since apply (Go updated or edited?): run apply again"
        b = file_state.get(g.go_binary_rel)
        if b and b["actual_sha256"] != b["expected_sha256"]:
            rec = data.file(g.go_binary_rel)
            if b["actual_sha256"] == rec.pre_sha256:
                return "not applied", f"{g.go_binary} is the original again"
            return "drifted", f"{g.go_binary} was replaced since apply (Go reinstalled?): run apply again"
        for f in data.files:
            if ref not in f.patches:
                continue
            e = file_state[f.path]
            copy_actual = e.get("overlay_actual_sha256", e["actual_sha256"]) if f.role != Role.INPLACE else None
            if f.role in (Role.OVERLAY, Role.ADDED) and copy_actual != f.post_sha256:
                return "broken", f"overlay copy of {f.path} is missing or changed: run `patcher rebuild`"
        return "applied", ""

    # -- rebuild ---------------------------------------------------------
    def rebuild(self, catalog: Catalog) -> str:
        from patcher.targets.go.rebuild import rebuild

        return rebuild(self, self.goroot, self.progress, catalog)
