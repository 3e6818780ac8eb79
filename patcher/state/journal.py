"""The journal: what `apply` did to one target, persisted before and after.

It is written (atomically) before the first byte of a target changes, with
phase "applying" and, per file, the sha256 before and after and the backup
holding the before bytes; it moves to "applied" once every file is in place.
`revert` marks it "reverting" before restoring.  A run that finds a journal
stuck in "applying" or "reverting" knows a previous run was killed and what
to undo (see transaction.recover).
"""

import json
import time
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

from patcher.errors import Refused
from patcher.state.atomicio import write_atomic

SCHEMA = 1
JOURNAL_NAME = "journal.json"

APPLYING = "applying"
APPLIED = "applied"
REVERTING = "reverting"


class Role(str, Enum):
    """What a recorded file is to its target (stored as its value)."""

    INPLACE = "inplace"  # the file itself is replaced (a bundle file, GOROOT/bin/go)
    OVERLAY = "overlay"  # a source read through the overlay, never changed on disk
    ADDED = "added"  # a file that exists only in the overlay


@dataclass
class FileRecord:
    """One file of the target (path relative to its root, '/' separators)."""

    path: str
    role: Role
    pre_sha256: str | None
    post_sha256: str | None
    backup: str | None = None  # BackupStore digest of the pre bytes
    mode: int | None = None  # permission bits to restore
    overlay_copy: str | None = None  # relative to the target's state dir
    patches: list[str] = field(default_factory=list)


@dataclass
class PatchRecord:
    id: str
    version: int
    content_sha256: str

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass
class JournalData:
    kind: str
    root: str
    phase: str
    release: str | None = None
    patches: list[PatchRecord] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)
    overlay: str | None = None  # overlay.json, relative to the target's state dir
    unverified: str | None = None  # why the target's sources could not be verified (a release without fingerprints)
    options: dict = field(default_factory=dict)  # what the user chose that later applies keep (--env)
    skipped: dict = field(default_factory=dict)  # patch ref -> why it was not applicable
    created_dirs: list = field(default_factory=list)  # folders apply created for new files (revert removes them)
    # Folders that are read-only by design (a toolchain in the module cache), relative to the
    # root, with their permission bits: writable only while files are written in them.
    locked_dirs: dict = field(default_factory=dict)
    txn: dict = field(default_factory=dict)  # the running transaction's own bookkeeping (transaction.py)
    previous: dict | None = None  # the committed journal a re-apply replaces
    schema: int = SCHEMA
    updated: float = 0.0

    def file(self, path: str) -> FileRecord | None:
        return next((f for f in self.files if f.path == path), None)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict) -> "JournalData":
        raw = dict(raw)
        # Journals written before the bookkeeping had fields of its own kept it in options.
        options = dict(raw.get("options", {}))
        raw.setdefault("skipped", options.pop("skipped", {}))
        raw.setdefault("created_dirs", options.pop("created_dirs", []))
        raw.setdefault("txn", {k[4:]: options.pop(k) for k in list(options) if k.startswith("txn_")})
        raw["options"] = options
        raw["patches"] = [PatchRecord(**p) for p in raw.get("patches", [])]
        raw["files"] = [FileRecord(**dict(f, role=Role(f["role"]))) for f in raw.get("files", [])]
        return cls(**raw)


class Journal:
    def __init__(self, state_dir_of_target: Path):
        self.path = Path(state_dir_of_target) / JOURNAL_NAME

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> JournalData | None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, OSError) as exc:
            raise Refused(f"{self.path}: journal is unreadable ({exc}); move it away to start over") from None
        if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
            raise Refused(f"{self.path}: journal has an unknown format (schema {raw.get('schema') if isinstance(raw, dict) else '?'})")
        try:
            return JournalData.from_json(raw)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a field of the wrong kind, an unknown role...
            raise Refused(f"{self.path}: journal is malformed ({exc})") from None

    def save(self, data: JournalData) -> None:
        data.updated = time.time()
        text = json.dumps(data.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomic(self.path, text.encode("utf-8"), mode=0o600)

    def remove(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
