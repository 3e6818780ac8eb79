"""Where patcher keeps journals, backups and overlays: a per-user directory.

Order: --state-dir, then $PATCHER_STATE_DIR, then the platform's per-user
state location (%LOCALAPPDATA%\\patcher on Windows, ~/Library/Application
Support/patcher on macOS, $XDG_STATE_HOME/patcher or ~/.local/state/patcher
elsewhere).  Never inside a target: a GOROOT or an editor install can be
replaced by an update, and the state must survive that to revert or report.
"""

import hashlib
import os
import sys
from pathlib import Path

from patcher.atomicio import make_private_dir

ENV_STATE_DIR = "PATCHER_STATE_DIR"


def default_state_dir() -> Path:
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "patcher"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "patcher"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "patcher"


def resolve_state_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get(ENV_STATE_DIR)
    if env:
        return Path(env).expanduser().absolute()
    return default_state_dir()


def canonical_root(root: Path) -> str:
    """The form of a target path used as its identity (case-folded on Windows)."""
    return os.path.normcase(os.path.realpath(root))


def target_state_dir(state_dir: Path, kind: str, root: Path, create: bool = True) -> Path:
    """The private directory holding one target's journal, lock, backups and overlay."""
    key = hashlib.sha256(canonical_root(root).encode("utf-8")).hexdigest()[:16]
    path = Path(state_dir) / "targets" / f"{kind}-{key}"
    if create:
        make_private_dir(path)
    return path
