"""One patcher run per target at a time.

An OS file lock (fcntl.flock on POSIX, msvcrt.locking on Windows, through
the `filelock` package) held for the life of the run: the operating system
frees it when the process ends, however it ends, so a killed run never
leaves a stale lock behind.  Who holds it (pid, host, start time) is written
beside it, in `lock.owner`, only to name the owner in messages.  (On a
file system without flock, some network shares, filelock falls back to a
plain lock file, which a killed run does leave behind: the state
directory is meant to be local, the per-user default.)
"""

import json
import os
import time
from pathlib import Path

from patcher.errors import LockBusy

LOCK_NAME = "lock"
OWNER_NAME = "lock.owner"


class RunLock:
    def __init__(self, directory: Path, what: str, wait: float = 0.0):
        self.path = Path(directory) / LOCK_NAME
        self.owner_path = Path(directory) / OWNER_NAME
        self.what = what
        self.wait = wait
        import filelock  # here: its import (~20 ms) is paid only by runs that lock, not by `status`

        self._lock = filelock.FileLock(str(self.path), timeout=max(wait, 0.0), mode=0o600,
                                      thread_local=False)

    def owner(self) -> dict:
        try:
            data = json.loads(self.owner_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def acquire(self) -> None:
        import filelock

        try:
            self._lock.acquire()
        except filelock.Timeout:
            owner = self.owner()
            who = f"pid {owner.get('pid', '?')} on {owner.get('host', '?')}" if owner else "another process"
            raise LockBusy(f"{self.what} is locked by another patcher run ({who}); wait for it to finish") from None
        import socket  # (not at the top: `status` imports this module and never locks)

        payload = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()})
        fd = os.open(self.owner_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(payload)

    def release(self) -> None:
        if self._lock.is_locked:
            try:
                self.owner_path.unlink()
            except FileNotFoundError:
                pass
            self._lock.release()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
