"""Where patcher keeps journals, backups and overlays: a per-user directory.

Order: --state-dir, then $PATCHER_STATE_DIR, then the platform's per-user
state location as platformdirs knows it (%LOCALAPPDATA%\\patcher on Windows,
~/Library/Application Support/patcher on macOS, $XDG_STATE_HOME/patcher or
~/.local/state/patcher elsewhere).  Never inside a target: a GOROOT or an
editor install can be replaced by an update, and the state must survive
that to revert or report.
"""

import hashlib
import os
import sys
from pathlib import Path

from patcher.state.atomicio import make_private_dir

ENV_STATE_DIR = "PATCHER_STATE_DIR"


def default_state_dir() -> Path:
    import platformdirs  # only without --state-dir / $PATCHER_STATE_DIR (its import is a few ms of `status`)

    return Path(platformdirs.user_state_dir("patcher", appauthor=False))


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


def _per_user_state_dir(home: Path) -> Path:
    """Where patcher's default state directory is for the user whose home is `home`
    (platformdirs' user_state_dir, which only answers for the current user)."""
    if os.name == "nt":
        return home / "AppData" / "Local" / "patcher"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "patcher"
    return home / ".local" / "state" / "patcher"


def _homes() -> list[Path]:
    """Every user's home folder we can see: the folders beside this user's
    (/home/*, C:\\Users\\*) and, on POSIX, every home the user database
    names (root's /root, /var/root on macOS)."""
    homes = set()
    beside = Path.home().parent
    if beside != Path(beside.anchor):  # (root's home is /root: its parent is / itself, not a folder of homes)
        try:
            homes.update(p for p in beside.iterdir() if p.is_dir())
        except OSError:
            pass
    if os.name != "nt":
        import pwd

        homes.update(Path(pw.pw_dir) for pw in pwd.getpwall() if pw.pw_dir not in ("", "/"))
    return sorted(homes)


def candidate_state_dirs() -> list[Path]:
    """State directories another patcher run may have used: $PATCHER_STATE_DIR,
    this user's default, and the default of every other user on this machine
    (an apply run with sudo keeps its record in root's)."""
    out = []
    if os.environ.get(ENV_STATE_DIR):
        out.append(Path(os.environ[ENV_STATE_DIR]).expanduser().absolute())
    out.append(default_state_dir())
    out += [_per_user_state_dir(home) for home in _homes()]
    seen, unique = set(), []
    for d in out:
        # os.path.exists, not Path.exists: inside another user's home it may
        # not be ours to look (PermissionError), which is "not there" here.
        key = canonical_root(d) if os.path.exists(d) else str(d)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def find_records_elsewhere(kind: str, root: Path, current: Path) -> list[Path]:
    """Journals of this target in state directories other than `current`."""
    found = []
    here = canonical_root(current) if os.path.exists(current) else str(current)
    for d in candidate_state_dirs():
        try:
            if os.path.exists(d) and canonical_root(d) == here:
                continue
            journal = target_state_dir(d, kind, root, create=False) / "journal.json"
            if journal.is_file():
                found.append(journal)
        except OSError:
            continue  # another user's directory we may not read
    return found
