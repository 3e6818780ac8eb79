"""Replacing a go binary that is running, the Windows way, for real at the OS level.

tests/busyrename.c makes every rename onto bin/go fail with EACCES while
bin/go exists (Windows: a running go.exe cannot be overwritten) and lets
bin/go itself be renamed.  apply and revert must still work (bin/go moved
aside, the new one moved in), leave nothing behind, and survive a SIGKILL
before every rename, including the instant between the two renames when
there is no bin/go at all.
"""

import os
import shutil
import subprocess
import sys

import pytest

import busyrename
import crashkit
from conftest import GO_VERSION, run_patcher, tree_digest

pytestmark = [pytest.mark.go, pytest.mark.skipif(busyrename.available() is not None, reason=str(busyrename.available()))]
needs_strace = pytest.mark.skipif(not shutil.which("strace"), reason="needs strace")


def test_the_shim_refuses_a_plain_replace_like_windows(tmp_path):
    busy = tmp_path / "bin" / "go"
    busy.parent.mkdir()
    busy.write_bytes(b"running")
    (tmp_path / "new").write_bytes(b"new")
    code = ("import os, sys\n"
            "try:\n    os.replace(sys.argv[1], sys.argv[2]); print('replaced')\n"
            "except PermissionError:\n    print('refused')\n"
            "os.rename(sys.argv[2], sys.argv[2] + '.aside'); os.replace(sys.argv[1], sys.argv[2]); print('aside ok')\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "new"), str(busy)], capture_output=True, text=True,
                         env=dict(os.environ, **busyrename.env("bin/go")), check=True).stdout.splitlines()
    assert out == ["refused", "aside ok"]


def test_apply_and_revert_while_bin_go_is_running(goroot, tmp_path):
    before = tree_digest(goroot)
    log = tmp_path / "refusals.log"
    busy = dict(busyrename.env(goroot / "bin" / "go"), PATCHER_TEST_BUSY_LOG=str(log))
    state = tmp_path / "state"
    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state, env=busy)
    assert proc.returncode == 0, proc.stderr
    assert b"cmd/go/internal/test/patcher_" in (goroot / "bin" / "go").read_bytes()
    assert f"refused {goroot / 'bin' / 'go'}" in log.read_text().splitlines(), "the plain replace was refused: set aside"
    assert sorted(p.name for p in (goroot / "bin").iterdir()) == ["go", "gofmt"], "nothing set aside is left"
    # On Windows a set-aside go.exe that still runs cannot be deleted at once; the next run does it.
    leftover = goroot / "bin" / ".go.patcher-old.4242.00c0ffee"
    leftover.write_bytes(b"a go that was still running")
    proc = run_patcher("apply", "--go-src", goroot, "--state-dir", state, env=busy)
    assert proc.returncode == 0 and "already applied" in proc.stdout + proc.stderr, proc.stderr
    assert not leftover.exists()
    log.unlink()
    proc = run_patcher("revert", "--go-src", goroot, "--state-dir", state, env=busy)
    assert proc.returncode == 0, proc.stderr
    assert f"refused {goroot / 'bin' / 'go'}" in log.read_text().splitlines(), "revert replaced a busy bin/go too"
    assert tree_digest(goroot) == before


@pytest.fixture(scope="module")
def busy_factory(tmp_path_factory):
    return crashkit.Factory("go", tmp_path_factory.mktemp("busy-go"), GO_VERSION, busy=True)


def report(trials):
    failed = [t for t in trials if not t.ok]
    between = [t.how for t in trials if t.set_aside]
    print(f"{len(trials) - len(failed)}/{len(trials)} kills survived: {trials[0].scenario if trials else ''} "
          f"(bin/go busy; killed with bin/go set aside: {', '.join(between)})")
    assert trials and not failed, "\n".join(f"{t.scenario} ({t.how}): {t.detail}" for t in failed)
    assert between, "no kill fell between moving bin/go aside and moving the new one in"


@needs_strace
@pytest.mark.parametrize("command", ["apply", "revert"])
def test_killed_before_every_rename_while_bin_go_is_running(busy_factory, command):
    report(crashkit.rename_trials(busy_factory, command))
