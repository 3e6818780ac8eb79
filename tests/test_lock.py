import json
import os
import subprocess
import sys
import threading
import time

import pytest

from patcher.errors import LockBusy
from patcher.lock import TargetLock, pid_alive


def test_second_holder_is_refused_with_the_owner_named(tmp_path):
    with TargetLock(tmp_path, "GOROOT /x"):
        with pytest.raises(LockBusy) as exc:
            TargetLock(tmp_path, "GOROOT /x", wait=0.2).acquire()
    assert f"pid {os.getpid()}" in str(exc.value)
    assert "GOROOT /x is locked by another patcher run" in str(exc.value)
    assert not (tmp_path / "lock").exists(), "released on exit"


def test_waiter_gets_the_lock_once_released(tmp_path):
    first = TargetLock(tmp_path, "t")
    first.acquire()
    threading.Timer(0.3, first.release).start()
    started = time.monotonic()
    with TargetLock(tmp_path, "t", wait=10):
        assert time.monotonic() - started >= 0.25


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    assert not pid_alive(pid)
    import socket
    (tmp_path / "lock").write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "started": 0}))
    with TargetLock(tmp_path, "t"):
        owner = json.loads((tmp_path / "lock").read_text())
        assert owner["pid"] == os.getpid()


def test_lock_of_a_live_process_on_another_host_is_not_stolen(tmp_path):
    (tmp_path / "lock").write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": 0}))
    with pytest.raises(LockBusy, match="pid 1 on elsewhere"):
        TargetLock(tmp_path, "t").acquire()
