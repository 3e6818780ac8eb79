"""One patcher run per target at a time.

The lock is a file created with O_EXCL holding the owner's pid and host.  A
lock whose owner is a dead process on this host is stale (a killed run) and
is taken over; a live owner makes us wait up to `wait` seconds, then give up
with a message naming the owner.
"""

import json
import os
import socket
import time
from pathlib import Path

from patcher.errors import LockBusy

LOCK_NAME = "lock"


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class TargetLock:
    def __init__(self, directory: Path, what: str, wait: float = 0.0):
        self.path = Path(directory) / LOCK_NAME
        self.what = what
        self.wait = wait
        self._held = False

    def _owner(self) -> dict | None:
        # The owner creates the file, then writes it: give it a moment.
        for _ in range(20):
            try:
                return json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                return None
            except (ValueError, OSError):
                time.sleep(0.01)
        return {}  # garbage: judged by age below

    def _stale(self, owner: dict) -> bool:
        if not owner:
            # Unreadable lock: only stale once it is clearly not being written.
            try:
                return time.time() - self.path.stat().st_mtime > 5
            except FileNotFoundError:
                return False
        if owner.get("host") != socket.gethostname():
            return False  # cannot check a process on another machine
        return not pid_alive(int(owner.get("pid", 0)))

    def acquire(self) -> None:
        deadline = time.monotonic() + self.wait
        payload = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()})
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                owner = self._owner()
                if owner is None:
                    continue
                if self._stale(owner):
                    # Rename first so two runs clearing the same stale lock cannot
                    # both believe they removed it; only one rename succeeds.
                    grave = self.path.with_name(f"{LOCK_NAME}.stale.{os.getpid()}")
                    try:
                        os.replace(self.path, grave)
                        os.unlink(grave)
                    except FileNotFoundError:
                        pass
                    continue
                if time.monotonic() >= deadline:
                    who = f"pid {owner.get('pid', '?')} on {owner.get('host', '?')}" if owner else "another process"
                    raise LockBusy(f"{self.what} is locked by another patcher run ({who}); wait for it to finish or remove {self.path} if that process is gone")
                time.sleep(0.1)
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            self._held = True
            return

    def release(self) -> None:
        if self._held:
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            self._held = False

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
