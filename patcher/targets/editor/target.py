"""The Cursor (VS Code-family) editor target.

Patches edit files of resources/app in place (see jsbundle.py and
inplace.py): the main bundle (role @main, named by package.json) and the pty
host (role @ptyhost, found by structure).  product.json checksums of patched
files are kept right.  Editor bundles change with every release, so there is
no list of known hashes: a bundle is accepted when every anchor matches
exactly once and the result passes `node --check` in the bundle's own module
mode, run with the editor's own runtime when the install has one (else node
on PATH, else only the tree-sitter check ran, and a note says so).
"""

import re
from pathlib import Path

from patcher.errors import NotApplicable, Refused, UsageError
from patcher.state.atomicio import BackupStore
from patcher.state.journal import JournalData
from patcher.targets.editor import bundles, checksums, nodepty
from patcher.targets.editor.locate import editor_executables, find_app
from patcher.targets.editor.roles import CASE_PATHS
from patcher.targets.inplace import Plan, Say
from patcher.targets.jsbundle import BundleTarget

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


class CursorTarget(BundleTarget):
    KIND = "cursor"
    OPTION = "--cursor"
    NAME = "editor"
    # What the spawn hook and the winpty guard insert (the main bundle, the pty host).
    MARKS = (b"patcher: cursor/spawn-env-hook@", b'process.env.PATCHER_WINPTY!=="0"')
    MARKED_ROLES = ("@main", "@ptyhost")
    RESTORE_ADVICE = "reinstall the editor to get the original back"
    WRITTEN_LAST = (PRODUCT,)  # its checksums are of the bundles written before it
    # Where each file role sits in a patch's before/after cases (`patcher test`).
    CASE_PATHS = CASE_PATHS

    def __init__(self, cursor_arg: str, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0):
        app, note = find_app(cursor_arg)
        if note:
            say(note)
        super().__init__(app, state_dir, say, lock_wait)
        self.app = app

    def _find_role(self, name: str) -> str:
        if name == "@main":
            return bundles.main_bundle(self.app)
        if name == "@ptyhost":
            return bundles.pty_host(self.app)
        if name == "@ptyhost-with-winpty":
            has, why = nodepty.verdict(self.app)
            if not has:
                raise NotApplicable(f"not applicable: {why}")
            return self.role("@ptyhost")
        raise self.unknown_role(name)

    def runtime_candidates(self) -> list[Path]:
        return editor_executables(self.app)

    def _complete_plan(self, plan: Plan, prev: JournalData | None, backups: BackupStore | None) -> None:
        """product.json checksums of the patched files under out/, where it lists them."""
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
