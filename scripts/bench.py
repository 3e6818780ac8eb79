#!/usr/bin/env python3
"""`make bench`: wall-time ratios on this machine, from one run.

1. `patcher apply --cursor` against its fair peer, a script that makes the
   same two edits with regular expressions (spawn hook after the prologue,
   useConpty guarded), writes both files and runs `node --check` on each, on:
   - a real build: code-server 4.108.2's VS Code server (out/server-main.js,
     1.1 MB minified ES module, plus its pty host), from the npm corpus
     (tests/corpus/code-server.json, fetched into .cache/corpus);
   - the generated 1.5 MB minified ES-module bundle (tests/bundlegen.py);
   - a current build, code-server 4.139.1 (1.6 MB out/server-main.js): its
     node-pty has no winpty, so winpty-mode is not applicable and both
     patcher and the peer edit and check the main bundle only.
   Twice: cold (no engine cache: a first apply; the pty host parsed whole,
   the main bundle read through a head, node --check validating both) and
   warm (a re-apply of the same bytes, e.g. after a revert: engine/resultcache.py).
2. `patcher apply --go-ext` on a real golang.go build (0.54.0: a 1.9 MB
   dist/goMain.js and its 0.65 MB legacy adapter, from ../shared/corpus),
   cold and warm, against a peer that wraps the same listeners found by a
   regular expression and a bracket count, writes both files and runs
   `node --check` on each.
3. `patcher apply --go-src` vs the bare `go build -overlay` it runs (warm
   build cache, same overlay).
4. `patcher status` on a full install (GOROOT + editor, both applied) vs the
   bare interpreter start (`python -c pass`), and `patcher apply --kept` with
   nothing to do (what the companion runs at every editor start) vs that status.

Each figure is the median of N runs of the real command (a new process, as a
user runs it).  patcher's modules are byte-compiled first, as an install
does.  Prints ratios; asserts nothing.
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
import corpus  # noqa: E402
import gobin  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PATCHER = [sys.executable, "-m", "patcher"]
REAL_BUILD = "4.108.2"  # both editor patches apply to it (the newest build that still has winpty)
CURRENT_BUILD = "4.139.1"  # winpty gone (node-pty 1.2.0-beta): the spawn hook alone, as on every current Cursor
PTY_HOST = "out/vs/platform/terminal/node/ptyHostMain.js"

# The peer: the same edits by regular expression, then node --check on both files (one after the other);
# pty "-": a build without winpty, the main bundle only.
PEER_SCRIPT = r"""
import json, re, subprocess, sys
main, pty, hook_file, env = sys.argv[1:5]
hook = open(hook_file, encoding="utf-8").read()
src = open(main, encoding="utf-8", newline="").read()
esm = re.search(r"^(?:import|export)\b|[;}](?:import|export)[\s{*]", src, re.M) is not None
hook = (hook.replace("@@prefix@@", 'import{createRequire as __r}from"module";' if esm else "")
        .replace("@@require@@", "__r(import.meta.url)" if esm else "require").replace("@@env@@", env))
prologue = re.match(r'(?:#![^\n]*\n)?(?:\s*(?:"use strict";?|/\*.*?\*/|//[^\n]*))*', src, re.S).end()
open(main, "w", encoding="utf-8", newline="").write(src[:prologue] + "\n" + hook + src[prologue:])
if pty != "-":
    src = open(pty, encoding="utf-8", newline="").read()
    src = re.sub(r"useConpty:([^,}]+)", r'useConpty:((process.platform==="win32"&&process.env.PATCHER_WINPTY!=="0")?false:(\1))', src, count=1)
    open(pty, "w", encoding="utf-8", newline="").write(src)
for path in (main,) if pty == "-" else (main, pty):
    text = open(path, encoding="utf-8").read()
    kind = re.search(r"^(?:import|export)\b|[;}](?:import|export)[\s{*]", text, re.M) is not None
    copy = path + (".mjs" if kind else ".cjs")
    open(copy, "wb").write(open(path, "rb").read())
    subprocess.run(["node", "--check", copy], check=True)
"""


# The goext peer: every `.stdout/.stderr/.stdio[N](?).on("data", <function>` wrapped up to the bracket that
# closes the call (strings are not looked into), the decoder's code first, node --check on both files.
GOEXT_PEER_SCRIPT = r"""
import re, subprocess, sys
main, adapter, payload = sys.argv[1:4]
helper = open(payload, encoding="utf-8").read()
listener = re.compile(r'\.(?:stdout|stderr|stdio\[\d+\])\??\.on\("data", (?=\(\w+\) =>|function)')
for path in (main, adapter):
    src = open(path, encoding="utf-8", newline="").read()
    out, pos = [], 0
    for m in listener.finditer(src):
        i, depth = m.end(), 0
        while depth or src[i] not in ")]}":
            depth += src[i] in "([{"
            depth -= src[i] in ")]}"
            i += 1
        out.append(src[pos:m.end()] + "__patcherUtf8Chunks(" + src[m.end():i] + ")")
        pos = i
    text = "".join(out) + src[pos:]
    head = '"use strict";\n' if text.startswith('"use strict";') else ""
    text = head + helper + "\n" + text[len(head):]
    open(path, "w", encoding="utf-8", newline="").write(text)
    open(path + ".cjs", "w", encoding="utf-8", newline="").write(text)
    subprocess.run(["node", "--check", path + ".cjs"], check=True)
"""
GOEXT_BUILD = REPO.parent / "shared" / "corpus" / "vscode-go" / "golang.go-0.54.0"


def timed(cmd, env=None, cwd=REPO) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def median(xs) -> str:
    return f"{statistics.median(xs):.3f}s"


def ratio(a, b) -> str:
    return f"{statistics.median(a) / statistics.median(b):.2f}x"


def against_peer(option: str, target: Path, state: Path, peer_cmd: list[str]) -> tuple[list, list, list]:
    """RUNS times: `patcher apply OPTION TARGET` cold (no engine cache) and warm (a re-apply of the
    same bytes after a revert), and the peer; the target's files put back as they were after each."""
    pristine = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    cold, warm, peer = [], [], []

    def apply_revert(clear_cache: bool) -> float:
        if clear_cache:
            shutil.rmtree(state / "cache", ignore_errors=True)
        took = timed(PATCHER + ["apply", option, str(target), "--state-dir", str(state)])
        subprocess.run(PATCHER + ["revert", option, str(target), "--state-dir", str(state)], check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)
        return took

    for _ in range(RUNS):
        cold.append(apply_revert(clear_cache=True))
        warm.append(apply_revert(clear_cache=False))
        peer.append(timed(peer_cmd))
        for p, data in pristine.items():
            p.write_bytes(data)
        for extra in (q for q in target.rglob("*") if q.is_file() and q not in pristine):
            extra.unlink()
    return cold, warm, peer


def bench_cursor(app: Path, main_rel: str, what: str, tmp: Path, pty_host: bool = True) -> None:
    hook = REPO / "patches/cursor/spawn-env-hook/1/payload/hook.js"
    env_json = json.dumps({"PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1"}, separators=(",", ":"))
    cold, warm, peer = against_peer("--cursor", app, tmp / f"state-{what}",
                                    [sys.executable, "-c", PEER_SCRIPT, str(app / main_rel),
                                     str(app / PTY_HOST) if pty_host else "-", str(hook), env_json])
    size = (app / main_rel).stat().st_size / 1e6
    files = f"{size:.2f} MB {main_rel}" + (" + pty host" if pty_host else " only, winpty-mode not applicable")
    print(f"cursor apply, {what} ({files}): peer (regex + node --check) {median(peer)}; "
          f"patcher cold {median(cold)} = {ratio(cold, peer)}, warm (re-apply) {median(warm)} = {ratio(warm, peer)}")
    breakdown(app, main_rel, pty_host)


def breakdown(app: Path, main_rel: str, pty_host: bool = True) -> None:
    """Where a cold apply's time goes, in-process (no interpreter start-up)."""
    from patcher.engine import apply as engine, syntax
    from patcher.targets import noderun
    from patcher.targets.jsbundle import ESM_STATEMENTS

    parts = []
    syntax.parse("javascript", b"")  # the grammar's first load is not part of a parse
    data = (app / main_rel).read_bytes()
    # The heads the engine reads: until one shows a top-level import/export (the module kind).
    t0, sizes = time.perf_counter(), []
    for size in engine.HEADS:
        sizes.append(f"{size // 1024} KB")
        if any(n.type in ESM_STATEMENTS for n in syntax.parse_head("javascript", data, size).settled):
            break
    parts.append(f"tree-sitter parse of {Path(main_rel).name}'s heads ({' + '.join(sizes)}) "
                 f"{time.perf_counter() - t0:.3f}s (whole: not done, ")
    t0 = time.perf_counter()
    syntax.parse("javascript", data)
    parts[-1] += f"{time.perf_counter() - t0:.3f}s)"
    if pty_host:
        t0 = time.perf_counter()
        syntax.parse("javascript", (app / PTY_HOST).read_bytes())
        parts.append(f"of {Path(PTY_HOST).name} {time.perf_counter() - t0:.3f}s")
    t0 = time.perf_counter()
    noderun.node_check([(data, "module", "main")])
    parts.append(f"node --check of {Path(main_rel).name} {time.perf_counter() - t0:.3f}s")
    t0 = time.perf_counter()
    subprocess.run(PATCHER + ["--version"], check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    parts.append(f"interpreter + CLI imports {time.perf_counter() - t0:.3f}s")
    print("  of which: " + ", ".join(parts))


def bench_goext(tmp: Path) -> None:
    if not GOEXT_BUILD.is_dir():
        print(f"goext apply: skipped (no {GOEXT_BUILD})")
        return
    ext = tmp / "ext" / GOEXT_BUILD.name
    shutil.copytree(GOEXT_BUILD, ext)
    for p in [ext, *ext.rglob("*")]:
        p.chmod(p.stat().st_mode | 0o200)
    payload = REPO / "patches/goext/utf8-stream-decode/1/payload/utf8chunks.js"
    cold, warm, peer = against_peer("--go-ext", ext, tmp / "state-goext",
                                    [sys.executable, "-c", GOEXT_PEER_SCRIPT, str(ext / "dist/goMain.js"),
                                     str(ext / "dist/debugAdapter.js"), str(payload)])
    size = (ext / "dist/goMain.js").stat().st_size / 1e6
    print(f"goext apply, real golang.go 0.54.0 ({size:.2f} MB dist/goMain.js + legacy adapter): peer (regex + node "
          f"--check) {median(peer)}; patcher cold {median(cold)} = {ratio(cold, peer)}, warm (re-apply) "
          f"{median(warm)} = {ratio(warm, peer)}")


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
        bare_py = [timed([sys.executable, "-c", "pass"]) for _ in range(RUNS)]
        print(f"status on a full install (GOROOT + editor, both applied): {median(st)} "
              f"(bare interpreter start {median(bare_py)}, ratio {ratio(st, bare_py)}; target < 0.150s)")
        bench_kept(tmp, goroot, app, state, st)


def bench_kept(tmp: Path, goroot: Path, app: Path, state: Path, status_times: list) -> None:
    """`apply --kept` with nothing to do (what the companion runs at every editor start) vs
    `status` of the same targets."""
    home = tmp / "home"
    (home / ".cursor" / "extensions").mkdir(parents=True)
    env = dict(os.environ, HOME=str(home), USERPROFILE=str(home))
    subprocess.run(PATCHER + ["apply", "--go-src", str(goroot), "--cursor", str(app), "--state-dir", str(state)],
                   check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(PATCHER + ["keep", "--state-dir", str(state)], check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    kept = [timed(PATCHER + ["apply", "--kept", "--state-dir", str(state)], env=env) for _ in range(RUNS)]
    print(f"apply --kept with nothing to do (GOROOT + editor kept): {median(kept)}, status of the same targets "
          f"{median(status_times)}, ratio {ratio(kept, status_times)}")


def main() -> int:
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}, median of {RUNS} runs each")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "patcher")], check=True,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="patcher-bench-") as tmp:
        tmp = Path(tmp)
        try:
            bench_cursor(corpus.lay_out(corpus.build(REAL_BUILD), tmp / "code-server"), "out/server-main.js", f"real code-server {REAL_BUILD}", tmp)
        except corpus.CorpusError as exc:
            print(f"cursor apply, real build: skipped ({exc})")
        generated = bundlegen.make_app(tmp / "cursor", shape="esm", winpty=True, esm_bytes=1_500_000)
        bench_cursor(generated, "out/main.js", "generated", tmp)
        try:
            bench_cursor(corpus.lay_out(corpus.build(CURRENT_BUILD), tmp / "code-server-current"), "out/server-main.js",
                         f"current code-server {CURRENT_BUILD}", tmp, pty_host=False)
        except corpus.CorpusError as exc:
            print(f"cursor apply, current build: skipped ({exc})")
        bench_goext(tmp)
        bench_go(tmp, generated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
