"""Where a GOROOT's patched go command is made, and the steps `apply`
(target.py) and `rebuild` (rebuild.py) both take there.

Both build cmd/go from the overlay in the target's state directory into a
build directory beside it, and self-test the result before it may replace
bin/go; both count on recovery having settled what a killed run left there.
These steps live here rather than in either command's module so that rebuild
needs nothing private of the apply target, and neither module imports the
other.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

from patcher.state.atomicio import make_private_dir
from patcher.state.journal import JournalData, Role
from patcher.targets.go import build as gobuild
from patcher.targets.go import selftest
from patcher.targets.go.goroot import GoRoot
from patcher.targets.go.overlay import Overlay

BUILD_DIR = "build"  # in the target's state directory; no run leaves it behind


def committed_copies(data: JournalData | None) -> dict[str, str] | None:
    """The overlay copies a committed journal expects (GOROOT-relative path ->
    sha256; None: nothing applied)."""
    if data is None:
        return None
    return {f.path: f.post_sha256 for f in data.files if f.role in (Role.OVERLAY, Role.ADDED)}


@dataclass
class Built:
    path: Path  # the new go command, in the build directory
    data: bytes
    seconds: float  # what `go build` took


class Workspace:
    """The overlay and the build directory in one GOROOT target's state directory."""

    def __init__(self, goroot: GoRoot, state: Path, progress=None):
        self.goroot = goroot
        self.overlay = Overlay(goroot.root, state)
        self.build_dir = state / BUILD_DIR
        self.progress = progress

    def settle(self, data: JournalData | None) -> str | None:
        """Settle what a killed run left here, from the journal as recovery left
        it (`data`): the overlay of the last completed apply, no build directory.
        Returns what was done to the overlay, if anything."""
        done = self.overlay.recover(committed_copies(data))
        self.remove_build()
        return done

    def build(self, overlay_json: Path) -> Built:
        """`go build -overlay` of cmd/go into a fresh private build directory."""
        built = make_private_dir(self.build_dir) / self.goroot.exe_name
        seconds = gobuild.build_go(self.goroot.root, overlay_json, built, self.progress)
        return Built(built, built.read_bytes(), seconds)

    def self_test(self, built: Built, patch_ids: list[str], unverified: str | None) -> str:
        """Prove the built go command (see selftest.py) where it can run.
        `unverified`: why the sources are not verified upstream files, if they are not."""
        g = self.goroot
        if not gobuild.runs_here(g.root):
            if unverified:
                raise selftest.SelfTestFailed(f"{g.root}: unverified sources ({unverified}) and a go command built "
                                              "for another system, so the self-test cannot run here; unverified "
                                              "sources are only installed once the self-test passed")
            return "self-test skipped (the go command is built for another system and cannot run here)"
        env = selftest.environment(gobuild.build_env(g.root, gobuild.BuildSettings(), self.build_dir), g.root)
        installed = selftest.version_of(g.go_binary, env)
        return selftest.run(built.path, installed, env, self.build_dir, patch_ids)

    def remove_build(self) -> None:
        shutil.rmtree(self.build_dir, ignore_errors=True)
