"""Two patcher runs on one target at once; a lock left by a killed run."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

import bundlegen
import crashkit
from conftest import REPO, run_patcher, tree_digest
from patcher.state.runlock import RunLock
from patcher.state.statedir import target_state_dir


def start(*args):
    return subprocess.Popen([sys.executable, "-m", "patcher", *map(str, args)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))


@pytest.fixture
def app(tmp_path):
    return bundlegen.make_app(tmp_path / "Cursor", shape="esm", winpty=True, esm_bytes=400_000)


def patched_once(app, state):
    main = (app / "out/main.js").read_bytes()
    return main.count(b"patcher: cursor/spawn-env-hook@1.") == 1 and \
        json.loads(run_patcher("status", "--cursor", app, "--state-dir", state, "--json", check=True).stdout)


def test_two_applies_at_once_the_second_waits_and_finds_it_done(app, tmp_path):
    state = tmp_path / "state"
    runs = [start("apply", "--cursor", app, "--state-dir", state, "--wait", "60") for _ in range(2)]
    outs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outs
    messages = sorted(o[0].split(" ", 1)[0] for o in outs)
    assert messages == ["already", "applied"], outs
    st = patched_once(app, state)
    assert {p["state"] for p in st["patches"]} == {"applied"}


def test_a_run_that_finds_the_target_locked_gives_up_cleanly_or_waits(app, tmp_path):
    """The lock is held by a live process (this one, through the same
    RunLock patcher uses): --wait 0 gives up at once with the owner named
    and nothing changed; a waiting run goes on once the lock is released."""
    state = tmp_path / "state"
    before = tree_digest(app)
    held = RunLock(target_state_dir(state, "cursor", app), f"editor {app}")
    with held:
        loser = run_patcher("apply", "--cursor", app, "--state-dir", state, "--wait", "0")
        waiter = start("apply", "--cursor", app, "--state-dir", state, "--wait", "60")
        time.sleep(1.0)
        assert waiter.poll() is None, "the waiting run must not go on while the lock is held"
        assert tree_digest(app) == before
    assert loser.returncode == 1, loser.stderr
    assert loser.stderr.startswith(f"patcher: editor {app} is locked by another patcher run (pid {os.getpid()}")
    assert loser.stderr.rstrip().endswith("wait for it to finish")
    out, err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, err
    assert out.startswith("applied")
    assert patched_once(app, state)


@pytest.mark.skipif(not shutil.which("strace"), reason="needs strace")
def test_a_lock_of_a_killed_run_is_free(app, tmp_path):
    state = tmp_path / "state"
    owner_file = target_state_dir(state, "cursor", app) / "lock.owner"
    # Killed while holding the lock (before its first rename: the first backup).
    crashkit.kill_before_rename([sys.executable, "-m", "patcher", "apply", "--cursor", str(app), "--state-dir", str(state)], 1)
    owner = json.loads(owner_file.read_text())
    assert owner["pid"] and not os.path.exists(f"/proc/{owner['pid']}")
    proc = run_patcher("apply", "--cursor", app, "--state-dir", state, "--wait", "0", check=True)
    assert proc.stdout.startswith("applied")
    assert not owner_file.exists()
    assert patched_once(app, state)
