"""The command line (`patcher`, `python -m patcher`)."""

from patcher.cli.app import main

__all__ = ["main"]
