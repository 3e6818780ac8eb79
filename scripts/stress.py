#!/usr/bin/env python3
"""`make stress`: SIGKILL `patcher apply` and `patcher revert` many times, on a
GOROOT and on an editor bundle, and report kills survived / total.

    python scripts/stress.py [--random N] [--go-version V]

Per command and target: N kills at random instants (default 50) plus one
kill right before each rename the run makes; the GOROOT once more with bin/go
busy (renames onto it refused as Windows refuses them for a running go.exe).  What is checked after each
kill is described in tests/crashkit.py.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
import crashkit  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--random", type=int, default=50)
    ap.add_argument("--self-test", type=int, default=10, help="kills while the built go command self-tests (Go apply)")
    ap.add_argument("--go-version", default=None)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"seed {args.seed}")
    totals, failures = [0, 0], []
    with tempfile.TemporaryDirectory(prefix="patcher-stress-") as tmp:
        # "go busy": bin/go is a running executable (Windows rules, tests/busyrename.c), so
        # every replace goes through the rename-aside path.
        for kind, busy in (("cursor", False), ("go", False), ("go", True)):
            factory = crashkit.Factory(kind, Path(tmp) / (kind + "-busy" * busy), args.go_version, busy=busy)
            for command in ("apply", "revert"):
                trials = crashkit.random_trials(factory, command, args.random, rng) + crashkit.rename_trials(factory, command)
                during = crashkit.self_test_trials(factory, args.self_test, rng) if kind == "go" and command == "apply" else []
                trials += during
                ok = sum(t.ok for t in trials)
                print(f"{kind + ' busy' * busy:7} {command:6}: {ok}/{len(trials)} kills survived "
                      f"({args.random} at random instants, {len(trials) - args.random - len(during)} before each rename"
                      + (f", {len(during)} during the self-test" if during else "") + ")", flush=True)
                totals[0] += ok
                totals[1] += len(trials)
                failures += [t for t in trials if not t.ok]
    print(f"total: {totals[0]}/{totals[1]} kills survived")
    for t in failures:
        print(f"FAILED {t.scenario} ({t.how}): {t.detail}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
