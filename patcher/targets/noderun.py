"""node itself as the validator of patched JavaScript: `node --check` of each
file, in its own process, in the file's module mode.

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
from dataclasses import dataclass, field
from pathlib import Path

from patcher.errors import Refused

_PROBE = "process.stdout.write('patcher-node '+process.versions.node)"


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


class NodeChecks:
    """`node --check` runs started one by one (each in its own process, while
    the caller goes on) and awaited together; without a runtime, nothing runs."""

    def __init__(self, runtime: Runtime | None):
        self.runtime = runtime
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._running: list[tuple[str, str, subprocess.Popen]] = []

    def start(self, data: bytes, kind: str, label: str) -> None:
        if self.runtime is None:
            return
        if self._tmp is None:
            # (a scanner holding a copy open on Windows must not turn cleanup into the error reported)
            self._tmp = tempfile.TemporaryDirectory(prefix="patcher-check-", ignore_cleanup_errors=True)
        path = Path(self._tmp.name) / f"bundle{len(self._running)}{'.mjs' if kind == 'module' else '.cjs'}"
        path.write_bytes(data)
        env = dict(os.environ, **self.runtime.env)
        self._running.append((label, kind, subprocess.Popen([self.runtime.exe, "--check", str(path)],
                                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                                            stdin=subprocess.DEVNULL, env=env)))

    def _failures(self) -> list[tuple[str, str, str]]:
        """(label, kind, node's reason) for each started file node does not accept."""
        failures = []
        for label, kind, proc in self._running:
            _, err = proc.communicate()
            if proc.returncode != 0:
                text = err.decode("utf-8", "replace")
                reason = next((ln.strip() for ln in text.splitlines() if "Error" in ln), text.strip()[-200:])
                failures.append((label, kind, reason))
        return failures

    def close(self) -> None:
        """Stop what still runs and remove the copies (after an error elsewhere)."""
        for _, _, proc in self._running:
            if proc.returncode is None:  # not awaited yet
                proc.kill()
                proc.communicate()
        self._running = []
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def finish(self, originals: dict[str, bytes] | None = None) -> bool:
        """Wait for every run: False when nothing was checked; Refused with node's
        reason for the first file it rejects (saying whether it rejects the original already)."""
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
                raise Refused(f"{label}: node --check rejects the original file already ({reason}); not a valid bundle, nothing written")
        raise Refused(f"{label}: node --check rejects the patched file ({reason}); nothing written")

    def _failures_then_close(self) -> list[tuple[str, str, str]]:
        try:
            return self._failures()
        finally:
            self.close()
