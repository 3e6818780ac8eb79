"""What the user reads from the Go extension (golang.go), measured by running each real build's OWN functions in
node (tests/js/goext-harness.cjs, driven by tests/goext_harness.py) with a real go and a dlv stand-in.

The extension decodes every pipe chunk on its own (`chunk.toString()` in goTest() and in the three dlv-dap
listeners of spawnDlvDapServerProcess()), so a character cut across two chunks shows as U+FFFD. node on Linux
reads a child's output 64 KB at a time from a socket pair, so long CJK lines are cut whatever go writes.

Per build of the corpus (../shared/corpus/vscode-go):
* unpatched: the test output channel (go.testFlags -v, i.e. -json; and a failing test with default settings) and
  the debug console show U+FFFD where the test's own output has none;
* patched (`patcher apply --go-ext`, goext/utf8-stream-decode@1), on a copy in a folder with a space and CJK
  characters: no U+FFFD although node still hands the bundle chunks that end inside a character (counted by
  the harness's own listener), the channel shows the test's own output (timings and package folders aside, see
  goext_harness.channel_view for what the channel shows in each mode) and the debug console shows exactly the
  bytes the stand-in wrote, decoded whole. These tests are the ones named test_patched_* (`-k test_patched`).
"""

from pathlib import Path

import pytest

import goext_harness as gx
from conftest import FIXTURES, GOMOD, ODD_DIR, copy_goext, goext_builds, run_patcher, say

BIGCJK = GOMOD / "bigcjk"  # TestBig: 20 lines of ~210 KB
FAILCJK = FIXTURES / "goext" / "failcjk"  # TestFailCJK: 8 lines of ~200 KB, then fails (its own module)
# -v makes the extension add -json; -count=1 so that every run really streams (no cached result replayed).
JSON_FLAGS = ["-v", "-count=1"]

@pytest.fixture(scope="module", params=goext_builds())
def build(request) -> Path:
    return request.param


@pytest.fixture(scope="module")
def go_bin(pristine_goroot) -> Path:
    return pristine_goroot / "bin"


@pytest.fixture(scope="module")
def patched(build, tmp_path_factory) -> Path:
    """A copy of the build, installed-looking (writable), patched by the real CLI."""
    base = tmp_path_factory.mktemp("goext") / ODD_DIR
    copy = copy_goext(build, base)
    run_patcher("apply", "--go-ext", copy, "--state-dir", base / "state", check=True)
    return copy


def _json_run(ext: Path, go_bin: Path, pytestconfig) -> dict:
    r = gx.run_gotest(ext, BIGCJK, go_bin, flags=JSON_FLAGS, run=["TestBig"])
    say(pytestconfig, ext.name, f"goTest -v (JSON) TestBig: {r['fffd']} U+FFFD in the channel ({gx.reads_line(r)})")
    return r


def _failing_run(ext: Path, go_bin: Path, pytestconfig) -> dict:
    r = gx.run_gotest(ext, FAILCJK, go_bin, flags=None, run=["TestFailCJK"])
    say(pytestconfig, ext.name, f"goTest default settings, failing TestFailCJK: {r['fffd']} U+FFFD in the channel "
                                   f"({gx.reads_line(r)})")
    return r


def _dlv_run(ext: Path, tmp: Path, pytestconfig) -> dict:
    r = gx.run_dlv(ext, tmp)
    say(pytestconfig, ext.name, f"dlv dap stand-in: {r['fffd']} U+FFFD in the debug console ({gx.reads_line(r)})")
    return r


@pytest.fixture(scope="module")
def unpatched_json(build, go_bin, pytestconfig):
    return _json_run(build, go_bin, pytestconfig)


@pytest.fixture(scope="module")
def unpatched_failing(build, go_bin, pytestconfig):
    return _failing_run(build, go_bin, pytestconfig)


@pytest.fixture(scope="module")
def unpatched_dlv(build, tmp_path_factory, pytestconfig):
    return _dlv_run(build, tmp_path_factory.mktemp("dlv"), pytestconfig)


@pytest.fixture(scope="module")
def patched_json(patched, go_bin, pytestconfig):
    return _json_run(patched, go_bin, pytestconfig)


@pytest.fixture(scope="module")
def patched_failing(patched, go_bin, pytestconfig):
    return _failing_run(patched, go_bin, pytestconfig)


@pytest.fixture(scope="module")
def patched_dlv(patched, tmp_path_factory, pytestconfig):
    return _dlv_run(patched, tmp_path_factory.mktemp("dlv 调试"), pytestconfig)


@pytest.mark.go
def test_gotest_json_mode_unpatched_shows_fffd(unpatched_json):
    gx.checked_own_output(unpatched_json, as_json=True, needle="--- PASS: TestBig", passed=True)
    assert gx.cut_reads(unpatched_json) > 0, "node must hand on chunks that end inside a character"
    assert unpatched_json["fffd"] > 0, "the unpatched reader must show the problem, or the patched side proves nothing"


@pytest.mark.go
def test_gotest_failing_default_mode_unpatched_shows_fffd(unpatched_failing):
    gx.checked_own_output(unpatched_failing, as_json=False, needle="--- FAIL: TestFailCJK", passed=False)
    assert gx.cut_reads(unpatched_failing) > 0
    assert unpatched_failing["fffd"] > 0


def test_dlv_debug_console_unpatched_shows_fffd(unpatched_dlv):
    emitted = unpatched_dlv["emitted"]
    assert set(emitted) == set(gx.DLV_STREAMS), "stdout, stderr and fd 3 all written"
    assert all(gx.FFFD not in b.decode("utf-8") for b in emitted.values())
    assert gx.cut_reads(unpatched_dlv) > 0
    assert unpatched_dlv["fffd"] > 0


def _assert_channel_is_own_output(r: dict, own: str) -> None:
    # Cut chunks still reach the patched bundle: its 0 U+FFFD is its reader's doing, not lucky chunking.
    assert gx.cut_reads(r) > 0, gx.reads_line(r)
    assert r["fffd"] == 0
    assert gx.channel_difference(r, own) is None


@pytest.mark.go
def test_patched_gotest_json_mode_shows_the_tests_own_output(patched_json):
    own = gx.checked_own_output(patched_json, as_json=True, needle="--- PASS: TestBig", passed=True)
    _assert_channel_is_own_output(patched_json, own)


@pytest.mark.go
def test_patched_gotest_failing_default_mode_shows_the_tests_own_output(patched_failing):
    own = gx.checked_own_output(patched_failing, as_json=False, needle="--- FAIL: TestFailCJK", passed=False)
    _assert_channel_is_own_output(patched_failing, own)


def test_patched_dlv_debug_console_shows_the_bytes_decoded_whole(patched_dlv):
    assert gx.cut_reads(patched_dlv) > 0, gx.reads_line(patched_dlv)
    assert patched_dlv["fffd"] == 0
    console = gx.debug_console(patched_dlv)
    for stream, data in patched_dlv["emitted"].items():
        assert console[stream] == data.decode("utf-8"), stream
    assert set(patched_dlv["emitted"]) == set(gx.DLV_STREAMS)
