"""node itself as the validator of patched JavaScript: `node --check` of each
file, in its own process, in the file's module mode.

The file goes to node on its stdin, its module mode named by `--input-type`:
node's own check (internal/main/check_syntax.js) compiles stdin exactly as it
compiles a file, as an ES module (ModuleWrap) or CommonJS (wrapSafe), only the
mode comes from the flag instead of the file's name.  So a check can be
started before the file is known (NodeChecks.expect): node starts up while
the engine still works, and only compiles once the bytes arrive.  Those are
written by a thread of their own, in one write (the GIL is let go for all of
it) while the engine goes on.  Ending the input takes the GIL again, which a
tree-sitter parse holds from start to end: once the last file is handed on,
the caller waits for the writes to end (`flush`), so node compiles while the
engine does what is left.  A check started with its file (none was started
ahead for it, or one of another kind) gets a temporary copy as stdin, which
node reads on its own.  A check started ahead that fails is made again from
a copy, whose verdict is the one that counts (a runtime may be unable to
read a pipe: node.exe under Wine).

The editor's own runtime first: its executable run with ELECTRON_RUN_AS_NODE=1
is a node of exactly the version the editor (and its extension host) runs, and
most Windows users have no node on PATH; a VS Code / Cursor server's own
`node` binary is one too.  Else node on PATH; with neither nothing is checked
and the caller says so.
"""

import mmap
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from patcher.errors import Refused

_PROBE = "process.stdout.write('patcher-node '+process.versions.node)"


class Rejected(Refused):
    """node --check does not accept a file (the message says which, and why)."""


@dataclass(frozen=True)
class Runtime:
    """A node to run `--check` with: argv[0], extra environment, and how to name it."""

    exe: str
    what: str
    env: dict = field(default_factory=dict)
    on_path: bool = False  # node on PATH, not the target's own runtime


# Electron's fuse wire (@electron/fuses): this sentinel, then a version byte,
# a count byte, then one byte per fuse: "0" off, "1" on, "r" removed.  Fuse 0
# is RunAsNode; with it off, ELECTRON_RUN_AS_NODE is ignored and running the
# executable would start the editor itself.
_FUSE_SENTINEL = b"dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX"


def run_as_node_fuse(exe: Path) -> bool | None:
    """RunAsNode of an Electron executable: True/False from its fuse wire,
    None when it has none (Electron before fuses honours the variable)."""
    try:
        with open(exe, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            at = data.find(_FUSE_SENTINEL)
            if at < 0:
                return None
            wire = data[at + len(_FUSE_SENTINEL):at + len(_FUSE_SENTINEL) + 3]
    except (OSError, ValueError):  # unreadable, or empty (mmap of 0 bytes)
        return None
    return len(wire) == 3 and wire[1] >= 1 and wire[2:3] == b"1"


def editor_runtime(exe: Path, timeout: float = 20.0) -> Runtime | None:
    """The editor's executable as node (ELECTRON_RUN_AS_NODE=1; a plain node
    ignores the variable), if it answers as one.  Never run when its RunAsNode
    fuse is off: that would start the editor."""
    if run_as_node_fuse(exe) is False:
        return None
    env = dict(os.environ, ELECTRON_RUN_AS_NODE="1")
    try:
        proc = subprocess.run([str(exe), "-e", _PROBE], env=env, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = proc.stdout.decode("utf-8", "replace").strip()
    if proc.returncode != 0 or not out.startswith("patcher-node "):
        return None
    return Runtime(str(exe), f"the editor's own runtime ({exe}, node {out.split()[-1]})", {"ELECTRON_RUN_AS_NODE": "1"})


def find_runtime(editor_exes: list[Path] = ()) -> Runtime | None:
    """In this order: the editor's own executable, node on PATH; None when there is neither."""
    for exe in editor_exes:
        runtime = editor_runtime(exe)
        if runtime is not None:
            return runtime
    node = shutil.which("node")
    return Runtime(node, f"node on PATH ({node})", on_path=True) if node else None


def node_check(files: list[tuple[bytes, str, str]], originals: dict[str, bytes] | None = None,
               runtime: Runtime | None | bool = True) -> bool:
    """`node --check` every (bytes, module kind, label), in parallel, with
    `runtime` (True: node on PATH; None: nothing to check with).

    Returns False when nothing was checked; raises Refused with node's reason
    for the first file that does not compile, saying whether node already
    rejects the original (`originals`: label -> bytes).
    """
    checks = NodeChecks(find_runtime() if runtime is True else runtime)
    try:
        for data, kind, label in files:
            checks.start(data, kind, label)
    except BaseException:
        checks.close()
        raise
    return checks.finish(originals)


def _feed(proc: subprocess.Popen, data: bytes) -> None:
    """Write a file to a check's stdin, then end it (node reads to the end, then compiles).
    os.write, not the buffered file: one blocking write to a pipe returns once all of it
    is taken, so the thread needs the GIL only to begin and to end."""
    try:
        view, fd = memoryview(data), proc.stdin.fileno()
        while view:
            view = view[os.write(fd, view):]
    except OSError:  # node is gone already (it failed to start, or was stopped): its exit says why
        pass
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass
        proc.stdin = None  # (ended: communicate() has nothing more to send)


class NodeChecks:
    """`node --check` runs, each in its own process (see the module's doc),
    started one by one while the caller goes on, or ahead of their file
    (`expect`), and awaited together; without a runtime, nothing runs."""

    def __init__(self, runtime: Runtime | None):
        self.runtime = runtime
        self._ahead: dict[str, tuple[str, subprocess.Popen]] = {}  # label -> (module kind, a check waiting for its file)
        # (label, kind, process, the bytes when they went through a pipe to a check started ahead)
        self._running: list[tuple[str, str, subprocess.Popen, bytes | None]] = []
        self._feeders: list[tuple[subprocess.Popen, threading.Thread]] = []  # writing files to checks started ahead

    def _spawn(self, kind: str, stdin=subprocess.PIPE) -> subprocess.Popen:
        env = dict(os.environ, **self.runtime.env)
        return subprocess.Popen([self.runtime.exe, "--check", f"--input-type={kind}"], stdin=stdin,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)

    def expect(self, label: str, kind: str) -> None:
        """Start the check of a file that is not known yet, in the module kind it will likely have
        (a guess: a file of another kind gets a check of its own, this one is stopped)."""
        if self.runtime is not None and label not in self._ahead:
            self._ahead[label] = (kind, self._spawn(kind))

    def start(self, data: bytes, kind: str, label: str) -> None:
        if self.runtime is None:
            return
        kind_ahead, proc = self._ahead.pop(label, (None, None))
        if proc is not None and kind_ahead != kind:
            _stop(proc)
            proc = None
        if proc is not None:
            self._running.append((label, kind, proc, data))
            feeder = threading.Thread(target=_feed, args=(proc, data), name=f"node --check {label}", daemon=True)
            self._feeders.append((proc, feeder))
            feeder.start()
        else:
            self._running.append((label, kind, self._from_copy(data, kind), None))

    def flush(self) -> None:
        """Wait until every file handed on so far is all written to its check and its input ended."""
        self._join_feeders()

    def _from_copy(self, data: bytes, kind: str) -> subprocess.Popen:
        """A check whose stdin is a temporary copy of the file (node reads it on its own)."""
        with tempfile.TemporaryFile(prefix="patcher-check-") as copy:
            copy.write(data)
            copy.seek(0)
            return self._spawn(kind, stdin=copy)

    def _failures(self) -> list[tuple[str, str, str]]:
        """(label, kind, node's reason) for each started file node does not accept."""
        failures = []
        self._join_feeders()
        for label, kind, proc, piped in self._running:
            _, err = proc.communicate()
            if proc.returncode != 0 and piped is not None:
                # Through a pipe, a runtime may fail to read its stdin at all (node.exe under
                # Wine: EBADF): only the check of a copy can say the file is not accepted.
                proc = self._from_copy(piped, kind)
                _, err = proc.communicate()
            if proc.returncode != 0:
                text = err.decode("utf-8", "replace")
                reason = next((ln.strip() for ln in text.splitlines() if "Error" in ln), text.strip()[-200:])
                failures.append((label, kind, reason))
        return failures

    def close(self) -> None:
        """Stop what still runs or waits (after an error elsewhere, or a file that never came)."""
        procs = [p for _, p in self._ahead.values()] + [p for _, _, p, _ in self._running]
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        # A write still going ends with an error once its node is gone, and must end before its
        # pipe is closed (the descriptor could be another file's by then).  Should the pipe have
        # another reader (a runtime that started a child of its own), the write may never end:
        # after a while that pipe is left open rather than closed under it.
        writing = self._join_feeders(timeout=10.0)
        for proc in procs:
            if proc in writing:
                proc.wait()
            else:
                _stop(proc)
        self._ahead, self._running = {}, []

    def _join_feeders(self, timeout: float | None = None) -> set[subprocess.Popen]:
        """Wait for the writes to checks; the processes whose write has not ended within `timeout`."""
        writing = set()
        for proc, feeder in self._feeders:
            feeder.join(timeout)
            if feeder.is_alive():
                writing.add(proc)
        self._feeders = []
        return writing

    def finish(self, originals: dict[str, bytes] | None = None) -> bool:
        """Wait for every run: False when nothing was checked; Refused with node's
        reason for the first file it rejects (saying whether it rejects the original already)."""
        for _, proc in self._ahead.values():  # expected files that were never handed on
            _stop(proc)
        self._ahead = {}
        if self.runtime is None or not self._running:
            self.close()
            return False
        failures = self._failures_then_close()
        if not failures:
            return True
        label, kind, reason = failures[0]
        original = (originals or {}).get(label)
        if original is not None:
            again = NodeChecks(self.runtime)
            try:
                again.start(original, kind, label)
            except BaseException:
                again.close()
                raise
            if again._failures_then_close():
                raise Rejected(f"{label}: node --check rejects the original file already ({reason}); not a valid bundle, nothing written")
        raise Rejected(f"{label}: node --check rejects the patched file ({reason}); nothing written")

    def _failures_then_close(self) -> list[tuple[str, str, str]]:
        try:
            return self._failures()
        finally:
            self.close()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for pipe in (proc.stdin, proc.stderr):
        if pipe is not None and not pipe.closed:
            try:
                pipe.close()
            except OSError:
                pass
