"""Ctrl-C at any instant: one line on stderr, exit status 130, no traceback
(patcher.interrupt, patcher.cli.app.main)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, tree_digest
import patcher
from patcher import interrupt


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_COLOR="1")
    env.pop("PATCHER_STATE_DIR", None)
    return env


def _one_interrupted_line(stderr: str) -> str:
    """The interrupt's one line, last; before it only what the command had
    already said (notes, progress), no traceback, no blank line."""
    lines = stderr.splitlines()
    assert lines and lines[-1].startswith("patcher: interrupted"), stderr
    assert "Traceback" not in stderr and "" not in lines, stderr
    assert [ln for ln in lines if ln.startswith("patcher:")] == lines[-1:], stderr
    return lines[-1]


def _before_any_code_of_patcher(returncode: int, stderr: str) -> bool:
    """The signal came while Python itself was still starting: before its
    handler existed (killed by SIGINT, which a shell shows as 130), or while
    it imported site / runpy (a traceback without a single frame of patcher).
    Nothing patcher can catch; on a busy machine Python's startup (~0.05 s
    here, mostly the editable install's site hook) may reach the first instants."""
    if returncode == -signal.SIGINT and stderr == "":
        return True
    return "KeyboardInterrupt" in stderr and str(REPO / "patcher") + os.sep not in stderr


@pytest.mark.go
def test_sigint_at_every_instant_of_a_real_apply(goroot, tmp_path, pristine_digest):
    # The landed code printed a KeyboardInterrupt traceback for a SIGINT
    # during the imports (~0.05-0.2 s) and "\npatcher: aborted" (two lines)
    # for one inside click.
    state = tmp_path / "state"
    seen, python_startup = set(), []
    for delay in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0):
        proc = subprocess.Popen([sys.executable, "-m", "patcher", "apply", "--go-src", str(goroot), "--state-dir", str(state)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=_env())
        time.sleep(delay)
        assert proc.poll() is None, f"apply ended within {delay}s: the SIGINT would not test anything"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        if _before_any_code_of_patcher(proc.returncode, err):
            python_startup.append(delay)
            continue
        assert proc.returncode == interrupt.EXIT_INTERRUPTED, (delay, err)
        seen.add(_one_interrupted_line(err))
        # Whatever the instant, the GOROOT is the original again once the
        # next run has recovered from the journal.
        subprocess.run([sys.executable, "-m", "patcher", "revert", "--go-src", str(goroot), "--state-dir", str(state)],
                       capture_output=True, text=True, cwd=tmp_path, env=_env())
        assert tree_digest(goroot) == pristine_digest, delay
    assert len(python_startup) <= 3, python_startup
    assert any("before it started" in line for line in seen), "the early instants hit the imports"
    assert any("recovers from the journal" in line for line in seen), "the late instants hit the command"


PROGRAM = """
import os, signal, sys, time
import patcher.catalog.catalog
real = patcher.catalog.catalog.Catalog.all
def all_(self):
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    finally:
        {cleanup}
    return real(self)
patcher.catalog.catalog.Catalog.all = all_
from patcher.cli.app import main
main(["list"])
"""


def test_sigint_while_a_command_runs_unwinds_and_says_so_once():
    proc = subprocess.run([sys.executable, "-c", PROGRAM.format(cleanup="print('cleaned up')")], capture_output=True,
                          text=True, cwd=REPO, env=_env())
    assert proc.returncode == 130 and proc.stdout == "cleaned up\n", "the cleanup on the way up ran"
    assert _one_interrupted_line(proc.stderr) == "patcher: interrupted; the next run recovers from the journal"


def test_a_sigint_a_library_turns_into_its_own_error_is_still_an_interrupt():
    """py-tree-sitter compiles #match? regexes in Python: a SIGINT then surfaces
    as its QueryError, which the catalog reports as an invalid query (seen in a
    real run).  It must read as the interrupt it is."""
    program = PROGRAM.replace("        os.kill(os.getpid(), signal.SIGINT)\n        time.sleep(5)",
                              "        try:\n            os.kill(os.getpid(), signal.SIGINT)\n            time.sleep(5)\n"
                              "        except BaseException as exc:\n"
                              "            from patcher.errors import CatalogError\n"
                              "            raise CatalogError('manifest.toml: invalid javascript query (regular expression error)') from exc")
    assert "CatalogError" in program
    proc = subprocess.run([sys.executable, "-c", program.format(cleanup="pass")], capture_output=True, text=True,
                          cwd=REPO, env=_env())
    assert proc.returncode == 130, proc.stderr
    assert _one_interrupted_line(proc.stderr) == "patcher: interrupted; the next run recovers from the journal"


def test_a_second_sigint_during_the_cleanup_exits_at_once():
    cleanup = "os.kill(os.getpid(), signal.SIGINT); time.sleep(5); print('not reached')"
    proc = subprocess.run([sys.executable, "-c", PROGRAM.format(cleanup=cleanup)], capture_output=True, text=True,
                          cwd=REPO, env=_env())
    assert proc.returncode == 130 and proc.stdout == ""
    assert _one_interrupted_line(proc.stderr) == "patcher: interrupted again; the next run recovers from the journal"


def test_sigint_while_exiting_after_the_output():
    program = ("import os, signal\nfrom patcher import interrupt\nprint('done')\ninterrupt.finishing()\n"
               "os.kill(os.getpid(), signal.SIGINT)\nimport time; time.sleep(5)\n")
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO, env=_env())
    assert proc.returncode == 130 and proc.stdout == "done\n", "what was printed is flushed first"
    assert _one_interrupted_line(proc.stderr) == "patcher: interrupted while exiting; the command itself had finished"


@pytest.mark.parametrize("argv0,orig_argv,ours", [
    ("-m", ["python", "-m", "patcher", "status"], True),
    ("-m", ["python3.11", "-X", "utf8", "-m", "patcher"], True),
    ("-m", ["python", "-mpatcher"], True),
    ("/venv/bin/patcher", ["/venv/bin/python", "/venv/bin/patcher", "apply"], True),
    ("C:\\Py\\Scripts\\patcher.exe", ["C:\\Py\\Scripts\\patcher.exe"], True),
    ("/venv/bin/pytest", ["/venv/bin/python", "-m", "pytest", "-q"], False),
    ("-c", ["python", "-c", "import patcher"], False),
    ("/x/tool.py", ["python", "/x/tool.py", "-m", "patcher"], False),
])
def test_only_the_program_itself_takes_over_sigint(argv0, orig_argv, ours):
    assert patcher.started_as_the_program(argv0, orig_argv) is ours
