"""Terminal presentation: colours, the build progress line.

Colours only on a terminal and never with NO_COLOR set (https://no-color.org);
progress only on a terminal (not in logs or CI).  Markers are ASCII so any
console code page can show them.
"""

import os
import sys

_COLOURS = {"green": 32, "yellow": 33, "red": 31, "dim": 2, "bold": 1}
STATE_COLOURS = {"applied": "green", "not applicable": "dim", "not applied": "yellow", "drifted": "yellow", "broken": "red",
                 "unrecorded": "yellow"}


def colour_enabled(stream=None) -> bool:
    stream = stream or sys.stdout
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def paint(text: str, colour: str, stream=None) -> str:
    if not colour_enabled(stream):
        return text
    return f"\033[{_COLOURS[colour]}m{text}\033[0m"


def progress_printer(what: str = "building go with the overlay"):
    """A live "<what>… 12s" line on stderr when it is a terminal; None otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(seconds: float) -> None:
        sys.stderr.write(f"\r{what}… {seconds:4.0f}s")
        sys.stderr.flush()
    return show


def end_progress(progress) -> None:
    if progress:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
