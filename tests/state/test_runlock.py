"""The one-run-at-a-time lock (runlock.RunLock): an OS lock the process holds."""

import os
import subprocess
import sys
import threading
import time

import pytest

from patcher.errors import LockBusy
from patcher.state.runlock import RunLock


def test_second_holder_is_refused_with_the_owner_named(tmp_path):
    with RunLock(tmp_path, "GOROOT /x"):
        with pytest.raises(LockBusy) as exc:
            RunLock(tmp_path, "GOROOT /x", wait=0.2).acquire()
    assert f"pid {os.getpid()}" in str(exc.value)
    assert "GOROOT /x is locked by another patcher run" in str(exc.value)
    assert not (tmp_path / "lock.owner").exists(), "released on exit"
    with RunLock(tmp_path, "GOROOT /x", wait=0):
        pass


def test_waiter_gets_the_lock_once_released(tmp_path):
    first = RunLock(tmp_path, "t")
    first.acquire()
    threading.Timer(0.3, first.release).start()
    started = time.monotonic()
    with RunLock(tmp_path, "t", wait=10):
        assert time.monotonic() - started >= 0.25


def test_a_killed_holder_frees_the_lock_by_itself(tmp_path):
    """SIGKILL gives no chance to clean up: the OS releases the lock."""
    holder = subprocess.Popen([sys.executable, "-c", f"""
import sys, time
sys.path.insert(0, {str(os.getcwd())!r})
from patcher.state.runlock import RunLock
held = RunLock({str(tmp_path)!r}, "t")
held.acquire()
print("held", flush=True)
time.sleep(600)
"""], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(LockBusy, match=f"pid {holder.pid} on "):
        RunLock(tmp_path, "t", wait=0).acquire()
    holder.kill()
    holder.wait()
    with RunLock(tmp_path, "t", wait=0):
        assert (tmp_path / "lock.owner").read_text().find(str(os.getpid())) > 0
    assert (tmp_path / "lock").stat().st_mode & 0o777 == 0o600
