"""Kill `patcher apply` / `patcher revert` mid-run and check what is left.

Used by tests/system/test_crash.py (bounded, in `make test`) and scripts/stress.py
(`make stress`).  A scenario is one command on one kind of target (a GOROOT
or an editor bundle), with its start state and its end state known from a
reference run.  Each trial starts from a fresh copy, kills the command's
whole process group (a running `go build` dies too) either at a random
instant or, through strace's fault injection, right before the N-th rename
the patcher process makes (every atomic replace and journal save is one),
then checks:

1. every target file is byte-equal to its start or its end state, never in
   between; every other file of the target is untouched; anything extra is
   one of our temp files (never taken for a target);
2. the next `apply` or `revert` (alternating) recovers: exit 0, the target
   wholly in that command's end state;
3. a `revert` after that is byte-exact: the tree as it was before any apply.

A factory made with `busy=True` runs every command with bin/go "running"
(tests/busyrename.c: a rename onto it fails as on Windows), so each replace
goes through the rename-aside path: bin/go moved aside, the new file moved
in.  A kill between those two renames leaves no bin/go but a set-aside file
holding the original or patched bytes; that is the one state accepted in
step 1 besides the two ends, and recovery must put the file back.
"""

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import bundlegen
import busyrename
from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import gobin  # noqa: E402

TEMP = re.compile(r"^\..*\.patcher-tmp\.")
SET_ASIDE = re.compile(r"^\.(?P<of>.*)\.patcher-old\.\d+\.[0-9a-f]+$")


def listing(root: Path, skip: set[str]) -> dict[str, tuple]:
    """Cheap identity of every file except `skip`: patcher never writes a file
    in place, so an unchanged (inode, size, mtime) means unchanged bytes."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath, name)
            rel = p.relative_to(root).as_posix()
            if rel in skip:
                continue
            st = p.lstat()
            out[rel] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return out


def run_cli(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "patcher", *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})))


@dataclass
class Target:
    kind: str  # "go" or "cursor"
    root: Path
    state: Path
    original: dict[str, bytes]  # target files before any apply
    patched: dict[str, bytes]  # the same files after a complete apply
    others: dict[str, tuple] = field(default_factory=dict)

    def flag(self) -> list[str]:
        return ["--go-src" if self.kind == "go" else "--cursor", str(self.root), "--state-dir", str(self.state)]

    def files(self) -> dict[str, bytes | None]:
        return {rel: (self.root / rel).read_bytes() if (self.root / rel).exists() else None for rel in self.original}


class Factory:
    """Fresh targets of one kind, and the reference end state of `apply`."""

    def __init__(self, kind: str, work: Path, go_version: str | None = None, busy: bool = False):
        self.kind, self.work, self.n = kind, work, 0
        # Every command sees bin/go as a running executable (Windows rules).
        self.env = busyrename.env("bin/go") if busy else {}
        if kind == "go":
            self.pristine = gobin.fetch(go_version or gobin.DEFAULT_VERSION, quiet=True)
            self.rels = ["bin/go"]
        else:
            self.template = bundlegen.make_app(work / "template", shape="esm", winpty=True, esm_bytes=300_000)
            self.rels = ["out/main.js", "out/vs/platform/terminal/node/ptyHostMain.js", "product.json"]
        ref = self.fresh()
        t0 = time.monotonic()
        proc = run_cli("apply", *ref.flag(), env=self.env)
        self.apply_seconds = time.monotonic() - t0
        assert proc.returncode == 0, proc.stderr
        self.patched = {rel: (ref.root / rel).read_bytes() for rel in self.rels}
        t0 = time.monotonic()
        assert run_cli("revert", *ref.flag(), env=self.env).returncode == 0
        self.revert_seconds = time.monotonic() - t0

    def fresh(self) -> Target:
        self.n += 1
        base = self.work / f"t{self.n}" / "目标 dir"
        if self.kind == "go":
            root = gobin.clone_goroot(self.pristine, base / "go")
        else:
            shutil.copytree(self.template.parent.parent, base / "editor")
            root = base / "editor" / "resources" / "app"
        original = {rel: (root / rel).read_bytes() for rel in self.rels}
        t = Target(self.kind, root, base.parent / "state", original, getattr(self, "patched", {}))
        t.others = listing(root, set(self.rels))
        return t

    def state_of_next(self) -> Path:
        """The state directory the next fresh() target will use."""
        return self.work / f"t{self.n + 1}" / "state"

    def cleanup(self, t: Target) -> None:
        shutil.rmtree(t.root.parent.parent, ignore_errors=True)


def kill_after(cmd: list[str], delay: float, env: dict | None = None) -> int:
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})), start_new_session=True)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return proc.returncode


def kill_during_self_test(cmd: list[str], state: Path, extra: float, env: dict | None = None) -> int:
    """Run cmd; SIGKILL its process group `extra` seconds after the self-test
    of the built go command started (its probe package appeared)."""
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})), start_new_session=True)
    deadline, seen = time.monotonic() + 900, False
    while proc.poll() is None and time.monotonic() < deadline:
        if list(state.glob("targets/*/build/selftest/probe_test.go")):
            seen = True
            time.sleep(extra)
            break
        time.sleep(0.02)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if not (seen and killed):
        raise AssertionError(f"{' '.join(cmd)}: not killed during its self-test (seen: {seen}; it ended first)")
    return proc.returncode


def self_test_trials(factory: "Factory", n: int, rng: random.Random) -> list["Trial"]:
    """apply killed while the new go command's self-test runs (Go only)."""
    out = []
    for i in range(n):
        extra = rng.uniform(0, 0.4)  # the self-test takes about a second with a warm build cache
        state = factory.state_of_next()
        out.append(trial(factory, "apply", lambda cmd: kill_during_self_test(cmd, state, extra, factory.env),
                         f"during the self-test (+{extra:.2f}s)", "apply" if i % 2 else "revert"))
    return out


def kill_before_rename(cmd: list[str], nth: int, env: dict | None = None) -> int:
    """Run cmd under strace; SIGKILL the patcher process right before its nth rename."""
    full = ["strace", "-qq", "-o", os.devnull, "-e", "trace=rename,renameat,renameat2",
            "-e", f"inject=rename,renameat,renameat2:signal=KILL:when={nth}", *cmd]
    proc = subprocess.Popen(full, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})), start_new_session=True)
    proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # anything the killed run left behind (go build)
    except ProcessLookupError:
        pass
    return proc.returncode


def count_renames(cmd: list[str], env: dict | None = None) -> int:
    out = subprocess.run(["strace", "-qq", "-c", "-e", "trace=rename,renameat,renameat2", *cmd], cwd=REPO,
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})))
    return sum(int(m.group(1)) for m in re.finditer(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?rename", out.stderr, re.M))


@dataclass
class Trial:
    scenario: str
    how: str
    ok: bool
    detail: str = ""
    set_aside: bool = False  # the kill left a target file moved aside, its replacement not yet in


def set_aside_of(t: Target, rel: str) -> list[bytes]:
    """The bytes of every file patcher moved aside from the target file `rel`."""
    d = (t.root / rel).parent
    return [p.read_bytes() for p in d.iterdir() if (m := SET_ASIDE.match(p.name)) and m["of"] == Path(rel).name]


def check_intermediate(t: Target) -> str:
    """'' if the target is wholly in a consistent state after the kill, else what is wrong."""
    for rel, data in t.files().items():
        if data is None and any(a in (t.original[rel], t.patched[rel]) for a in set_aside_of(t, rel)):
            continue  # killed between moving a busy file aside and moving the new one in
        if data not in (t.original[rel], t.patched[rel]):
            return f"{rel}: neither the original nor the patched bytes"
    now = listing(t.root, set(t.original))
    extra = {rel for rel in set(now) - set(t.others) if not (TEMP.match(Path(rel).name) or SET_ASIDE.match(Path(rel).name))}
    if extra or set(t.others) - set(now):
        return f"files appeared or vanished: {sorted(extra | (set(t.others) - set(now)))[:3]}"
    changed = [rel for rel in t.others if now.get(rel) != t.others[rel]]
    if changed:
        return f"a file that is not a target changed: {changed[:3]}"
    return ""


def check_end(t: Target, want: dict[str, bytes]) -> str:
    if t.files() != want:
        return "target files are not in the expected end state"
    now = listing(t.root, set(t.original))
    if now != t.others:
        leftover = sorted(set(now) ^ set(t.others))
        return f"the tree differs besides the targets (temp files left: {leftover[:3]})"
    return ""


def trial(factory: Factory, command: str, kill: Callable[[list[str]], int], how: str, recover_with: str) -> Trial:
    t = factory.fresh()
    name = f"{factory.kind} {command}"
    try:
        if command == "revert":
            proc = run_cli("apply", *t.flag(), env=factory.env)
            assert proc.returncode == 0, proc.stderr
        kill([sys.executable, "-m", "patcher", command, *t.flag()])
        bad = check_intermediate(t)
        if bad:
            return Trial(name, how, False, f"after the kill: {bad}")
        set_aside = any(data is None for data in t.files().values())
        proc = run_cli(recover_with, *t.flag(), env=factory.env)
        if proc.returncode != 0:
            return Trial(name, how, False, f"recovery with {recover_with} failed: {proc.stderr.strip()}")
        bad = check_end(t, t.patched if recover_with == "apply" else t.original)
        if bad:
            return Trial(name, how, False, f"after {recover_with}: {bad}")
        if recover_with == "apply":
            proc = run_cli("revert", *t.flag(), env=factory.env)
            bad = check_end(t, t.original) if proc.returncode == 0 else proc.stderr.strip()
            if bad:
                return Trial(name, how, False, f"revert after recovery: {bad}")
        return Trial(name, how, True, set_aside=set_aside)
    finally:
        factory.cleanup(t)


def random_trials(factory: Factory, command: str, n: int, rng: random.Random) -> list[Trial]:
    span = (factory.apply_seconds if command == "apply" else factory.revert_seconds) * 1.1
    out = []
    for i in range(n):
        delay = rng.uniform(0, span)
        out.append(trial(factory, command, lambda cmd: kill_after(cmd, delay, factory.env), f"random {delay:.2f}s",
                         "apply" if i % 2 else "revert"))
    return out


def rename_trials(factory: Factory, command: str, limit: int | None = None) -> list[Trial]:
    t = factory.fresh()
    if command == "revert":
        run_cli("apply", *t.flag(), env=factory.env)
    total = count_renames([sys.executable, "-m", "patcher", command, *t.flag()], factory.env)
    factory.cleanup(t)
    points = list(range(1, total + 1))[:limit]
    return [trial(factory, command, lambda cmd, n=n: kill_before_rename(cmd, n, factory.env), f"before rename {n}/{total}",
                  "apply" if n % 2 else "revert") for n in points]
