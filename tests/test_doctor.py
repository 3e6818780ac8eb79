"""`patcher doctor`: each trap found where it exists, with its fix, and not elsewhere."""

import json
import os
from pathlib import Path

import pytest

import bundlegen
from conftest import read_only, run_patcher
from patcher import doctor


def test_go_mod_asking_for_a_newer_go_with_gotoolchain_auto(tmp_path):
    (tmp_path / "go.mod").write_text("module x\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    (tmp_path / "pkg").mkdir()
    f = doctor.check_gotoolchain(Path("/nonexistent"), "go1.25.5", tmp_path / "pkg", {})
    assert not f.ok and f.id == "gotoolchain-auto"
    assert f.title == f"{tmp_path / 'go.mod'} asks for go1.99.1, newer than the patched go1.25.5"
    assert "GOTOOLCHAIN=local" in f.fix
    assert doctor.check_gotoolchain(Path("/nonexistent"), "go1.25.5", tmp_path, {"GOTOOLCHAIN": "local"}).ok
    (tmp_path / "go.mod").write_text("module x\n\ngo 1.22.3\n")
    assert doctor.check_gotoolchain(Path("/nonexistent"), "go1.25.5", tmp_path, {}).ok


def test_read_only_install(tmp_path):
    install = tmp_path / "Cursor 安装" / "out"
    install.mkdir(parents=True)
    assert doctor.check_writable(install).ok
    with read_only(install):
        f = doctor.check_writable(install)
    assert not f.ok and f.title == f"{install} is read-only"
    assert str(install) in f.detail and "elevated prompt" in f.fix
    assert sorted(os.listdir(install)) == []  # the probe leaves nothing behind


def test_console_code_page():
    f = doctor.check_codepage(437)
    assert not f.ok and "437, not 65001" in f.title and "chcp 65001" in f.fix
    assert doctor.check_codepage(65001).ok and doctor.check_codepage(None).ok


@pytest.mark.go
def test_go_on_path_and_go_env_goroot(goroot, pristine_goroot):
    path_other_first = os.pathsep.join([str(pristine_goroot / "bin"), str(goroot / "bin")])
    f = doctor.check_go_on_path(goroot, {"PATH": path_other_first})
    assert not f.ok and f.title == f"the go first on PATH is {pristine_goroot / 'bin' / 'go'}, not the patched {goroot / 'bin' / 'go'}"
    assert doctor.check_go_on_path(goroot, {"PATH": str(goroot / "bin")}).ok
    env = {"PATH": str(goroot / "bin"), "HOME": os.environ.get("HOME", "/root"), "GOROOT": str(pristine_goroot)}
    f = doctor.check_go_env_goroot(goroot, env)
    assert not f.ok and f.title == f"`go env GOROOT` is {pristine_goroot}, not {goroot}"
    assert doctor.check_go_env_goroot(goroot, dict(env, GOROOT="")).ok


@pytest.mark.go
def test_doctor_command_on_a_healthy_and_on_a_broken_setup(goroot, tmp_path):
    state = tmp_path / "state"
    app = bundlegen.make_app(tmp_path / "ed", shape="cjs", winpty=False)
    run_patcher("apply", "--go-src", goroot, "--cursor", app, "--state-dir", state, check=True)
    env = {"PATH": os.pathsep.join([str(goroot / "bin"), "/usr/bin", "/bin"]), "GOTOOLCHAIN": "local"}
    proc = run_patcher("doctor", "--go-src", goroot, "--cursor", app, "--state-dir", state, env=env)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.rstrip().endswith(", 0 problems")
    # The editor updates itself: the patches are gone.
    (app / "out/main.js").write_text(bundlegen.cjs_main(seed=9))
    proc = run_patcher("doctor", "--go-src", goroot, "--cursor", app, "--state-dir", state, "--json", env=env)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    bad = [f for f in doc["findings"] if not f["ok"]]
    assert [f["id"] for f in bad] == ["editor-patches"]
    assert "the editor updated and dropped the patches" in bad[0]["title"]
    assert bad[0]["fix"] == f"patcher apply --cursor {app}"
