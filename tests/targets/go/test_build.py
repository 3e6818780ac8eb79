import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import GO_VERSION, go_env, gobin, replace_file, run_patcher
from patcher.errors import BuildFailed, Refused
from patcher.targets.go.build import (HOST_GOROOT_VAR, BuildSettings, binary_platform, build_env, build_go, find_host_goroot,
                             host_platform, overlay_for_host, read_settings, runs_here)

pytestmark = pytest.mark.go


def test_settings_of_the_released_binary(pristine_goroot):
    s = read_settings(pristine_goroot / "bin" / "go", pristine_goroot)
    assert "-trimpath" in s.flags
    assert s.env["CGO_ENABLED"] == "0"
    assert s.env["GOOS"] and s.env["GOARCH"]


def test_user_go_environment_does_not_leak_into_the_build(monkeypatch, tmp_path):
    monkeypatch.setenv("GOFLAGS", "-mod=mod -race")
    monkeypatch.setenv("GOOS", "plan9")
    monkeypatch.setenv("GOTOOLCHAIN", "go1.99.0")
    env = build_env(tmp_path, BuildSettings(env={"GOOS": "linux"}))
    assert env["GOFLAGS"] == "" and env["GOOS"] == "linux"
    assert env["GOTOOLCHAIN"] == "local" and env["GOENV"] == "off" and env["GOPROXY"] == "off"
    assert env["GOROOT"] == str(tmp_path)


def test_broken_overlay_fails_with_one_line(goroot, tmp_path):
    bad = tmp_path / "bad.go"
    bad.write_text("package test\n\nfunc patcherBroken() int { return \"x\" }\n")
    ov = tmp_path / "overlay.json"
    ov.write_text(json.dumps({"Replace": {str(goroot / "src/cmd/go/internal/test/patcher_broken.go"): str(bad)}}))
    with pytest.raises(BuildFailed) as exc:
        build_go(goroot, ov, tmp_path / "go.out")
    assert "go build -overlay failed:" in str(exc.value) and "\n" not in str(exc.value)
    assert not (tmp_path / "go.out").exists()


def test_without_a_home_directory_the_build_gets_private_go_dirs(monkeypatch, tmp_path):
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("GOPATH", raising=False)
    monkeypatch.delenv("GOCACHE", raising=False)
    env = build_env(tmp_path / "root", BuildSettings(), scratch=tmp_path / "build")
    assert env["GOPATH"] == str(tmp_path / "build" / "gopath")
    assert env["GOCACHE"] == str(tmp_path / "build" / "gocache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert "GOCACHE" not in build_env(tmp_path / "root", BuildSettings(), scratch=tmp_path / "build")


# -- the build environment is an allow-list ---------------------------------------

def build_lines(go: Path, reader: Path | None = None) -> list[str]:
    """The `build KEY=VALUE` lines `go version -m` prints for a binary."""
    out = subprocess.run([str(reader or go), "version", "-m", str(go)], capture_output=True, text=True, check=True,
                         env=go_env())
    return [ln.strip() for ln in out.stdout.splitlines() if ln.strip().startswith("build\t")]


def test_unknown_go_variables_of_the_user_do_not_reach_the_build(monkeypatch, tmp_path):
    # Variables Go may add in any release: none is passed unless recorded.
    monkeypatch.setenv("GOFIPS140", "v1.0.0")
    monkeypatch.setenv("GODEBUG", "fips140=on")
    monkeypatch.setenv("GOSOMETHINGNEW", "1")
    monkeypatch.setenv("CC", "/nonexistent/cc")
    env = build_env(tmp_path, BuildSettings(env={"GOOS": "linux", "CGO_ENABLED": "0"}))
    assert not {"GOFIPS140", "GODEBUG", "GOSOMETHINGNEW", "CC"} & set(env)
    assert env["PATH"] == os.environ["PATH"]
    # A cgo build needs the user's C compiler; recorded settings are replayed.
    env = build_env(tmp_path, BuildSettings(env={"CGO_ENABLED": "1", "GOFIPS140": "v1.0.0"}))
    assert env["CC"] == "/nonexistent/cc" and env["GOFIPS140"] == "v1.0.0"


@pytest.mark.slow
def test_gofips140_of_the_user_does_not_change_the_patched_go(goroot, tmp_path):
    # Issue 10: with GOFIPS140=v1.0.0 in the environment the old build gave a
    # go command with GOFIPS140 and DefaultGODEBUG=fips140=on recorded.
    original = build_lines(goroot / "bin" / "go")
    run_patcher("apply", "--go-src", goroot, "--state-dir", tmp_path / "state",
                env={"GOFIPS140": "v1.0.0", "GODEBUG": "fips140=on"}, check=True)
    patched = build_lines(goroot / "bin" / "go")
    assert patched == original, f"settings the original did not have: {sorted(set(patched) - set(original))}"


@pytest.mark.slow
def test_a_setting_recorded_in_the_original_is_replayed(pristine_goroot, tmp_path):
    # A go binary built with GOFIPS140 (a setting the deny-list never knew)
    # records it; read_settings must hand it back as an environment setting.
    if tuple(map(int, GO_VERSION.split(".")[:2])) < (1, 24):
        pytest.skip("GOFIPS140 exists since go1.24")
    (tmp_path / "hello").mkdir()
    (tmp_path / "hello" / "go.mod").write_text("module hello\n\ngo 1.24\n")
    (tmp_path / "hello" / "main.go").write_text("package main\n\nfunc main() {}\n")
    go = pristine_goroot / "bin" / "go"
    subprocess.run([str(go), "build", "-trimpath", "-o", str(tmp_path / "hello.bin"), "."], cwd=tmp_path / "hello",
                   check=True, env=go_env(GOFIPS140="v1.0.0", GOPROXY="off"))
    s = read_settings(tmp_path / "hello.bin", pristine_goroot, reader=go)
    assert s.env["GOFIPS140"].startswith("v1.0.0") and "-trimpath" in s.flags  # e.g. v1.0.0-c2097c7c
    assert "DefaultGODEBUG" not in s.env, "a result of the build, not an input"


# -- which binaries run here -----------------------------------------------------

def test_binary_platform_from_headers(pristine_goroot, tmp_path):
    assert binary_platform(pristine_goroot / "bin" / "go") == host_platform()
    assert runs_here(pristine_goroot)
    pe = bytearray(0x100)
    pe[:2] = b"MZ"
    pe[0x3C:0x40] = (0x80).to_bytes(4, "little")
    pe[0x80:0x86] = b"PE\0\0" + (0xAA64).to_bytes(2, "little")
    (tmp_path / "go.exe").write_bytes(bytes(pe))
    assert binary_platform(tmp_path / "go.exe") == ("windows", "arm64")
    macho = b"\xcf\xfa\xed\xfe" + (0x0100000C).to_bytes(4, "little") + bytes(64)
    (tmp_path / "go").write_bytes(macho)
    assert binary_platform(tmp_path / "go") == ("darwin", "arm64")
    (tmp_path / "script").write_bytes(b"#!/bin/sh\n")
    assert binary_platform(tmp_path / "script") is None
    fake_root = tmp_path / "root"
    (fake_root / "bin").mkdir(parents=True)
    (fake_root / "bin" / "go.exe").write_bytes(bytes(pe))
    assert not runs_here(fake_root)


# -- a GOROOT for another platform is built with a host go of its release ------------

@pytest.fixture(scope="module")
def windows_goroot():
    return gobin.fetch(GO_VERSION, quiet=True, platform_name="win_amd64")


def test_foreign_goroot_without_a_host_go_of_its_release_is_refused(windows_goroot, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no go on PATH
    monkeypatch.delenv(HOST_GOROOT_VAR, raising=False)
    with pytest.raises(Refused) as exc:
        find_host_goroot(windows_goroot)
    msg = str(exc.value)
    assert "go.exe: is a windows/amd64 binary that cannot run on this" in msg
    assert f"a host Go of the same release (go{GO_VERSION}) (no go on PATH): set {HOST_GOROOT_VAR}" in msg
    other = "1.24.11" if GO_VERSION != "1.24.11" else "1.25.5"
    monkeypatch.setenv(HOST_GOROOT_VAR, str(gobin.fetch(other, quiet=True)))
    with pytest.raises(Refused, match=f"is go{other}, not go{GO_VERSION}: the build needs a host Go of the same release"):
        find_host_goroot(windows_goroot)
    monkeypatch.setenv(HOST_GOROOT_VAR, str(windows_goroot))
    with pytest.raises(Refused, match="has no go binary that runs here either"):
        find_host_goroot(windows_goroot)


def test_host_go_on_path_of_the_same_release_is_found(windows_goroot, pristine_goroot, monkeypatch):
    monkeypatch.delenv(HOST_GOROOT_VAR, raising=False)
    monkeypatch.setenv("PATH", f"{pristine_goroot / 'bin'}{os.pathsep}{os.environ['PATH']}")
    assert find_host_goroot(windows_goroot) == pristine_goroot


def test_overlay_for_host_checks_every_replaced_file(windows_goroot, pristine_goroot, tmp_path):
    host = gobin.clone_goroot(pristine_goroot, tmp_path / "host 主机" / "go")
    rel = "src/cmd/go/internal/test/test.go"
    copy = tmp_path / "test.go"
    copy.write_text("package test\n")
    added = "src/cmd/go/internal/test/patcher_added.go"
    ov = tmp_path / "overlay.json"
    ov.write_text(json.dumps({"Replace": {str(windows_goroot / rel): str(copy), str(windows_goroot / added): str(copy)}}))
    out = json.loads(overlay_for_host(windows_goroot, host, ov, tmp_path / "host.json").read_text())
    assert out == {"Replace": {str(host / rel): str(copy), str(host / added): str(copy)}}
    replace_file(host / rel, (host / rel).read_bytes() + b"// edited\n")
    with pytest.raises(Refused, match=f"{re.escape(str(host / rel))}: differs from .* the host GOROOT must have the same sources"):
        overlay_for_host(windows_goroot, host, ov, tmp_path / "host.json")
    replace_file(host / rel, (pristine_goroot / rel).read_bytes())
    (host / added).write_text("package test\n")
    with pytest.raises(Refused, match="patcher_added.go: exists in the host GOROOT but not in"):
        overlay_for_host(windows_goroot, host, ov, tmp_path / "host.json")


# -- every platform we claim compiles (make test-matrix) ------------------------------

CROSS_PLATFORMS = [("windows", "amd64"), ("windows", "arm64"), ("darwin", "arm64"), ("darwin", "amd64"),
                   ("linux", "arm64")]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PATCHER_TEST_CROSS") != "1",
                    reason="compile-only check for 5 platforms (minutes): make test-matrix sets PATCHER_TEST_CROSS=1")
@pytest.mark.parametrize("goos,goarch", CROSS_PLATFORMS, ids=[f"{o}-{a}" for o, a in CROSS_PLATFORMS])
def test_patched_overlay_compiles_for(applied, goos, goarch, tmp_path):
    # Nothing of these can run here: compile and link only.
    settings = read_settings(applied.original_go, applied.root)
    settings.env.update(GOOS=goos, GOARCH=goarch, CGO_ENABLED="0")
    for arch_level in ("GOAMD64", "GOARM64", "GOARM", "GO386"):  # the host's level means nothing there
        settings.env.pop(arch_level, None)
    out = tmp_path / ("go.exe" if goos == "windows" else "go")
    proc = subprocess.run([str(applied.go), "build", "-overlay", str(applied.overlay), *settings.flags, "-o", str(out), "cmd/go"],
                          cwd=applied.root / "src", env=build_env(applied.root, settings, tmp_path), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert binary_platform(out) == (goos, goarch)
    assert b"cmd/go/internal/test/patcher_" in out.read_bytes(), "the patched sources are in the binary"
