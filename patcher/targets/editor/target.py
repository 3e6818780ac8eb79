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
from typing import TYPE_CHECKING

from patcher.catalog.catalog import Patch
from patcher.errors import NotApplicable, PatcherError, Refused, UsageError
from patcher.state.atomicio import BackupStore
from patcher.state.journal import JournalData
from patcher.state.treepaths import inside
from patcher.targets.editor import bundles, checksums, nodepty
from patcher.targets.editor.locate import editor_executables, find_app
from patcher.targets.editor.roles import CASE_PATHS
from patcher.targets.inplace import InPlaceTarget, Plan, Say

if TYPE_CHECKING:  # the engine (tree-sitter) is imported only by the commands that patch
    from patcher.engine.apply import FileResult

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


def _describe(tree) -> dict:
    """What the editor needs to know of a patched file's final tree (kept in the engine's cache)."""
    return {"kind": bundles.module_kind(tree)}


class CursorTarget(InPlaceTarget):
    KIND = "cursor"
    NAME = "editor"
    # What the spawn hook and the winpty guard insert (the main bundle, the pty host).
    MARKS = (b"patcher: cursor/spawn-env-hook@", b'process.env.PATCHER_WINPTY!=="0"')
    RESTORE_ADVICE = "reinstall the editor to get the original back"
    # Where each file role sits in a patch's before/after cases (`patcher test`).
    CASE_PATHS = CASE_PATHS

    def __init__(self, cursor_arg: str, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0):
        app, note = find_app(cursor_arg)
        if note:
            say(note)
        super().__init__(app, state_dir, say, lock_wait)
        self.app = app
        self._roles: dict[str, str | NotApplicable] = {}

    def role(self, name: str) -> str:
        """The file a role names (relative to app); NotApplicable (remembered too:
        finding out reads node-pty's files or scans out/) when it has none."""
        if name not in self._roles:
            try:
                self._roles[name] = self._find_role(name)
            except NotApplicable as exc:
                self._roles[name] = exc
        found = self._roles[name]
        if isinstance(found, NotApplicable):
            raise NotApplicable(str(found))
        return found

    def _find_role(self, name: str) -> str:
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
        return inside(self.app, rel)

    def marked_files(self) -> list[str]:
        found = []
        for role in ("@main", "@ptyhost"):
            try:
                found.append(self.role(role))
            except PatcherError:  # no such file here: nothing of ours in it
                continue
        return found

    def compute(self, plan: Plan, patches: list[Patch], prev: JournalData | None, backups: BackupStore | None) -> None:
        from patcher.engine.resultcache import cached_apply

        # Each file goes to node --check (its own process) as soon as it is final,
        # while the engine parses and patches the next one.
        checks: bundles.NodeChecks | None = None

        def check(fr: "FileResult") -> None:
            nonlocal checks
            if checks is None:
                checks = bundles.NodeChecks(self._runtime())
            checks.start(fr.patched, fr.facts["kind"], self.label(fr.path))

        try:
            run = cached_apply(self.state_base / "cache" / "engine", patches,
                               lambda rel: self.original(rel, prev, backups, plan), self.role, self.label,
                               params={"env": plan.env}, describe=_describe, on_final=check)
            plan.skipped = dict(run.result.skipped)
            kinds = {}
            for rel, r in run.result.files.items():
                if r.patched != r.original:
                    plan.desired[rel] = r.patched
                    plan.patched_by[rel] = list(r.patches)
                    kinds[rel] = r.facts["kind"]
            self._plan_product(plan, prev, backups)
        except BaseException:
            if checks is not None:
                checks.close()
            raise
        if checks is not None:
            checks.finish({self.label(rel): plan.originals[rel] for rel in kinds})
        plan.on_commit = run.remember
        plan.summary = [", ".join(f"{rel} ({kind})" for rel, kind in sorted(kinds.items()))] if kinds else []

    def _runtime(self) -> bundles.Runtime | None:
        """What node --check runs with (said in a note unless it is node on PATH)."""
        runtime = bundles.find_runtime(editor_executables(self.app))
        if runtime is None:
            self.say("note: neither the editor's own runtime nor node on PATH was found: only the tree-sitter "
                     "check ran on the patched files (no node --check)")
        elif runtime.env:
            self.say(f"note: node --check with {runtime.what}")
        return runtime

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
            from patcher.engine.apply import apply_patches

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
