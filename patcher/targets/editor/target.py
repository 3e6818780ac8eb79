"""The Cursor (VS Code-family) editor target.

Patches edit files of resources/app in place (see inplace.py): the main
bundle (role @main, named by package.json) and the pty host (role @ptyhost,
found by structure).  product.json checksums of patched files are kept
right.  Editor bundles change with every release, so there is no list of
known hashes: a bundle is accepted when every anchor matches exactly once
and the result passes `node --check` in the bundle's own module mode, run
with the editor's own runtime when the install has one (else node on PATH,
else only the tree-sitter check ran, and a note says so).
"""

import dataclasses
import re
from pathlib import Path

from patcher.catalog.catalog import Patch
from patcher.engine.apply import apply_patches
from patcher.errors import NotApplicable, PatcherError, Refused, UsageError
from patcher.state.atomicio import BackupStore
from patcher.state.journal import JournalData
from patcher.state.treepaths import inside
from patcher.targets.editor import bundles, checksums, nodepty
from patcher.targets.editor.locate import editor_executables, find_app
from patcher.targets.editor.roles import CASE_PATHS
from patcher.targets.inplace import InPlaceTarget, Plan, Say

PRODUCT = "product.json"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_env(items: list[str]) -> dict[str, str]:
    """--env NAME=VALUE options as a dict (later ones win)."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not _ENV_NAME.match(name):
            raise UsageError(f"--env {item!r}: expected NAME=VALUE with NAME made of letters, digits and _")
        out[name] = value
    return out


class CursorTarget(InPlaceTarget):
    KIND = "cursor"
    NAME = "editor"
    MARK = b"patcher: cursor/spawn-env-hook@"
    RESTORE_ADVICE = "reinstall the editor to get the original back"
    # Where each file role sits in a patch's before/after cases (`patcher test`).
    CASE_PATHS = CASE_PATHS

    def __init__(self, cursor_arg: str, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0):
        app, note = find_app(cursor_arg)
        if note:
            say(note)
        super().__init__(app, state_dir, say, lock_wait)
        self.app = app
        self._roles: dict[str, str] = {}

    def role(self, name: str) -> str:
        if name not in self._roles:
            if name == "@main":
                rel = bundles.main_bundle(self.app)
            elif name == "@ptyhost":
                rel = bundles.pty_host(self.app)
            elif name == "@ptyhost-with-winpty":
                has, why = nodepty.verdict(self.app)
                if not has:
                    raise NotApplicable(f"not applicable: {why}")
                rel = self.role("@ptyhost")
            elif name.startswith("@"):
                raise Refused(f"unknown file role {name} for a Cursor target")
            else:
                rel = name
            self._roles[name] = inside(self.app, rel)
        return self._roles[name]

    def marked_file(self) -> str | None:
        return self.role("@main")

    def compute(self, plan: Plan, patches: list[Patch], prev: JournalData | None, backups: BackupStore | None) -> None:
        result = apply_patches(patches, lambda rel: self.original(rel, prev, backups, plan), self.role, self.label,
                               params={"env": plan.env})
        plan.skipped = dict(result.skipped)
        kinds = {}
        for rel, r in result.files.items():
            if r.patched != r.original:
                plan.desired[rel] = r.patched
                plan.patched_by[rel] = list(r.patches)
                kinds[rel] = bundles.module_kind(r.tree)
        self._node_check(plan, kinds)
        self._plan_product(plan, prev, backups)
        plan.summary = [", ".join(f"{rel} ({kind})" for rel, kind in sorted(kinds.items()))] if kinds else []

    def _node_check(self, plan: Plan, kinds: dict[str, str]) -> None:
        if not kinds:
            return
        runtime = bundles.find_runtime(editor_executables(self.app))
        if runtime is None:
            self.say("note: neither the editor's own runtime nor node on PATH was found: only the tree-sitter "
                     "check ran on the patched files (no node --check)")
        elif runtime.env:
            self.say(f"note: node --check with {runtime.what}")
        bundles.node_check([(plan.desired[rel], kind, self.label(rel)) for rel, kind in sorted(kinds.items())],
                           {self.label(rel): plan.originals[rel] for rel in kinds}, runtime)

    def unsupported(self, patch: Patch) -> str | None:
        """Why a patch would be "not applicable" here (None: it applies, or apply would say why not).
        Only its file roles and applicability probes are looked at, not its edits."""
        m = patch.manifest
        try:
            for file in m.languages:
                self.role(file)
            if not m.applies_if:
                return None
            files = {m.probes[n].file for n in m.applies_if}
            light = dataclasses.replace(m, edits=(), adds=(), languages={f: m.languages[f] for f in files})
            result = apply_patches([dataclasses.replace(patch, manifest=light)], self.read, self.role, self.label)
        except NotApplicable as exc:
            return str(exc)
        except PatcherError:
            return None
        return result.skipped.get(m.ref)

    def _plan_product(self, plan: Plan, prev: JournalData | None, backups: BackupStore | None) -> None:
        if not self.path(PRODUCT).is_file():
            return
        under_out = {rel[len("out/"):]: data for rel, data in plan.desired.items() if rel.startswith("out/")}
        if not under_out:
            return
        original = self.original(PRODUCT, prev, backups, plan)
        listed = checksums.listed(original, self.label(PRODUCT))
        if any(rel in listed for rel in under_out):
            plan.desired[PRODUCT] = checksums.update(original, under_out, self.label(PRODUCT))
            plan.patched_by[PRODUCT] = sorted({ref for rel in under_out if rel in listed
                                               for ref in plan.patched_by.get("out/" + rel, [])})

    def check_writable(self, rels: list[str], force: bool) -> None:
        posix = self.app.as_posix()
        if ".app/Contents/Resources/app" in posix and not force:
            raise Refused(f"{self.app}: inside a signed macOS app bundle; changing it breaks the code signature and macOS may "
                          "refuse to start the editor. Copy the app to a folder you own and re-sign it "
                          "(codesign --force --deep --sign - Cursor.app), or pass --force")
        try:
            super().check_writable(rels, force)
        except Refused as exc:
            hint = ("; an AppImage is read-only: extract it (--appimage-extract) and patch squashfs-root/resources/app"
                    if "/.mount_" in posix else "")
            raise Refused(f"{exc}{hint}") from None
