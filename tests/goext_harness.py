"""Driving tests/js/goext-harness.cjs: a real golang.go build's own goTest() and spawnDlvDapServerProcess() run in
node, and what the user reads from them (the test output channel, the debug console).

What the channel shows, measured on 0.34.1, 0.42.1 and 0.54.0 (`channel_view` models it, `own_output` applies it
to the test's output decoded whole):

* "Running tool: <go> test ..." and an empty line first (`channel_body` drops them).
* `go.testFlags` with -v: the extension adds -json, and each "output" event's Output is shown with trailing
  whitespace trimmed (JS trimEnd) and a newline: one channel line per event. go test's JSON splits a long line into
  events of about 1 KB (at character boundaries), so a 210 KB line of the test shows as about 200 channel lines.
* No -v (default settings): the lines go test prints; a passing test shows only "ok ...", a failing one its output.
* Both: go's stderr lines, and `file.go:N:` references rewritten into full paths (`relative_paths` undoes that).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))

import gotestout  # noqa: E402  (the one owner of "timings aside")

HARNESS = REPO / "tests" / "js" / "goext-harness.cjs"
FAKE_DLV = REPO / "tests" / "js" / "fake-dlv.cjs"
FFFD = "\ufffd"
# What JavaScript's trimEnd() removes (WhiteSpace and LineTerminator); Python's rstrip() has another set.
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
                "\u2028\u2029\u202f\u205f\u3000\ufeff"
DLV_STREAMS = {"stdout": "log", "stderr": "logErr", "fd3": "logConsole"}


class HarnessError(AssertionError):
    """The harness could not run the bundle's function (not a measurement)."""


def run_harness(mode: str, ext_dir: Path, spec: dict, node: Sequence[str] = ("node",),
                to_node_path: Callable[[Path], str] = str, env: dict | None = None, timeout: float = 900,
                silent_retries: int = 0) -> dict:
    """One harness run; its JSON result. `node` is the command that starts node (e.g. wine64 node.exe) and
    `to_node_path` turns our paths into ones it understands.  `silent_retries`: how often a run that wrote
    nothing at all (no result, not a byte on stdout or stderr: node never ran the harness, whose every failure
    says something) is made again.  Seen once in ~20 runs of node.exe under a loaded Wine (exit 1, silent)."""
    left = silent_retries
    while True:
        try:
            return _run_harness_once(mode, ext_dir, spec, node, to_node_path, env, timeout)
        except _Silent as exc:
            if not left:
                raise HarnessError(str(exc)) from None
            left -= 1


class _Silent(Exception):
    """node exited without a result and without a word."""


def _run_harness_once(mode, ext_dir, spec, node, to_node_path, env, timeout) -> dict:
    with tempfile.TemporaryDirectory(prefix="goext-") as tmp:
        spec_file, result_file = Path(tmp, "spec.json"), Path(tmp, "result.json")
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        script, *paths = (to_node_path(p) for p in (HARNESS, ext_dir, result_file, spec_file))
        argv = [*node, script, mode, *paths]
        # stdout and stderr to files, never pipes: a Windows node under Wine cannot write to a Linux pipe (EBADF).
        out_file, err_file = Path(tmp, "stdout.txt"), Path(tmp, "stderr.txt")
        with open(out_file, "wb") as out, open(err_file, "wb") as err:
            proc = subprocess.run(argv, stdout=out, stderr=err, env=env, timeout=timeout)
        if not result_file.exists():
            said = "".join(f.read_text(encoding="utf-8", errors="replace") for f in (err_file, out_file))
            if not said:
                raise _Silent(f"harness wrote no result and nothing else (exit {proc.returncode})")
            raise HarnessError(f"harness wrote no result (exit {proc.returncode}): {said[-3000:]}")
        result = json.loads(result_file.read_text(encoding="utf-8"))
    if result.get("error"):
        raise HarnessError(f"harness on {ext_dir}: {result['error']}")
    return result


def tool_env(go_bin_dir: Path | None = None, env: dict | None = None) -> dict:
    """The editor's environment for goTest: the given go first on PATH, nothing that picks another go (the
    extension looks at GOBIN and GOROOT before PATH) or downloads one."""
    env = dict(os.environ if env is None else env)
    for key in ("GOROOT", "GOBIN", "GOFLAGS"):
        env.pop(key, None)
    env.update(GOTOOLCHAIN="local", GOFLAGS="")
    if go_bin_dir is not None:
        env["PATH"] = os.pathsep.join([str(go_bin_dir), env.get("PATH", "")])
    return env


def run_gotest(ext_dir: Path, pkg_dir: Path, go_bin_dir: Path | None, flags: Sequence[str] | None = ("-v",),
               run: Sequence[str] = ("TestBig",), node: Sequence[str] = ("node",),
               to_node_path: Callable[[Path], str] = str, env: dict | None = None, silent_retries: int = 0) -> dict:
    """The bundle's goTest() for test functions `run` in pkg_dir, with `go.testFlags` = flags (None: the default
    settings). Result: channel (its text), fffd, returned (goTest's value), spawns, and reference = the same
    go test command run again with all its bytes decoded at once."""
    settings = {} if flags is None else {"go.testFlags": list(flags)}
    spec = {"dir": to_node_path(pkg_dir), "settings": settings, "functions": list(run), "reference": True}
    return run_harness("gotest", ext_dir, spec, node=node, to_node_path=to_node_path, env=tool_env(go_bin_dir, env),
                       silent_retries=silent_retries)


def fake_dlv(into: Path) -> Path:
    """The dlv stand-in as an executable file (a checkout may not keep the executable bit)."""
    if os.access(FAKE_DLV, os.X_OK):
        return FAKE_DLV
    copy = into / "dlv"
    shutil.copyfile(FAKE_DLV, copy)
    copy.chmod(0o755)
    return copy


def run_dlv(ext_dir: Path, work_dir: Path, node: Sequence[str] = ("node",), env: dict | None = None) -> dict:
    """The bundle's spawnDlvDapServerProcess() starting the dlv stand-in in work_dir. Result: calls (the debug
    console, in order), log/logErr/logConsole, fffd, and emitted = the bytes the stand-in wrote per stream."""
    record = Path(tempfile.mkdtemp(prefix="fakedlv-"))
    try:
        spec = {"dir": str(work_dir), "dlvToolPath": str(fake_dlv(record)), "env": {"FAKEDLV_RECORD": str(record)}}
        result = run_harness("dlv", ext_dir, spec, node=node, env=env)
        result["emitted"] = {name: (record / f"{name}.bin").read_bytes() for name in DLV_STREAMS
                             if (record / f"{name}.bin").exists()}
    finally:
        shutil.rmtree(record, ignore_errors=True)
    return result


def debug_console(result: dict) -> dict[str, str]:
    """Per stream, the text the debug console got from it: stdout -> log, stderr -> logErr, fd 3 -> logConsole
    between the adapter's own "Starting: ..." and "dlv dap (PID) exited ..." messages."""
    calls = result["calls"]
    assert calls[0][0] == "logConsole" and calls[0][1].startswith("Starting: "), calls[:1]
    assert calls[-1][0] == "logConsole" and calls[-1][1].startswith("dlv dap ("), calls[-1:]
    inner = calls[1:-1]
    return {stream: "".join(text for kind, text in inner if kind == fn) for stream, fn in DLV_STREAMS.items()}


def normalize_timings(text: str) -> str:
    """`--- PASS: TestX (0.01s)`, `ok  pkg\t0.123s`, `(cached)`, goroutine dumps: what differs between two runs."""
    return gotestout.normalize(text.encode("utf-8", "surrogatepass")).decode("utf-8", "surrogatepass")


def relative_paths(text: str, *folders: str) -> str:
    """The extension shows `file.go:N:` with the package folder in front (and go -test.fullpath prints it so):
    folder prefixes removed, so both ways read the same."""
    for folder in folders:
        for sep in ("/", "\\"):
            text = text.replace(folder.rstrip(sep) + sep, "")
    return text


def channel_body(channel: str) -> str:
    """The channel's text after goTest's "Running tool: ..." line and the empty line after it."""
    head, blank, body = channel.split("\n", 2)
    assert head.startswith("Running tool: ") and blank == "", channel[:300]
    return body


def main_spawn(result: dict) -> dict:
    """The child the run is about: goTest's `go test`, or the adapter's `dlv dap`."""
    return next(s for s in result["spawns"] if s["args"][:1] in (["test"], ["dap"]))


def cut_reads(result: dict) -> int:
    """How many chunks node handed on from that child that ended inside a character (on any of its streams)."""
    return sum(r["cut"] for r in main_spawn(result)["reads"].values())


def reads_line(result: dict) -> str:
    """"stdout 22 of 95 reads cut, ..."; a stream decoded before any listener (setEncoding) cannot be counted."""
    return ", ".join(f"{name} {r['chunks']} reads, decoded by the stream itself" if r.get("strings")
                     else f"{name} {r['cut']} of {r['chunks']} reads cut"
                     for name, r in main_spawn(result)["reads"].items() if r["chunks"])


def json_mode(result: dict) -> bool:
    """Whether goTest ran go test with -json (it adds it for -v)."""
    return "-json" in main_spawn(result)["args"]


def channel_view(stdout: str, stderr: str, as_json: bool) -> str:
    """What goTest's channel shows for go test's stdout/stderr (decoded text), line by line as its LineBuffer
    splits them (on "\\n" only). stderr lines come last here; in the channel they come when they arrive."""
    lines = []
    for line in _lines(stdout):
        if not as_json:
            lines.append(line)
            continue
        try:
            event = json.loads(line)
        except ValueError:
            lines.append(line)  # not JSON (a build error): shown as it is
            continue
        if isinstance(event, dict) and event.get("Action") == "output" and event.get("Output"):
            lines.append(event["Output"].rstrip(JS_WHITESPACE))
    lines.extend(_lines(stderr))
    return "".join(f"{ln}\n" for ln in lines)


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return parts[:-1] + ([parts[-1]] if parts[-1] else [])


def own_output(result: dict) -> str:
    """The test's own output as the channel would show it with a whole reader: the reference run (the same go
    test command, all bytes decoded at once) through channel_view."""
    ref = result["reference"]
    return channel_view(ref["stdout"], ref["stderr"], json_mode(result))


def comparable(text: str, result: dict, drop: Callable[[str], bool] = lambda line: False) -> str:
    """Timings aside, package folders aside, lines for which drop() is true aside."""
    folders = {s["cwd"] for s in result["spawns"] if s.get("cwd")}
    text = relative_paths(normalize_timings(text), *folders)
    return "".join(ln for ln in text.splitlines(keepends=True) if not drop(ln))


def checked_own_output(r: dict, as_json: bool, needle: str, passed: bool | None = None) -> str:
    """The test's own output as the channel would show it, after checking that the run is the one meant (mode,
    goTest's result) and that this output is whole and clean: a U+FFFD in the channel can then only come from
    the reader."""
    assert json_mode(r) is as_json, r["spawns"]
    assert r["returned"] is (r["reference"]["code"] == 0), "goTest's result is go test's exit status"
    if passed is not None:
        assert r["returned"] is passed
    own = own_output(r)
    assert FFFD not in own and needle in own and len(own) > 400_000, own[:300]
    return own


def channel_difference(r: dict, own: str, drop: Callable[[str], bool] = lambda line: False) -> str | None:
    """None when the channel shows exactly `own` (timings, package folders and dropped lines aside)."""
    return first_difference(comparable(channel_body(r["channel"]), r, drop), comparable(own, r, drop))


def first_difference(a: str, b: str) -> str | None:
    """None when equal, else where they first differ (a 1 MB assertion diff helps nobody)."""
    if a == b:
        return None
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    around = slice(max(0, i - 60), i + 60)
    return f"lengths {len(a)} vs {len(b)}, first difference at {i}: {a[around]!r} vs {b[around]!r}"
