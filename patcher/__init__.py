"""patcher: versioned, hash-checked, reversible patches for the Go toolchain and editor bundles."""

# The first code of ours that runs, kept tiny on purpose: from here on a
# Ctrl-C during the imports (~0.2 s) ends the program with one line, not a
# traceback.  `_signal` is the C module behind `signal`, whose import builds
# enums for milliseconds.  The later phases are in patcher.interrupt.
import _signal
import os as _os
import sys as _sys

__version__ = "0.1.0"


def started_as_the_program(argv0: str | None = None, orig_argv: list[str] | None = None) -> bool:
    """True in `python -m patcher ...` and the `patcher` console script (also
    `patcher.exe` / `patcher-script.py` on Windows); False when patcher is
    imported as a library (pytest), whose SIGINT handling is not ours to change."""
    argv0 = _sys.argv[0] if argv0 is None else argv0
    orig_argv = getattr(_sys, "orig_argv", []) if orig_argv is None else orig_argv
    args, i = orig_argv[1:], 0
    while i < len(args):
        a = args[i]
        if a == "-mpatcher" or (a == "-m" and args[i + 1:i + 2] == ["patcher"]):
            return True
        if a in ("-X", "-W", "--check-hash-based-pycs"):  # options that take a value
            i += 2
            continue
        if a in ("-m", "-c") or not a.startswith("-"):
            break  # another module, code or a script: not us (unless the script is ours, below)
        i += 1
    name = argv0.replace("\\", "/").rsplit("/", 1)[-1]  # a Windows path, whatever the OS
    return name.lower() in ("patcher", "patcher.exe", "patcher-script.py")


def _interrupted_while_starting(signum, frame):
    _os.write(2, b"patcher: interrupted before it started; nothing changed\n")
    _os._exit(130)


if started_as_the_program():
    _signal.signal(_signal.SIGINT, _interrupted_while_starting)
