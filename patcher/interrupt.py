"""Ctrl-C (SIGINT) at any instant of a patcher run: one line on stderr and
exit status 130, never a Python traceback.

A run has three phases, each with its own SIGINT handler:
- starting (the imports): nothing has been touched yet, so the handler exits
  at once; it is installed by patcher/__init__.py, the first code of ours
  that runs (and only when patcher runs as the program);
- running (the command): the handler raises `Interrupted` so every
  `except BaseException` / `with` on the way up rolls back and cleans up; it
  also switches to "exit at once" so a second Ctrl-C during that cleanup
  cannot raise in the middle of an except clause (what is left half-done is
  journaled: the next run recovers it, as after a kill);
- finishing (printing the outcome, exiting): the handler exits at once.

`Interrupted` is not a KeyboardInterrupt on purpose: click turns a
KeyboardInterrupt into its own Abort after printing a blank line.
"""

import os
import signal
import sys

EXIT_INTERRUPTED = 130
RECOVERS = "the next run recovers from the journal"


class Interrupted(BaseException):
    """SIGINT while a command runs."""


def exit_now(code: int, message: str | None = None) -> None:
    """Flush what was printed, write `message` as one line, and end the
    process without running Python's shutdown (during which a signal could
    still arrive and print a traceback)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed pipe, or a write the signal itself interrupted
            pass
    if message is not None:
        try:
            os.write(2, f"patcher: {message}\n".encode("utf-8", "replace"))
        except OSError:
            pass
    os._exit(code)


def _exit_on_signal(message: str):
    def handler(signum, frame):
        exit_now(EXIT_INTERRUPTED, message)
    return handler


_signalled = False


def signalled() -> bool:
    """Whether SIGINT arrived while the command ran.  A library can catch our
    `Interrupted` and raise its own error instead (py-tree-sitter turns it into
    a QueryError when it arrives while a #match? regex compiles): the caller
    then reports the interrupt, not that error."""
    return _signalled


def _raise_interrupted(signum, frame):
    global _signalled
    _signalled = True
    signal.signal(signal.SIGINT, _exit_on_signal(f"interrupted again; {RECOVERS}"))
    raise Interrupted()


def running() -> None:
    signal.signal(signal.SIGINT, _raise_interrupted)


def finishing() -> None:
    signal.signal(signal.SIGINT, _exit_on_signal("interrupted while exiting; the command itself had finished"))
