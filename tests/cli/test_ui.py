"""Colours and progress: on a terminal only, never with NO_COLOR or in logs."""

import io
import os
import pty
import subprocess
import sys

import pytest

import bundlegen
from conftest import REPO, run_patcher
from patcher.cli import ui


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert ui.paint("applied", "green", FakeTTY()) == "\033[32mapplied\033[0m"
    assert ui.paint("applied", "green", io.StringIO()) == "applied"
    monkeypatch.setenv("NO_COLOR", "1")
    assert ui.paint("applied", "green", FakeTTY()) == "applied"


def run_in_pty(args, env=None) -> bytes:
    """Run the CLI with stdout and stderr on a pseudo-terminal; return all it wrote."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "patcher", *map(str, args)], cwd=REPO, stdin=slave, stdout=slave,
                            stderr=slave, env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})))
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait()
    os.close(master)
    return out


@pytest.mark.go
def test_build_progress_on_a_terminal_not_in_logs(goroot, tmp_path):
    cold = {"GOCACHE": str(tmp_path / "cold-cache")}  # a build long enough to show progress
    out = run_in_pty(["apply", "--go-src", goroot, "--state-dir", tmp_path / "s"], env=cold)
    assert b"\rbuilding go with the overlay\xe2\x80\xa6" in out and b"applied go/" in out
    run_patcher("revert", "--go-src", goroot, "--state-dir", tmp_path / "s", check=True)
    piped = subprocess.run([sys.executable, "-m", "patcher", "apply", "--go-src", str(goroot), "--state-dir", str(tmp_path / "s")],
                           cwd=REPO, capture_output=True, env=dict(os.environ, PYTHONPATH=str(REPO), **cold))
    assert piped.returncode == 0 and b"building go" not in piped.stderr + piped.stdout


def test_status_colours_on_a_terminal(tmp_path):
    app = bundlegen.make_app(tmp_path / "ed", shape="cjs", winpty=False)
    args = ["status", "--cursor", app, "--state-dir", tmp_path / "s"]
    assert b"\033[33mnot applied\033[0m" in run_in_pty(args)
    assert b"\033[" not in run_in_pty(args, env={"NO_COLOR": "1"})
