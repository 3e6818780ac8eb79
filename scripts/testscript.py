#!/usr/bin/env python3
"""Run cmd/go's own TestScript/^test_ scripts with the unpatched and the
patched toolchain and compare the per-script results.

    python scripts/testscript.py [GO_VERSION] [--run REGEX]

The patched run is `go test -overlay <overlay.json> cmd/go`, i.e. cmd/go's
tests built from the very overlay `patcher apply` writes.  Prints pass/fail/
skip counts for both and every script whose result differs; exit 0 when the
results are the same.  Takes tens of minutes on a small machine.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gobin  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RESULT = re.compile(r"^\s+--- (PASS|FAIL|SKIP): (TestScript/\S+)")


def run(go: Path, extra: list[str], run_regex: str, log: Path) -> dict[str, str]:
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="")
    env.pop("GOROOT", None)
    with open(log, "wb") as out:
        # -vet=off for both runs: go1.21's vet does not see files an overlay adds.
        subprocess.run([str(go), "test", "-count=1", "-timeout=120m", "-vet=off", *extra, "cmd/go", "-run", run_regex, "-v"],
                       cwd=go.parent.parent / "src", env=env, stdout=out, stderr=subprocess.STDOUT)
    results = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        m = RESULT.match(line)
        if m:
            results[m.group(2)] = m.group(1)
    return results


def counts(results: dict[str, str]) -> str:
    return " ".join(f"{k.lower()}={sum(1 for v in results.values() if v == k)}" for k in ("PASS", "FAIL", "SKIP"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("version", nargs="?", default=gobin.DEFAULT_VERSION)
    ap.add_argument("--run", default="TestScript/^test_")
    args = ap.parse_args()
    pristine = gobin.fetch(args.version)
    with tempfile.TemporaryDirectory(prefix="patcher-testscript-") as tmp:
        tmp = Path(tmp)
        plain = gobin.clone_goroot(pristine, tmp / "plain" / "go")
        patched = gobin.clone_goroot(pristine, tmp / "patched" / "go")
        state = tmp / "state"
        subprocess.run([sys.executable, "-m", "patcher", "apply", "--go-src", str(patched), "--state-dir", str(state)],
                       check=True, cwd=REPO)
        status = subprocess.run([sys.executable, "-m", "patcher", "status", "--json", "--go-src", str(patched),
                                 "--state-dir", str(state)], check=True, cwd=REPO, capture_output=True, text=True)
        overlay = json.loads(status.stdout)["overlay"]
        logs = REPO / ".cache" / "testscript"
        logs.mkdir(parents=True, exist_ok=True)
        before = run(plain / "bin" / "go", [], args.run, logs / f"unpatched-{args.version}.log")
        after = run(patched / "bin" / "go", ["-overlay", overlay], args.run, logs / f"patched-{args.version}.log")
    print(f"go{args.version} {args.run}")
    print(f"  unpatched: {counts(before)}")
    print(f"  patched:   {counts(after)}")
    differ = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    for name in differ:
        print(f"  differs: {name}: unpatched {before.get(name, 'absent')}, patched {after.get(name, 'absent')}")
    print(f"  logs: {logs}")
    return 0 if not differ and before else 1


if __name__ == "__main__":
    sys.exit(main())
