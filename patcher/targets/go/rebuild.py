"""`patcher rebuild`: build GOROOT/bin/go again from the overlay an apply
recorded (after the build cache was cleared, or with the state directory
copied to another machine with the same release).  The sources must be the
ones apply patched and bin/go the one it installed (or the original); lost
overlay copies are recreated from the same patch versions, byte for byte.
"""

from patcher.catalog.catalog import Catalog
from patcher.errors import Refused
from patcher.state import transaction
from patcher.state.hashing import sha256_bytes, sha256_file_or_none
from patcher.state.journal import FileRecord, JournalData, Role
from patcher.targets.base import Say, TargetBase
from patcher.targets.go.goroot import GoRoot
from patcher.targets.go.plan import make_plan
from patcher.targets.go.workspace import Workspace, committed_copies


def rebuild(target: TargetBase, goroot: GoRoot, progress, catalog: Catalog) -> str:
    """Build bin/go again from the recorded overlay, self-test it and install it
    (journaled).  `target`: the GOROOT's target, whose lock, state and journal
    this uses."""
    g = goroot
    with target.lock():
        state = target.open_state()
        data = state.data
        if data is None:
            raise Refused(f"{g.root}: nothing applied (no journal in {state.dir}); run `patcher apply --go-src {g.root}` first")
        for f in data.files:
            if f.role == Role.OVERLAY and sha256_file_or_none(g.path(f.path)) != f.pre_sha256:
                raise Refused(f"{g.label(f.path)}: changed since apply (Go updated?); run `patcher apply` again instead")
        bin_rec = data.file(g.go_binary_rel)
        bin_now = sha256_file_or_none(g.go_binary)
        if bin_now not in (bin_rec.post_sha256, bin_rec.pre_sha256):
            raise Refused(f"{g.go_binary}: replaced since apply (Go reinstalled?); run `patcher apply` again instead")
        expected = committed_copies(data)
        work = Workspace(g, state.dir, progress)
        if work.overlay.verify(expected):
            _regenerate_overlay(work, data, catalog, expected, target.say)
        overlay_json = work.overlay.refresh_json(sorted(expected))
        try:
            built = work.build(overlay_json)
            new_hash = sha256_bytes(built.data)
            if bin_now == new_hash:
                return f"rebuilt go in {built.seconds:.0f}s: identical to the installed {g.go_binary} (sha256 {new_hash[:12]}…)"
            proof = work.self_test(built, [p.id for p in data.patches], data.unverified)
            rec = FileRecord(bin_rec.path, Role.INPLACE, bin_rec.pre_sha256, new_hash, backup=bin_rec.backup,
                             patches=bin_rec.patches)
            files = [rec] + [f for f in data.files if f.path != bin_rec.path]
            new = target.applied_journal(data.patches, files, data, release=data.release, overlay=data.overlay,
                                         unverified=data.unverified, locked_dirs=data.locked_dirs)
            transaction.commit(g.root, state.backups, state.journal, new, [(rec, built.data)])
            return f"rebuilt go in {built.seconds:.0f}s, {proof}, and installed it as {g.go_binary} (sha256 {new_hash[:12]}…)"
        finally:
            work.remove_build()


def _regenerate_overlay(work: Workspace, data: JournalData, catalog: Catalog, expected: dict[str, str],
                        say: Say) -> None:
    """Recreate lost overlay copies from the same patches (their content hashes must match)."""
    ov = work.overlay
    patches = []
    for rec in data.patches:
        p = catalog.get(rec.ref)
        if p.content_sha256 != rec.content_sha256:
            raise Refused(f"{ov.live}: overlay copies are missing and {rec.ref} changed since apply; run `patcher apply` again")
        patches.append(p)
    plan = make_plan(work.goroot, patches, force=True)
    files = plan.overlay_files()
    if {rel: sha256_bytes(b) for rel, b in files.items()} != expected:
        raise Refused(f"{ov.live}: cannot recreate the overlay exactly; run `patcher apply` again")
    ov.stage(files)
    ov.commit()
    say(f"note: recreated the overlay in {ov.live}")
