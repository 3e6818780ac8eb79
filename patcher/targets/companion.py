"""An editor's extensions folder as a target: the companion extension of
`patcher keep` (patches of kind "companion").

A companion patch is an extension's files (manifest `extension_dir`).  They
are installed the way the editor's own `--install-extension` does it: in the
folder `<publisher>.<name>-<version>` (created, and removed again by revert
with any folder apply had to create), plus the extension's entry in the
folder's extensions.json where the editor keeps one (targets/extensionsjson.py
adds it without touching the rest).  Beside the files goes keep.json: what
the companion runs (the exact patcher) and with which state directory.

Revert is byte for byte, with one exception the editor forces: it rewrites
extensions.json whenever any extension is installed or updated, keeping our
entry.  Such a file is the editor's now; revert then takes out only our
entry, and leaves every other byte as the editor wrote it.
"""

import dataclasses
import json
from pathlib import Path, PurePath, PurePosixPath

from patcher.catalog.catalog import Patch
from patcher.errors import Refused, UsageError
from patcher.state import transaction
from patcher.state.atomicio import BackupStore, write_atomic
from patcher.state.hashing import sha256_file_or_none
from patcher.state.journal import JournalData
from patcher.targets import extensionsjson
from patcher.targets.base import TargetState
from patcher.targets.inplace import InPlaceTarget, Plan, Say

SETTINGS = "keep.json"  # beside the extension's own files: what it runs


def identity(patch: Patch) -> tuple[str, str]:
    """The extension's id (publisher.name) and its folder name, from its package.json."""
    files = dict(patch.manifest.extension)
    try:
        pkg = json.loads(files["package.json"].decode("utf-8"))
        ext_id, version = f"{pkg['publisher']}.{pkg['name']}", pkg["version"]
    except (KeyError, ValueError, TypeError) as exc:
        raise Refused(f"{patch.directory}: the extension's package.json names no publisher, name and version ({exc})") from None
    return ext_id, f"{ext_id}-{version}"


def entry(patch: Patch, folder: PurePath, installed_ms: int) -> dict:
    """The extension's extensions.json entry, as --install-extension writes one."""
    ext_id, name = identity(patch)
    version = name.rsplit("-", 1)[1]
    return {"identifier": {"id": ext_id}, "version": version, "location": extensionsjson.file_location(folder / name),
            "relativeLocation": name,
            "metadata": {"installedTimestamp": installed_ms, "pinned": True, "source": "vsix"}}


def install_files(patch: Patch, folder: PurePath, extensions_json: bytes | None, settings: dict, label: str) -> dict[str, bytes]:
    """Every file the companion adds or changes in `folder` (relative path -> bytes)."""
    ext_id, name = identity(patch)
    out = {f"{name}/{rel}": data for rel, data in patch.manifest.extension}
    out[f"{name}/{SETTINGS}"] = (json.dumps(settings, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if extensions_json is not None:
        # (an entry of ours already there, from an earlier keep, is replaced, not doubled)
        mine = entry(patch, folder, settings["installedTimestamp"])
        out[extensionsjson.NAME] = extensionsjson.with_entry(extensionsjson.without_entry(extensions_json, ext_id, label),
                                                             mine, label)
    return out


class CompanionTarget(InPlaceTarget):
    KIND = "companion"
    NAME = "companion extension in"
    USES_ENV = False
    RESTORE_ADVICE = "uninstall the extension patcher.patcher-keep in the editor"
    # The folder before its entry: an editor starting in between must not find an entry without its
    # folder, nor a folder without an entry (which it marks obsolete).
    WRITTEN_LAST = (extensionsjson.NAME,)

    def __init__(self, arg: str, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0,
                 settings: dict | None = None):
        if not arg:
            raise UsageError("missing the extensions folder of the companion")
        super().__init__(Path(arg).expanduser().absolute(), state_dir, say, lock_wait)
        self.settings = settings  # keep.json's content: given by `patcher keep`, needed only to apply

    @classmethod
    def case_files(cls, patch: Patch, before: Path, settings: dict) -> tuple[dict[str, tuple[bytes | None, bytes]], dict[str, bytes]]:
        """A patch's own case: what it makes of the extensions folder `before` (rel -> (old, new)), and
        the extension's own files among them (rel -> bytes), which it adds as they are."""
        current = before / extensionsjson.NAME
        original = current.read_bytes() if current.exists() else None
        files = install_files(patch, PurePosixPath("/extensions"), original, settings, extensionsjson.NAME)
        name = identity(patch)[1]
        return ({rel: ((before / rel).read_bytes() if (before / rel).exists() else None, data) for rel, data in files.items()},
                {f"{name}/{rel}": data for rel, data in patch.manifest.extension})

    def compute(self, plan: Plan, patches: list[Patch], prev: JournalData | None, backups: BackupStore | None) -> None:
        if len(patches) != 1 or self.settings is None:
            raise Refused(f"{self.root}: a companion is installed by `patcher keep`, one at a time")
        (patch,) = patches
        current = self.original(extensionsjson.NAME, prev, backups, plan, missing_ok=True)
        files = install_files(patch, self.root, current, self.settings, self.label(extensionsjson.NAME))
        for rel, data in files.items():
            if rel != extensionsjson.NAME:
                self.original(rel, prev, backups, plan, missing_ok=True)
            plan.desired[rel] = data
            plan.patched_by[rel] = [patch.ref]
        name = identity(patch)[1]
        plan.summary = [f"{name}" + (f", listed in {extensionsjson.NAME}" if extensionsjson.NAME in files else "")]

    def _revert(self, state: TargetState, force: bool) -> str:
        data = state.data
        own_id = self._own_id(data)
        rec = data.file(extensionsjson.NAME)
        path = self.path(extensionsjson.NAME)
        actual = sha256_file_or_none(path)
        if rec is not None and actual not in (rec.post_sha256, rec.pre_sha256):
            # Rewritten by the editor since: take out our entry only, then forget the file
            # (a run killed in between finds no entry of ours left, and only forgets).  Not
            # before the other files are known to be revertible: a refusal changes nothing.
            transaction.revertible(self.root, state.backups,
                                   dataclasses.replace(data, files=[f for f in data.files if f.path != extensionsjson.NAME]), force)
            self._drop_entry(own_id)
            data.files = [f for f in data.files if f.path != extensionsjson.NAME]
            state.journal.save(data)
        message = super()._revert(state, force)
        # What revert put back may hold our entry too: the editor had rewritten the file, keeping
        # it, before a later `keep` (whose "original" that was).  With the folder gone it must go.
        self._drop_entry(own_id)
        return message

    def _drop_entry(self, ext_id: str) -> None:
        path = self.path(extensionsjson.NAME)
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            return
        new = extensionsjson.without_entry(current, ext_id, str(path))
        if new != current:
            write_atomic(path, new)

    @staticmethod
    def _own_id(data: JournalData) -> str:
        """The extension id this record installed (from the name of its folder)."""
        folder = next(f.path.split("/")[0] for f in data.files if "/" in f.path)
        return folder.rsplit("-", 1)[0].lower()
