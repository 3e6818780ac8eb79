"""What the two Go patches do, measured on a real patched toolchain.

Every comparison runs the same command with the original go binary and with
the patched one, so each assertion could fail: the baseline shows the
problem exists before it shows it gone.
"""

import json
import subprocess

import pytest

import splitwrites
from conftest import GOMOD, go_env
from gotestout import normalize

pytestmark = pytest.mark.go
BOM = b"\xef\xbb\xbf"


def go_test(go, *args, env=None, cwd=GOMOD) -> subprocess.CompletedProcess:
    return subprocess.run([str(go), "test", "-count=1", *args], cwd=cwd, capture_output=True, env=go_env(**(env or {})))


def json_by_package(out: bytes) -> dict:
    """-json streams interleave packages at random; compare each package's events in order."""
    events = {}
    for line in out.splitlines():
        e = json.loads(line)
        e.pop("Time", None)
        e.pop("Elapsed", None)
        if "Output" in e:
            e["Output"] = normalize(e["Output"].encode()).decode()
        events.setdefault(e.get("Package"), []).append(e)
    return events


# The cut-write measurement needs strace; without it these tests fail (with
# "strace not found") rather than skip, so CI cannot pass without measuring.
def test_long_cjk_lines_are_never_cut(applied):
    cmd = ["test", "-count=1", "-v", "-run", "TestBig", "./bigcjk"]
    before = splitwrites.measure([str(applied.original_go), *cmd], env=go_env(), cwd=GOMOD)
    after = splitwrites.measure([str(applied.go), *cmd], env=go_env(), cwd=GOMOD)
    print(f"unpatched: {before.line()}\npatched:   {after.line()}")
    assert before.cut > 0, "baseline: the unpatched go command cuts characters on this test"
    assert after.cut == 0
    assert after.exit == before.exit == 0
    assert normalize(after.data) == normalize(before.data)


def test_gotest_utf8_0_turns_the_wrapping_off(applied):
    m = splitwrites.measure([str(applied.go), "test", "-count=1", "-v", "-run", "TestBig", "./bigcjk"],
                            env=go_env(GOTEST_UTF8="0"), cwd=GOMOD)
    assert m.cut > 0, "with the switch off, go test copies output as upstream does"


@pytest.mark.parametrize("args,env", [
    (["-v", "./..."], {}),
    (["./..."], {}),
    (["-v", "-p=1", "./..."], {}),
    (["-v", "-run", "FailOnRequest|Greeting", "./mixed"], {"PATCHER_FIXTURE": "fail"}),
    (["-v", "-run", "FailOnRequest", "./mixed"], {"PATCHER_FIXTURE": "panic"}),
    (["-v", "-run", "FailOnRequest", "./mixed"], {"PATCHER_FIXTURE": "exit"}),
    (["-v", "-tags", "patcherbroken", "./..."], {}),
    (["-v", "-timeout", "1s", "-run", "SleepOnRequest", "./mixed"], {"PATCHER_FIXTURE": "sleep"}),
    (["-v"], {}),  # no package argument: go test hands its stdout file to the child
], ids=["v-all", "quiet-all", "v-p1", "fail", "panic", "exit-mid-char", "build-failed", "timeout", "no-pkg-arg"])
def test_output_is_identical_to_unpatched_apart_from_timings(applied, args, env):
    cwd = GOMOD / "mixed" if args == ["-v"] else GOMOD
    before = go_test(applied.original_go, *args, env=env, cwd=cwd)
    after = go_test(applied.go, *args, env=env, cwd=cwd)
    assert after.returncode == before.returncode
    assert normalize(after.stdout) == normalize(before.stdout)
    assert normalize(after.stderr) == normalize(before.stderr)


def test_json_output_is_unchanged_and_has_no_bom(applied):
    before = go_test(applied.original_go, "-json", "./...")
    after = go_test(applied.go, "-json", "./...")
    assert json_by_package(after.stdout) == json_by_package(before.stdout)
    with_bom = go_test(applied.go, "-json", "./...", env={"GOTEST_BOM": "1"})
    assert BOM not in with_bom.stdout
    assert json_by_package(with_bom.stdout) == json_by_package(before.stdout)


@pytest.mark.parametrize("args", [["-v", "./..."], ["./..."], ["-v", "-p=1", "./..."], ["-v", "./withmain"]])
def test_gotest_bom_gives_exactly_one_bom_first(applied, args):
    out = go_test(applied.go, *args, env={"GOTEST_BOM": "1"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(BOM)
    assert out.stdout.count(BOM) == 1
    plain = go_test(applied.go, *args)
    assert normalize(out.stdout[len(BOM):]) == normalize(plain.stdout)


def test_testmain_with_its_own_flags_still_works_with_bom(applied):
    out = go_test(applied.go, "-v", "./withmain", "-args", "-greeting=hola", env={"GOTEST_BOM": "1"})
    assert out.returncode == 0, out.stderr
    assert b"TestMain says hola" in out.stdout
    assert out.stdout.count(BOM) == 1


def test_test_binary_run_directly(applied, tmp_path):
    binary = tmp_path / "mixed.test"
    subprocess.run([str(applied.go), "test", "-c", "-o", str(binary), "./mixed"], cwd=GOMOD, check=True, env=go_env())
    run = lambda *a, **e: subprocess.run([str(binary), "-test.run", "TestGreeting", *a], capture_output=True,
                                         env=go_env(**e)).stdout
    direct = run("-test.v", GOTEST_BOM="1")
    assert direct.startswith(BOM) and direct.count(BOM) == 1
    assert BOM not in run("-test.v=test2json", GOTEST_BOM="1")
    assert BOM not in run("-test.v")


def test_without_gotest_bom_the_original_binary_prints_the_same(applied, tmp_path):
    outs = []
    for go in (applied.original_go, applied.go):
        binary = tmp_path / f"{go.parent.parent.name}-{len(outs)}.test"
        subprocess.run([str(go), "test", "-c", "-o", str(binary), "./mixed"], cwd=GOMOD, check=True, env=go_env())
        outs.append(subprocess.run([str(binary), "-test.v", "-test.run", "Greeting|Subtests"], capture_output=True,
                                   env=go_env()).stdout)
    assert normalize(outs[0]) == normalize(outs[1])


def test_the_writers_own_go_tests_pass(applied):
    """The patch ships Go tests for its writer (random splits, newline flush, timer, invalid bytes)."""
    # -vet=off: go1.21's vet does not see files an overlay adds (fixed in later releases).
    out = subprocess.run([str(applied.go), "test", "-count=1", "-vet=off", "-overlay", str(applied.overlay),
                          "cmd/go/internal/test", "-run", "PatcherUTF8", "-v"], cwd=applied.root / "src",
                         capture_output=True, env=go_env())
    assert out.returncode == 0, out.stdout.decode(errors="replace")[-2000:]
    assert out.stdout.count(b"--- PASS: TestPatcherUTF8") == 6


def test_interrupt_flushes_like_upstream(applied):
    """Ctrl-C (SIGINT to the process group) while a test sleeps after printing a
    long line; the output is read continuously, as a terminal would."""
    import os
    import signal
    import threading
    import time

    line = ("睡眠之前 " + "睡眠" * 30000 + "\n").encode()
    outs = []
    for go in (applied.original_go, applied.go):
        proc = subprocess.Popen([str(go), "test", "-count=1", "-v", "-run", "SleepOnRequest", "./mixed"], cwd=GOMOD,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=go_env(PATCHER_FIXTURE="sleep"), start_new_session=True)
        chunks = []
        reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stdout.read1(65536), b"")))
        reader.start()
        deadline = time.monotonic() + 60
        while line not in b"".join(chunks):
            assert time.monotonic() < deadline, "the line printed before the sleep never arrived"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
        reader.join(timeout=60)
        outs.append((proc.returncode, b"".join(chunks)))
    (code_before, before), (code_after, after) = outs
    assert code_after == code_before != 0
    # Whether go prints its final summary "FAIL" after an interrupt is a race
    # inside the go command (signal handler vs. action scheduler), upstream too.
    def trim(out: bytes) -> bytes:
        out = normalize(out)
        return out[:-len(b"FAIL\n")] if out.endswith(b"\nFAIL\n") else out
    assert trim(after) == trim(before)
    assert after.count(line) == 1


def child_stdout_inode(go, cwd, *pkg) -> tuple[int, int]:
    """(inode of the pipe go test writes to, inode the test binary's stdout is)."""
    import os
    import re as _re
    r, w = os.pipe()
    try:
        proc = subprocess.Popen([str(go), "test", "-count=1", "-v", "-run", "StdoutInodeOnRequest", *pkg], cwd=cwd,
                                stdout=w, stderr=subprocess.DEVNULL, env=go_env(PATCHER_FIXTURE="inode"))
        os.close(w)
        out = b""
        while chunk := os.read(r, 65536):
            out += chunk
        proc.wait(timeout=120)
        pipe_inode = os.fstat(r).st_ino
    finally:
        os.close(r)
    return pipe_inode, int(_re.search(rb"stdout-inode=(\d+)", out).group(1))


def test_without_package_arguments_the_child_still_gets_go_tests_own_stdout(applied):
    """golang.org/issue/34791: tests that need a terminal rely on this hand-over."""
    pipe, child = child_stdout_inode(applied.go, GOMOD / "mixed")
    assert child == pipe, "no copy: the test binary writes to go test's stdout itself"
    pipe, child = child_stdout_inode(applied.go, GOMOD, "./mixed")
    assert child != pipe, "with a package argument go test copies (that copy is what the patch wraps)"
