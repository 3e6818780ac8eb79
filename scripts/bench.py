#!/usr/bin/env python3
"""`make bench`: wall-time ratios on this machine, from one run.

1. `patcher apply --cursor` on a 1.5 MB minified ES-module bundle vs a plain
   regex script making the same two edits (hook after the license comment,
   useConpty guarded) and writing the files.
2. `patcher apply --go-src` vs the bare `go build -overlay` it runs (warm
   build cache, same overlay).
3. `patcher status` on a full install (GOROOT + editor, both applied).

Each figure is the median of N runs of the real command (a new process, as a
user runs it).  Prints ratios; asserts nothing.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))
import bundlegen  # noqa: E402
import gobin  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PATCHER = [sys.executable, "-m", "patcher"]

REGEX_SCRIPT = r'''
import re, sys
main, pty = sys.argv[1], sys.argv[2]
hook = open(sys.argv[3], encoding="utf-8").read()
src = open(main, encoding="utf-8", newline="").read()
src = re.sub(r"\A(/\*!.*?\*/)", lambda m: m.group(1) + "\n" + hook, src, count=1, flags=re.S)
open(main, "w", encoding="utf-8", newline="").write(src)
src = open(pty, encoding="utf-8", newline="").read()
src = re.sub(r"useConpty:([^,}]+)", r'useConpty:((process.platform==="win32"&&process.env.PATCHER_WINPTY!=="0")?false:(\1))', src, count=1)
open(pty, "w", encoding="utf-8", newline="").write(src)
'''


def timed(cmd, env=None, cwd=REPO) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def median(xs) -> str:
    return f"{statistics.median(xs):.3f}s"


def bench_cursor(tmp: Path) -> tuple[float, float]:
    app = bundlegen.make_app(tmp / "cursor", shape="esm", winpty=True, esm_bytes=1_500_000)
    pristine = {p: p.read_bytes() for p in app.rglob("*.js")}
    hook = tmp / "hook.js"
    hook.write_text((REPO / "patches/cursor/spawn-env-hook/1/payload/hook.js").read_text())
    state = tmp / "state"
    ours, regex = [], []
    for _ in range(RUNS):
        ours.append(timed(PATCHER + ["apply", "--cursor", str(app), "--state-dir", str(state)]))
        subprocess.run(PATCHER + ["revert", "--cursor", str(app), "--state-dir", str(state)], check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)
        regex.append(timed([sys.executable, "-c", REGEX_SCRIPT, str(app / "out/main.js"),
                            str(app / bundlegen_pty()), str(hook)]))
        for p, data in pristine.items():
            p.write_bytes(data)
    size = (app / "out/main.js").stat().st_size
    print(f"cursor apply ({size / 1e6:.1f} MB ESM bundle): patcher {median(ours)}, regex script {median(regex)}, "
          f"ratio {statistics.median(ours) / statistics.median(regex):.1f}x")
    # Where patcher's time goes, in-process (no interpreter start-up).
    from patcher.targets.editor import bundles
    from patcher.engine import syntax
    data = (app / "out/main.js").read_bytes()
    t0 = time.perf_counter(); syntax.parse("javascript", data); parse = time.perf_counter() - t0
    t0 = time.perf_counter(); bundles.node_check([(data, "module", "main.js")]); check = time.perf_counter() - t0
    t0 = time.perf_counter(); subprocess.run(PATCHER + ["--version"], check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    start = time.perf_counter() - t0
    print(f"  of which: one full tree-sitter parse {parse:.3f}s, node --check {check:.3f}s, interpreter + imports {start:.3f}s")
    return statistics.median(ours), statistics.median(regex)


def bundlegen_pty() -> str:
    return "out/vs/platform/terminal/node/ptyHostMain.js"


def bench_go(tmp: Path, app: Path | None) -> None:
    pristine = gobin.fetch(gobin.DEFAULT_VERSION, quiet=True)
    goroot = gobin.clone_goroot(pristine, tmp / "go")
    state = tmp / "gostate"
    # Warm the build cache for this overlay once, like a user's second apply.
    subprocess.run(PATCHER + ["apply", "--go-src", str(goroot), "--state-dir", str(state)], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    overlay_json = json.loads(subprocess.run(PATCHER + ["status", "--json", "--go-src", str(goroot), "--state-dir", str(state)],
                                             check=True, cwd=REPO, capture_output=True).stdout)["overlay"]
    scratch = tmp / "overlay-copy.json"
    shutil.copy(overlay_json, scratch)
    ours, bare = [], []
    from patcher.targets.go.build import build_env, read_settings
    settings = read_settings(goroot / "bin" / "go", goroot)
    for _ in range(RUNS):
        subprocess.run(PATCHER + ["revert", "--go-src", str(goroot), "--state-dir", str(state)], check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)
        ours.append(timed(PATCHER + ["apply", "--go-src", str(goroot), "--state-dir", str(state)]))
        # An up-to-date output would let go skip the link; apply always links.
        (tmp / "go.bare").unlink(missing_ok=True)
        bare.append(timed([str(goroot / "bin" / "go"), "build", "-overlay", overlay_json, *settings.flags, "-o",
                           str(tmp / "go.bare"), "cmd/go"], env=build_env(goroot, settings), cwd=goroot / "src"))
    print(f"go apply (warm build cache): patcher {median(ours)}, bare go build -overlay {median(bare)}, "
          f"ratio {statistics.median(ours) / statistics.median(bare):.1f}x")
    if app is not None:
        subprocess.run(PATCHER + ["apply", "--cursor", str(app), "--state-dir", str(state)], check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)
        st = [timed(PATCHER + ["status", "--go-src", str(goroot), "--cursor", str(app), "--state-dir", str(state)])
              for _ in range(RUNS)]
        ver = [timed(PATCHER + ["--version"]) for _ in range(RUNS)]
        print(f"status on a full install (GOROOT + editor, both applied): {median(st)} "
              f"(interpreter + imports alone: {median(ver)}, ratio {statistics.median(st) / statistics.median(ver):.1f}x)")


def main() -> int:
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}, median of {RUNS} runs each")
    with tempfile.TemporaryDirectory(prefix="patcher-bench-") as tmp:
        tmp = Path(tmp)
        bench_cursor(tmp)
        bench_go(tmp, tmp / "cursor" / "resources" / "app")
    return 0


if __name__ == "__main__":
    sys.exit(main())
