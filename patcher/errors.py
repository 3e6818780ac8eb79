"""Errors that end a command with a one-line reason and a documented exit status.

Every failure a user can cause (bad input, a file that changed, an unsupported
release) is a PatcherError subclass; the CLI prints `patcher: <message>` and
exits with the class's status.  Anything else is a bug and is reported as an
internal error (exit 70) without a traceback unless PATCHER_DEBUG is set.
"""

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70


class PatcherError(Exception):
    """A failure with a message meant for the user."""

    exit_code = EXIT_REFUSED

    def __init__(self, message: str):
        # One line: the message is printed as is, so keep embedded newlines out.
        super().__init__(" ".join(str(message).split("\n")))


class Refused(PatcherError):
    """The input is understood but patcher will not act on it (hash mismatch,
    unsupported release, anchor not found, read-only target...)."""


class UsageError(PatcherError):
    """The command line itself is wrong."""

    exit_code = EXIT_USAGE


class CatalogError(Refused):
    """A patch manifest or payload under patches/ is invalid."""


class AnchorError(Refused):
    """An anchor matched zero or several places."""


class LockBusy(Refused):
    """Another patcher run holds the lock on this target."""


class NotApplicable(PatcherError):
    """A patch has nothing to act on in this target (e.g. no winpty backend):
    it is skipped with this reason and the rest of the run goes on."""


class BuildFailed(Refused):
    """`go build -overlay` failed."""
