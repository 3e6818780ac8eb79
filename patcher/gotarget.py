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

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from patcher import overlay, transaction
from patcher.atomicio import BackupStore, ensure_writable_dir, make_private_dir
from patcher.catalog import Catalog, Patch
from patcher.diffs import unified
from patcher.engine import EngineResult, apply_patches
from patcher.errors import Refused
from patcher.gobuild import build_go
from patcher.goroot import GoRoot, check_supported, open_goroot, verify_fingerprint
from patcher.hashing import sha256_bytes, sha256_file_or_none
from patcher.journal import APPLIED, FileRecord, Journal, JournalData, PatchRecord
from patcher.runner import Prepared
from patcher.targetbase import Say, TargetBase
from patcher.treepaths import inside

KIND = "go"
# Every file our Go patches add is named patcher_*.go in cmd/go; with
# -trimpath its path is still recorded in the binary, which tells a patched
# go command from an original one even when the journal is gone.
PATCHED_BINARY_MARK = b"cmd/go/internal/test/patcher_"


@dataclass
class Plan:
    goroot: GoRoot
    patches: list[Patch]
    result: EngineResult
    source_hashes: dict[str, str] = field(default_factory=dict)

    def overlay_files(self) -> dict[str, bytes]:
        files = {rel: r.patched for rel, r in self.result.files.items()}
        files.update({rel: a.data for rel, a in self.result.added.items()})
        return files

    def diff(self) -> str:
        parts = [unified(rel, r.original, r.patched) for rel, r in sorted(self.result.files.items())]
        parts += [unified(rel, None, a.data) for rel, a in sorted(self.result.added.items())]
        return "".join(parts)


def make_plan(goroot: GoRoot, patches: list[Patch], force: bool) -> Plan:
    if not patches:
        raise Refused("no Go patch selected")
    check_supported(goroot, [(p.ref, p.manifest.releases) for p in patches])
    hashes: dict[str, str] = {}

    def read(rel: str) -> bytes:
        inside(goroot.root, rel)
        try:
            data = goroot.path(rel).read_bytes()
        except FileNotFoundError:
            raise Refused(f"{goroot.label(rel)}: missing (incomplete GOROOT?)") from None
        except OSError as exc:
            raise Refused(f"{goroot.label(rel)}: cannot read ({exc.strerror})") from None
        hashes[rel] = verify_fingerprint(goroot, rel, data, force)
        return data

    result = apply_patches(patches, read, lambda f: f, goroot.label)
    for rel in result.added:
        if goroot.path(rel).exists():
            raise Refused(f"{goroot.label(rel)}: already exists; the patch would add a file by that name")
    return Plan(goroot, patches, result, hashes)


def is_patched_binary(path: Path) -> bool:
    try:
        return PATCHED_BINARY_MARK in path.read_bytes()
    except OSError:
        return False


class GoTarget(TargetBase):
    KIND = KIND
    NAME = "GOROOT"

    def __init__(self, go_src, state_dir: Path, say: Say = lambda s: None, progress=None, lock_wait: float = 0.0):
        self.goroot = open_goroot(go_src)
        super().__init__(self.goroot.root, state_dir, say, lock_wait)
        self.progress = progress

    # -- state -----------------------------------------------------------
    def _recover(self, journal: Journal, backups: BackupStore) -> None:
        super()._recover(journal, backups)
        tdir = journal.path.parent
        data = journal.load()
        if data is None:
            overlay.remove_overlay(tdir)
            return
        # A run killed between swapping the overlay and committing the journal
        # leaves the previous overlay as overlay.old: put it back.
        expected = {f.path: f.post_sha256 for f in data.files if f.role in ("overlay", "added")}
        old = tdir / (overlay.OVERLAY_DIR + ".old")
        if overlay.verify_copies(tdir, expected) and old.exists():
            live = tdir / overlay.OVERLAY_DIR
            if live.exists():
                shutil.rmtree(live)
            old.rename(live)
        for name in (overlay.OVERLAY_DIR + ".old", overlay.OVERLAY_DIR + ".new", "build"):
            if (tdir / name).exists():
                shutil.rmtree(tdir / name)

    # -- apply -----------------------------------------------------------
    def dry_run(self, patches: list[Patch], force: bool, env: dict | None = None) -> str:
        return make_plan(self.goroot, patches, force).diff()

    def prepare(self) -> Prepared:
        """Everything up to the new bin/go, built and waiting; GOROOT untouched.
        Expects the lock to be held."""
        g, patches, force = self.goroot, self._patches, self._force
        tdir, journal, backups = self._open_state()
        self._recover(journal, backups)
        prev = journal.load()
        plan = make_plan(g, patches, force)
        bin_rel = g.go_binary_rel
        bin_now = sha256_file_or_none(g.go_binary)
        prev_bin = prev.file(bin_rel) if prev else None
        if prev and prev_bin and bin_now == prev_bin.post_sha256:
            original, original_backup = prev_bin.pre_sha256, prev_bin.backup
        else:
            if prev:
                self.say(f"note: {g.go_binary} is not the binary patcher installed (Go reinstalled or updated?); starting over from it")
                prev = None
            if is_patched_binary(g.go_binary):
                raise Refused(f"{g.go_binary}: is already a patched go command but {journal.path} has no record of it "
                              "(state directory deleted, or another --state-dir?); reinstall Go or use the state directory of that apply")
            original, original_backup = bin_now, None

        refs = [PatchRecord(p.manifest.id, p.manifest.version, p.content_sha256) for p in patches]
        if prev and prev.patches == refs and all(
                (f.role != "overlay" or plan.source_hashes.get(f.path) == f.pre_sha256) for f in prev.files) \
                and not overlay.verify_copies(tdir, {f.path: f.post_sha256 for f in prev.files if f.role in ("overlay", "added")}):
            return Prepared(g.root, backups, journal, None, [], f"already applied to {g.root}: {', '.join(r.ref for r in refs)}")

        if inside(g.root, bin_rel) != bin_rel:
            raise Refused(f"{g.go_binary}: is a symbolic link; patcher replaces only a real bin/{g.exe_name} inside the GOROOT")
        ensure_writable_dir(g.go_binary.parent)
        overlay_json = self._stage_overlay(tdir, plan)
        build_dir = make_private_dir(tdir / "build")
        built = build_dir / g.exe_name

        def on_abort():
            self._unstage_overlay(tdir, restore_previous=prev is not None)
            shutil.rmtree(build_dir, ignore_errors=True)

        def on_commit():
            self._finish_overlay(tdir)
            shutil.rmtree(build_dir, ignore_errors=True)

        try:
            seconds = build_go(g.root, overlay_json, built, self.progress)
            new_bytes = built.read_bytes()
        except BaseException:
            on_abort()
            raise
        files = [FileRecord(bin_rel, "inplace", original, sha256_bytes(new_bytes), backup=original_backup,
                            patches=[p.ref for p in patches])]
        for rel, r in sorted(plan.result.files.items()):
            files.append(FileRecord(rel, "overlay", plan.source_hashes[rel], sha256_bytes(r.patched),
                                    overlay_copy=overlay.copy_rel(rel), patches=list(r.patches)))
        for rel, a in sorted(plan.result.added.items()):
            files.append(FileRecord(rel, "added", None, sha256_bytes(a.data), overlay_copy=overlay.copy_rel(rel),
                                    patches=list(a.patches)))
        data = JournalData(kind=KIND, root=str(g.root), phase=APPLIED, release=g.version, patches=refs, files=files,
                           overlay=f"{overlay.OVERLAY_DIR}/{overlay.OVERLAY_JSON}",
                           previous=prev.to_json() if prev else None)
        message = (f"applied {', '.join(r.ref for r in refs)} to {g.root} ({g.version}); "
                   f"go rebuilt in {seconds:.0f}s and installed as {g.go_binary}; overlay: {overlay_json}")
        return Prepared(g.root, backups, journal, data, [(files[0], new_bytes)], message, on_commit, on_abort)

    def _stage_overlay(self, tdir: Path, plan: Plan) -> Path:
        """Swap the new overlay in (the old one kept as overlay.old until commit)."""
        live, old = tdir / overlay.OVERLAY_DIR, tdir / (overlay.OVERLAY_DIR + ".old")
        if old.exists():
            shutil.rmtree(old)
        if live.exists():
            live.rename(old)
        return overlay.write_overlay(self.goroot.root, tdir, plan.overlay_files())

    def _unstage_overlay(self, tdir: Path, restore_previous: bool) -> None:
        live, old = tdir / overlay.OVERLAY_DIR, tdir / (overlay.OVERLAY_DIR + ".old")
        if live.exists():
            shutil.rmtree(live)
        if restore_previous and old.exists():
            old.rename(live)

    def _finish_overlay(self, tdir: Path) -> None:
        old = tdir / (overlay.OVERLAY_DIR + ".old")
        if old.exists():
            shutil.rmtree(old)

    # -- revert ----------------------------------------------------------
    def _revert(self, data: JournalData, journal: Journal, backups: BackupStore, force: bool) -> str:
        g = self.goroot
        transaction.revert(g.root, backups, journal, data, force)
        overlay.remove_overlay(journal.path.parent)
        shutil.rmtree(backups.directory, ignore_errors=True)
        bin_rec = data.file(g.go_binary_rel)
        if bin_rec and sha256_file_or_none(g.go_binary) != bin_rec.pre_sha256:
            raise Refused(f"{g.go_binary}: does not have the original sha256 after revert")  # pragma: no cover
        return f"reverted {', '.join(p.ref for p in data.patches)} on {g.root}: original {g.go_binary} restored, overlay removed"

    def _nothing_to_revert(self, journal_path: Path) -> str:
        if is_patched_binary(self.goroot.go_binary):
            raise Refused(f"{self.goroot.go_binary}: is a patched go command but {journal_path} has no record of it "
                          "(state directory deleted, or another --state-dir?); the original binary cannot be restored from here: reinstall Go")
        return super()._nothing_to_revert(journal_path)

    # -- status ----------------------------------------------------------
    def status(self, catalog: Catalog) -> dict:
        g = self.goroot
        tdir, journal, data = self._recorded()
        report = {"schema": 1, "target": KIND, "root": str(g.root), "release": g.version, "journal": str(journal.path) if data else None,
                  "overlay": str(tdir / data.overlay) if data and data.overlay else None, "patches": [], "files": []}
        file_state = {}
        if data:
            for f in data.files:
                if f.role == "inplace":
                    actual = sha256_file_or_none(g.path(f.path))
                    expected = f.post_sha256
                elif f.role == "overlay":
                    actual = sha256_file_or_none(g.path(f.path))
                    expected = f.pre_sha256
                else:
                    actual = sha256_file_or_none(tdir / f.overlay_copy)
                    expected = f.post_sha256
                entry = {"path": f.path, "role": f.role, "expected_sha256": expected, "actual_sha256": actual,
                         "patches": f.patches}
                if f.role == "overlay":
                    copy = sha256_file_or_none(tdir / f.overlay_copy)
                    entry.update(overlay_copy=str(tdir / f.overlay_copy), overlay_expected_sha256=f.post_sha256,
                                 overlay_actual_sha256=copy)
                report["files"].append(entry)
                file_state[f.path] = entry
        applied_refs = {p.ref: p for p in data.patches} if data else {}
        refs = sorted(set(applied_refs) | {p.ref for p in catalog.for_target(KIND)})
        for ref in refs:
            rec = applied_refs.get(ref)
            state, reason = "not applied", ""
            if rec and self.interrupted(data):
                state, reason = "broken", self.interrupted(data)
            elif rec:
                state, reason = self._patch_state(data, ref, file_state)
            report["patches"].append({"ref": ref, "id": ref.split("@")[0], "version": int(ref.split("@")[1]),
                                      "state": state, "reason": reason,
                                      "content_sha256": rec.content_sha256 if rec else None})
        return report

    def _patch_state(self, data: JournalData, ref: str, file_state: dict) -> tuple[str, str]:
        g = self.goroot
        for f in data.files:
            e = file_state[f.path]
            if f.role == "overlay" and ref in f.patches and e["actual_sha256"] != f.pre_sha256:
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
            copy_actual = e.get("overlay_actual_sha256", e["actual_sha256"]) if f.role != "inplace" else None
            if f.role in ("overlay", "added") and copy_actual != f.post_sha256:
                return "broken", f"overlay copy of {f.path} is missing or changed: run `patcher rebuild`"
        return "applied", ""

    # -- rebuild ---------------------------------------------------------
    def rebuild(self, catalog: Catalog) -> str:
        g = self.goroot
        tdir, journal, backups = self._open_state()
        with self.lock():
            self._recover(journal, backups)
            data = journal.load()
            if data is None:
                raise Refused(f"{g.root}: nothing applied (no journal in {journal.path.parent}); run `patcher apply --go-src {g.root}` first")
            for f in data.files:
                if f.role == "overlay" and sha256_file_or_none(g.path(f.path)) != f.pre_sha256:
                    raise Refused(f"{g.label(f.path)}: changed since apply (Go updated?); run `patcher apply` again instead")
            expected = {f.path: f.post_sha256 for f in data.files if f.role in ("overlay", "added")}
            if overlay.verify_copies(tdir, expected):
                self._regenerate_overlay(tdir, data, catalog, expected)
            overlay_json = overlay.refresh_json(g.root, tdir, sorted(expected))
            build_dir = make_private_dir(tdir / "build")
            built = build_dir / g.exe_name
            seconds = build_go(g.root, overlay_json, built, self.progress)
            new_bytes = built.read_bytes()
            new_hash = sha256_bytes(new_bytes)
            bin_rec = data.file(g.go_binary_rel)
            bin_now = sha256_file_or_none(g.go_binary)
            try:
                if bin_now == new_hash:
                    return f"rebuilt go in {seconds:.0f}s: identical to the installed {g.go_binary} (sha256 {new_hash[:12]}…)"
                if bin_now not in (bin_rec.post_sha256, bin_rec.pre_sha256):
                    raise Refused(f"{g.go_binary}: replaced since apply (Go reinstalled?); run `patcher apply` again instead")
                rec = FileRecord(bin_rec.path, "inplace", bin_rec.pre_sha256, new_hash, backup=bin_rec.backup,
                                 patches=bin_rec.patches)
                files = [rec] + [f for f in data.files if f.path != bin_rec.path]
                new = JournalData(kind=KIND, root=str(g.root), phase=APPLIED, release=data.release, patches=data.patches,
                                  files=files, overlay=data.overlay, previous=data.to_json())
                transaction.commit(g.root, backups, journal, new, [(rec, new_bytes)])
                return f"rebuilt go in {seconds:.0f}s and installed it as {g.go_binary} (sha256 {new_hash[:12]}…)"
            finally:
                shutil.rmtree(build_dir, ignore_errors=True)

    def _regenerate_overlay(self, tdir: Path, data: JournalData, catalog: Catalog, expected: dict[str, str]) -> None:
        """Recreate lost overlay copies from the same patches (their content hashes must match)."""
        patches = []
        for rec in data.patches:
            p = catalog.get(rec.ref)
            if p.content_sha256 != rec.content_sha256:
                raise Refused(f"{tdir / overlay.OVERLAY_DIR}: overlay copies are missing and {rec.ref} changed since apply; run `patcher apply` again")
            patches.append(p)
        plan = make_plan(self.goroot, patches, force=True)
        files = plan.overlay_files()
        if {rel: sha256_bytes(b) for rel, b in files.items()} != expected:
            raise Refused(f"{tdir / overlay.OVERLAY_DIR}: cannot recreate the overlay exactly; run `patcher apply` again")
        overlay.write_overlay(self.goroot.root, tdir, files)
        self.say(f"note: recreated the overlay in {tdir / overlay.OVERLAY_DIR}")
