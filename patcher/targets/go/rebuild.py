"""`patcher rebuild`: build GOROOT/bin/go again from the overlay an apply
recorded (after the build cache was cleared, or with the state directory
copied to another machine with the same release).  The sources must be the
ones apply patched and bin/go the one it installed (or the original); lost
overlay copies are recreated from the same patch versions, byte for byte.
"""

import shutil
from typing import TYPE_CHECKING

from patcher.catalog.catalog import Catalog
from patcher.errors import Refused
from patcher.state import transaction
from patcher.state.atomicio import make_private_dir
from patcher.state.hashing import sha256_bytes, sha256_file_or_none
from patcher.state.journal import APPLIED, FileRecord, JournalData, Role
from patcher.targets.go import build as gobuild
from patcher.targets.go.overlay import Overlay
from patcher.targets.go.plan import make_plan

if TYPE_CHECKING:
    from patcher.targets.go.target import GoTarget


def rebuild(target: "GoTarget", catalog: Catalog) -> str:
    """Build bin/go again from the recorded overlay, self-test it and install it (journaled)."""
    g = target.goroot
    tdir, journal, backups = target._open_state()
    with target.lock():
        target._recover(journal, backups)
        data = journal.load()
        if data is None:
            raise Refused(f"{g.root}: nothing applied (no journal in {journal.path.parent}); run `patcher apply --go-src {g.root}` first")
        for f in data.files:
            if f.role == Role.OVERLAY and sha256_file_or_none(g.path(f.path)) != f.pre_sha256:
                raise Refused(f"{g.label(f.path)}: changed since apply (Go updated?); run `patcher apply` again instead")
        bin_rec = data.file(g.go_binary_rel)
        bin_now = sha256_file_or_none(g.go_binary)
        if bin_now not in (bin_rec.post_sha256, bin_rec.pre_sha256):
            raise Refused(f"{g.go_binary}: replaced since apply (Go reinstalled?); run `patcher apply` again instead")
        expected = target._copies(data)
        ov = target._overlay(tdir)
        if ov.verify(expected):
            _regenerate_overlay(target, ov, data, catalog, expected)
        overlay_json = ov.refresh_json(sorted(expected))
        build_dir = make_private_dir(tdir / "build")
        built = build_dir / g.exe_name
        try:
            seconds = gobuild.build_go(g.root, overlay_json, built, target.progress)
            new_bytes = built.read_bytes()
            new_hash = sha256_bytes(new_bytes)
            if bin_now == new_hash:
                return f"rebuilt go in {seconds:.0f}s: identical to the installed {g.go_binary} (sha256 {new_hash[:12]}…)"
            proof = target._self_test(built, build_dir, [p.id for p in data.patches], data.unverified)
            rec = FileRecord(bin_rec.path, Role.INPLACE, bin_rec.pre_sha256, new_hash, backup=bin_rec.backup,
                             patches=bin_rec.patches)
            files = [rec] + [f for f in data.files if f.path != bin_rec.path]
            new = JournalData(kind=target.KIND, root=str(g.root), phase=APPLIED, release=data.release, patches=data.patches,
                              files=files, overlay=data.overlay, unverified=data.unverified, previous=data.to_json())
            transaction.commit(g.root, backups, journal, new, [(rec, new_bytes)])
            return f"rebuilt go in {seconds:.0f}s, {proof}, and installed it as {g.go_binary} (sha256 {new_hash[:12]}…)"
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)


def _regenerate_overlay(target: "GoTarget", ov: Overlay, data: JournalData, catalog: Catalog, expected: dict[str, str]) -> None:
    """Recreate lost overlay copies from the same patches (their content hashes must match)."""
    patches = []
    for rec in data.patches:
        p = catalog.get(rec.ref)
        if p.content_sha256 != rec.content_sha256:
            raise Refused(f"{ov.live}: overlay copies are missing and {rec.ref} changed since apply; run `patcher apply` again")
        patches.append(p)
    plan = make_plan(target.goroot, patches, force=True)
    files = plan.overlay_files()
    if {rel: sha256_bytes(b) for rel, b in files.items()} != expected:
        raise Refused(f"{ov.live}: cannot recreate the overlay exactly; run `patcher apply` again")
    ov.stage(files)
    ov.commit()
    target.say(f"note: recreated the overlay in {ov.live}")
