"""Prove a freshly built go command before it replaces the installed one.

Two questions, asked of the built binary itself:
  * is it the release it replaces?  `go version` of the new binary must
    print what the installed one prints (a build that picked up another
    toolchain would not);
  * does `go test -v` still print exactly what the test printed?  A small
    probe package, written to a scratch directory, prints CJK, emoji and a
    line longer than a pipe buffer (so the copy into go's stdout is chunked,
    the place our writer works); the output must be byte for byte the
    expected text apart from timings.  With GOTEST_BOM=1 it must start with
    exactly one BOM when go/testmain-bom is among the patches, none
    otherwise; without it, no BOM.

A failing self-test is a refusal: the new binary is not installed and
nothing changes.
"""

import re
import subprocess
from pathlib import Path

from patcher.errors import Refused
from patcher.state.atomicio import make_private_dir, write_atomic

BOM = b"\xef\xbb\xbf"
BOM_PATCH = "go/testmain-bom"
_TIMING = re.compile(rb"\((\d+\.\d+)s\)|\t(\d+\.\d+)s$|\t\(cached\)$", re.M)

# What the probe prints, one fmt.Println each.
PROBE_LINES = (
    "patcher self-test: 中文输出，没有乱码。",
    "emoji: 🙂🚀✅ — done",
    "长" * 30_000,  # 90 KB: more than a pipe buffer
)


class SelfTestFailed(Refused):
    """The built go command does not do what it must; nothing was installed."""


def _go_string(text: str) -> str:
    return '"' + "".join(c if c not in '"\\' else "\\" + c for c in text) + '"'


def probe_files() -> dict[str, bytes]:
    printlns = "\n".join(f"\tfmt.Println({_go_string(line)})" for line in PROBE_LINES)
    test = f"package probe\n\nimport (\n\t\"fmt\"\n\t\"testing\"\n)\n\nfunc TestProbe(t *testing.T) {{\n{printlns}\n}}\n"
    return {"go.mod": b"module patcherprobe\n\ngo 1.21\n", "probe_test.go": test.encode("utf-8")}


def expected_output() -> bytes:
    body = "".join(line + "\n" for line in PROBE_LINES)
    return f"=== RUN   TestProbe\n{body}--- PASS: TestProbe (0.00s)\nPASS\nok  \tpatcherprobe\t0.00s\n".encode("utf-8")


def _normalise(out: bytes) -> bytes:
    return _TIMING.sub(lambda m: b"(0.00s)" if m.group(1) else b"\t0.00s", out)


def _run(cmd: list[str], env: dict, cwd: Path, what: str) -> bytes:
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SelfTestFailed(f"{cmd[0]}: self-test could not run {what} ({exc})") from None
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise SelfTestFailed(f"{cmd[0]}: self-test: {what} failed (exit {proc.returncode}: {last[0][:200]}); nothing installed")
    return proc.stdout


def version_of(go: Path, env: dict) -> str:
    out = _run([str(go), "version"], env, go.parent, "`go version`").decode("utf-8", "replace").split()
    return out[2] if len(out) >= 3 and out[:2] == ["go", "version"] else " ".join(out)


def run(built: Path, installed_version: str, env: dict, scratch: Path, patch_ids: list[str]) -> str:
    """Run the self-test of `built`; returns a one-line summary, raises SelfTestFailed."""
    got = version_of(built, env)
    if got != installed_version:
        raise SelfTestFailed(f"{built}: self-test: the new go command reports {got}, the installed one {installed_version}; nothing installed")
    probe = make_private_dir(scratch / "selftest")
    for name, data in probe_files().items():
        write_atomic(probe / name, data, mode=0o600)
    env = {k: v for k, v in env.items() if k not in ("GOTEST_BOM", "GOTEST_UTF8", "GOFLAGS")}
    cmd = [str(built), "test", "-count=1", "-v", "."]
    want = expected_output()
    plain = _normalise(_run(cmd, env, probe, "`go test -v` of the probe package"))
    if plain != want:
        raise SelfTestFailed(f"{built}: self-test: `go test -v` output differs from what the test printed "
                             f"({_first_difference(plain, want)}); nothing installed")
    with_bom = _normalise(_run(cmd, dict(env, GOTEST_BOM="1"), probe, "`go test -v` with GOTEST_BOM=1"))
    bom_wanted = BOM_PATCH in patch_ids
    if with_bom != (BOM + want if bom_wanted else want):
        what = "exactly one BOM and then the test's output" if bom_wanted else "the test's output without a BOM"
        raise SelfTestFailed(f"{built}: self-test: with GOTEST_BOM=1 `go test -v` did not print {what} "
                             f"(starts {with_bom[:8]!r}, {with_bom.count(BOM)} BOMs); nothing installed")
    return f"self-test passed: {got}, `go test -v` printed CJK, emoji and a {len(PROBE_LINES[-1].encode())}-byte line intact" + \
        (", GOTEST_BOM=1 gave one BOM" if bom_wanted else "")


def _first_difference(got: bytes, want: bytes) -> str:
    n = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    return f"{len(got)} bytes instead of {len(want)}, first difference at byte {n}"


def environment(base: dict, goroot: Path) -> dict:
    """The self-test's environment: the build's, with the GOROOT named (the
    built binary does not sit in GOROOT/bin, so it cannot find it itself)."""
    env = dict(base)
    env["GOROOT"] = str(goroot)
    env.setdefault("CGO_ENABLED", "0")  # the probe needs no C compiler
    return env
