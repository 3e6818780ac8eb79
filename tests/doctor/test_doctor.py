"""`patcher doctor`: each trap found where it exists, with its fix, and not elsewhere."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bundlegen
from conftest import GO_VERSION, ODD_DIR, REPO, copy_goext, goext_builds, read_only, replace_file, run_patcher
from patcher import doctor
from patcher.doctor import GoSettings, select_toolchain

ROOT = Path("/opt/Go 1.25")


def _settings(tmp_path, gotoolchain="auto", mod=None, goenv_text=None, **extra) -> GoSettings:
    """What `go env` would report, for the pure checks."""
    goenv = tmp_path / "config" / "go" / "env"
    if goenv_text is not None:
        goenv.parent.mkdir(parents=True, exist_ok=True)
        goenv.write_text(goenv_text)
    gomod = os.devnull
    if mod is not None:
        (tmp_path / "go.mod").write_text(mod)
        gomod = str(tmp_path / "go.mod")
    settings = {"GOROOT": str(ROOT), "GOVERSION": "go1.25.5", "GOENV": str(goenv), "GOMOD": gomod, "GOWORK": "", **extra}
    return GoSettings(ROOT / "bin" / "go", settings, gotoolchain)


# -- GOTOOLCHAIN: go's selection rules on the values go reports -------------------------------------------------------

@pytest.mark.parametrize("gotoolchain,mod,runs,how", [
    ("auto", None, "go1.25.5", ""),
    ("auto", "module x\n\ngo 1.22.3\n", "go1.25.5", ""),
    ("auto", "module x\n\ngo 1.26.6\n", "go1.26.6", "download"),
    ("auto", "module x\n\ngo 1.26\n", "go1.26.0", "download"),  # a language version means its first release
    ("auto", "module x\n\ngo 1.21\n\ntoolchain go1.99.1 // pinned\n", "go1.99.1", "download"),
    ("auto", "module x\n\ngo 1.27.1\n\ntoolchain go1.26.0\n", "go1.27.1", "download"),  # the go line wins when newer
    ("auto", "module x\n\ngo 1.21\n\ntoolchain default\n", "go1.25.5", ""),
    ("auto", "module x\n\ngodebug default=go1.99\n\ngo 1.21\n", "go1.25.5", ""),  # `godebug` is not a `go` line
    ("path", "module x\n\ngo 1.26.6\n", "go1.26.6", "path"),
    ("local", "module x\n\ngo 1.26.6\n", "go1.25.5", ""),
    ("local+auto", "module x\n\ngo 1.26.6\n", "go1.26.6", "download"),
    ("go1.26.6", None, "go1.26.6", "download"),  # forced: no go.mod needed
    ("go1.26.6", "module x\n\ngo 1.27.0\n", "go1.26.6", "download"),  # forced: go.mod not read
    ("go1.25.5", None, "go1.25.5", ""),  # names the local release: no switch
    ("go1.24.0+auto", None, "go1.24.0", "download"),  # the default toolchain is the one named, even if older
    ("go1.24.0+auto", "module x\n\ngo 1.26.1\n", "go1.26.1", "download"),
    ("go1.27rc1+path", None, "go1.27rc1", "path"),
])
def test_toolchain_selection(tmp_path, gotoolchain, mod, runs, how):
    go = _settings(tmp_path, gotoolchain, mod)
    sel = select_toolchain(gotoolchain, "go1.25.5", go.module_file())
    assert (sel.runs, sel.how, sel.local) == (runs, how, runs == "go1.25.5")


@pytest.mark.parametrize("value", ["bogus", "go1.26.6+sometimes", "1.26.6"])
def test_a_gotoolchain_go_rejects(tmp_path, value):
    f = doctor.check_gotoolchain(ROOT, _settings(tmp_path, value), {"GOTOOLCHAIN": value})
    assert not f.ok and f.title.startswith(f"GOTOOLCHAIN={value} (environment) is refused by go")
    assert "set GOTOOLCHAIN=local in the environment" in f.fix


def test_go_mod_asking_for_a_newer_go_with_gotoolchain_auto(tmp_path):
    go = _settings(tmp_path, "auto", "module x\n\ngo 1.21\n\ntoolchain go1.99.1\n")
    f = doctor.check_gotoolchain(ROOT, go, {})
    assert not f.ok and f.id == "gotoolchain-auto"
    assert f.title == f"GOTOOLCHAIN=auto (default) makes go run go1.99.1 here, not go1.25.5 of {ROOT}"
    assert f.detail.startswith(f"{tmp_path / 'go.mod'} says `toolchain go1.99.1`: go downloads go1.99.1")
    assert f.fix.startswith("go env -w GOTOOLCHAIN=local")


def test_where_gotoolchain_is_set_decides_the_fix(tmp_path):
    mod = "module x\n\ngo 1.26.6\n"
    in_file = _settings(tmp_path, "path", mod, goenv_text="GOFLAGS=-mod=mod\nGOTOOLCHAIN=path\n")
    f = doctor.check_gotoolchain(ROOT, in_file, {})
    assert f"(go env -w, in {tmp_path / 'config' / 'go' / 'env'})" in f.title and f.fix.startswith("go env -w GOTOOLCHAIN=local")
    assert "looks for a `go1.26.6` command on PATH" in f.detail
    # Set in the environment, `go env -w` would change nothing (go says so): the fix names the environment.
    f = doctor.check_gotoolchain(ROOT, _settings(tmp_path, "auto", mod), {"GOTOOLCHAIN": "auto"})
    assert "(environment)" in f.title and f.fix.startswith("set GOTOOLCHAIN=local in the environment")


def test_gotoolchain_local_keeps_this_go_and_says_what_go_mod_wants(tmp_path):
    f = doctor.check_gotoolchain(ROOT, _settings(tmp_path, "local", "module x\n\ngo 1.26.6\n"), {"GOTOOLCHAIN": "local"})
    assert f.ok and f.title.startswith(f"GOTOOLCHAIN=local (environment): go runs go1.25.5 of {ROOT} here")
    assert "asks for go 1.26.6, which go1.25.5 refuses to build" in f.title


# -- go patches: worded from status, no command that would refuse ------------------------------------------------------

def _report(state, reason="", **top):
    return {"target": "go", "root": str(ROOT), **top,
            "patches": [{"ref": "go/test-output-utf8@1", "state": state, "reason": reason}]}


def test_a_goroot_patched_under_another_state_directory():
    # The lead's status: "unrecorded" with where the record is.
    (f,) = doctor.check_patch_states(_report("unrecorded", "…", recorded_in="/root/.local/state/patcher"), "--go-src")
    assert f.ok and f.title == "go/test-output-utf8@1: patched, but recorded in another state directory"
    assert "/root/.local/state/patcher" in f.detail and "--state-dir /root/.local/state/patcher" in f.detail
    (f,) = doctor.check_patch_states(_report("unrecorded", "look in root's state directory (sudo)", recorded_in=None), "--go-src")
    assert f.ok and f.detail == "look in root's state directory (sudo)"


def test_a_release_no_patch_supports_is_not_applicable_and_apply_is_not_suggested():
    reason = "go1.20.14 is not supported by go/test-output-utf8@1 (supported: go1.21–go1.27)"
    (f,) = doctor.check_patch_states(_report("not applicable", reason), "--go-src")
    assert not f.ok and f.title == f"go/test-output-utf8@1: not applicable: {reason}"
    assert f"--go-src {doctor.q(ROOT)}" not in f.fix and "<that GOROOT>" in f.fix
    editor = {"target": "cursor", "root": "/c", "patches": [{"ref": "cursor/winpty-mode@1", "state": "not applicable",
                                                             "reason": "no winpty in this build"}]}
    (f,) = doctor.check_patch_states(editor, "--cursor")
    assert f.ok and f.detail == "no winpty in this build"


def test_applied_to_an_unverified_release_and_the_other_states():
    (f,) = doctor.check_patch_states(_report("applied", "unverified release go1.28.0: …", unverified=True), "--go-src")
    assert f.ok and f.title == "go/test-output-utf8@1: applied to an unverified release" and f.detail.startswith("unverified release")
    (f,) = doctor.check_patch_states(_report("not applied"), "--go-src")
    assert not f.ok and f.fix == f"patcher apply --go-src {doctor.q(ROOT)}"
    (f,) = doctor.check_patch_states(_report("not applied"), "--go-src", writable=False)
    assert f.fix == f"as the owner of {doctor.q(ROOT)} (an elevated prompt): patcher apply --go-src {doctor.q(ROOT)}"
    (f,) = doctor.check_patch_states(_report("broken", "overlay copy … run `patcher rebuild`"), "--go-src")
    assert f.fix == f"patcher rebuild --go-src {doctor.q(ROOT)}"


# -- no hang, no download ------------------------------------------------------------------------------------------------

def test_a_go_that_does_not_answer_is_reported_not_waited_for(tmp_path):
    bin_dir = tmp_path / "stuck bin"
    bin_dir.mkdir()
    (bin_dir / "go").write_text("#!/bin/sh\nexec /bin/sleep 30\n")
    (bin_dir / "go").chmod(0o755)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    started = time.monotonic()
    findings = doctor.diagnose(None, None, tmp_path / "state", None, env, tmp_path, timeout=1)
    assert time.monotonic() - started < 10
    bad = [f for f in findings if not f.ok]
    assert [f.id for f in bad] == ["goroot-mismatch"]
    assert bad[0].title == "could not ask the go on PATH for its GOROOT" and "did not answer within 1 s" in bad[0].detail


def test_no_go_on_path_is_a_problem(tmp_path):
    # The landed doctor skipped every Go check and said "0 problems".
    proc = run_patcher("doctor", "--state-dir", tmp_path / "state", cwd=tmp_path, env={"PATH": "/nonexistent"})
    assert proc.returncode == 1, proc.stdout
    assert "[!!] no go on PATH" in proc.stdout and "patcher doctor --go-src DIR" in proc.stdout


# -- the rest ------------------------------------------------------------------------------------------------------------

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


# -- with real go commands ---------------------------------------------------------------------------------------------

def _user_env(tmp_path, goroot, **extra) -> dict:
    """A user's environment: their own HOME (so their own `go env -w` file), the GOROOT's go first on PATH."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": os.pathsep.join([str(goroot / "bin"), "/usr/bin", "/bin"]), "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / ".config"), "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    env.update(extra)
    return env


def _doctor(tmp_path, cwd, env, *args) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "patcher", "doctor", "--json", "--state-dir", str(tmp_path / "state"), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
    assert proc.returncode in (0, 1) and "patcher:" not in proc.stderr, proc.stderr  # notes are fine, errors are not
    return proc.returncode, {f["id"]: f for f in json.loads(proc.stdout)["findings"]}


@pytest.mark.go
def test_go_env_w_gotoolchain_local_is_seen(pristine_goroot, tmp_path):
    # The landed doctor read GOTOOLCHAIN from its own environment only: its own
    # fix, `go env -w GOTOOLCHAIN=local`, left the finding in place.
    module = tmp_path / "项目 x"
    module.mkdir()
    (module / "go.mod").write_text("module x\n\ngo 1.99.0\n")
    env = _user_env(tmp_path, pristine_goroot)
    _, found = _doctor(tmp_path, module, env)
    f = found["gotoolchain-auto"]
    assert not f["ok"] and f["title"].startswith(f"GOTOOLCHAIN=auto (default of {pristine_goroot / 'go.env'}) makes go run go1.99.0")
    assert f["fix"].startswith("go env -w GOTOOLCHAIN=local")
    subprocess.run(["go", "env", "-w", "GOTOOLCHAIN=local"], cwd=module, env=env, check=True)
    _, found = _doctor(tmp_path, module, env)
    f = found["gotoolchain-auto"]
    assert f["ok"] and f["title"].startswith("GOTOOLCHAIN=local (go env -w, in ")
    assert not (tmp_path / "home" / "go" / "pkg" / "mod" / "golang.org" / "toolchain").exists(), "asking go downloaded nothing"


@pytest.mark.go
def test_gotoolchain_naming_another_release_is_not_the_patched_go(pristine_goroot, tmp_path):
    # The landed doctor said "GOTOOLCHAIN=go1.26.6 runs the patched toolchain here".
    env = _user_env(tmp_path, pristine_goroot, GOTOOLCHAIN="go1.26.6")
    started = time.monotonic()
    _, found = _doctor(tmp_path, tmp_path, env)
    assert time.monotonic() - started < 60, "no download attempt to wait for"
    f = found["gotoolchain-auto"]
    assert not f["ok"] and f["title"] == f"GOTOOLCHAIN=go1.26.6 (environment) makes go run go1.26.6 here, not go{GO_VERSION} of {pristine_goroot}"
    assert "GOTOOLCHAIN names go1.26.6: go downloads go1.26.6" in f["detail"]
    assert f["fix"].startswith("set GOTOOLCHAIN=local in the environment")


@pytest.mark.go
def test_an_unpatched_goroot_is_not_called_patched(goroot, tmp_path):
    rc, found = _doctor(tmp_path, tmp_path, _user_env(tmp_path, goroot, GOTOOLCHAIN="local"))
    assert rc == 1
    f = found["go-on-path"]
    assert f["ok"] and "the patched" not in f["title"]
    assert f["title"] == f"the go first on PATH is {goroot / 'bin' / 'go'} (not patched: see below)"
    assert found["go-patches"]["title"].endswith(": not applied")


@pytest.mark.go
def test_go_on_path_and_go_env_goroot(goroot, pristine_goroot, tmp_path):
    path_other_first = os.pathsep.join([str(pristine_goroot / "bin"), str(goroot / "bin")])
    f = doctor.check_go_on_path(goroot, {"PATH": path_other_first}, patched=True)
    assert not f.ok and f.title == f"the go first on PATH is {pristine_goroot / 'bin' / 'go'}, not the patched {goroot / 'bin' / 'go'}"
    assert doctor.check_go_on_path(goroot, {"PATH": str(goroot / "bin")}, patched=True).ok
    f = doctor.check_go_on_path(goroot, {"PATH": "/nonexistent"}, patched=False)
    assert not f.ok and f.title == "no go on PATH" and str(goroot / "bin") in f.fix
    env = {"PATH": str(goroot / "bin"), "HOME": str(tmp_path), "GOROOT": str(pristine_goroot)}
    f = doctor.check_go_env_goroot(goroot, doctor.ask_go(goroot / "bin" / "go", env, tmp_path), env)
    assert not f.ok and f.title == f"`go env GOROOT` is {pristine_goroot}, not {goroot}" and f.fix.startswith("unset GOROOT")
    env["GOROOT"] = ""
    assert doctor.check_go_env_goroot(goroot, doctor.ask_go(goroot / "bin" / "go", env, tmp_path), env).ok


@pytest.mark.go
def test_status_goroot_patched_under_another_state_dir(applied, tmp_path):
    """Depends on `patcher status` reporting "unrecorded" (issue 10, the lead's
    part); with the older status it fell back on the patched-binary mark."""
    rc, found = _doctor(tmp_path, tmp_path, _user_env(tmp_path, applied.root, GOTOOLCHAIN="local"), "--go-src", applied.root)
    f = found["go-patches"]
    # (that state directory is no user's default, so it is not found: the title does not claim it was)
    assert rc == 0 and f["ok"] and f["title"].endswith("patched, but not recorded in this state directory")
    assert "has no record of them (state directory deleted, or another --state-dir" in f["detail"]
    assert found["go-on-path"]["title"] == f"the go first on PATH is the patched {applied.go}"
    assert not any("patcher apply" in g["fix"] for g in found.values())


@pytest.mark.go
def test_status_unsupported_release_is_not_applicable(goroot, tmp_path):
    """Depends on `patcher status` reporting "not applicable" for a release no
    patch supports (issue 10, the lead's part)."""
    replace_file(goroot / "VERSION", b"go1.20.14\ntime 2024-02-06T17:51:31Z\n")
    rc, found = _doctor(tmp_path, tmp_path, _user_env(tmp_path, goroot, GOTOOLCHAIN="local"), "--go-src", goroot)
    f = found["go-patches"]
    assert rc == 1 and f["title"].endswith("not applicable: go1.20.14 is not supported by go/testmain-bom@1 (supported: go1.21–go1.27)")
    assert f"patcher apply --go-src {doctor.q(goroot)}" not in json.dumps(found, ensure_ascii=False)


@pytest.mark.go
def test_doctor_command_on_a_healthy_and_on_a_broken_setup(goroot, tmp_path):
    state = tmp_path / "state"
    app = bundlegen.make_app(tmp_path / "ed", shape="cjs", winpty=False)
    run_patcher("apply", "--go-src", goroot, "--cursor", app, "--state-dir", state, check=True, cwd=tmp_path)
    # (a home of its own: no Go extension installed there for doctor to find)
    env = {"PATH": os.pathsep.join([str(goroot / "bin"), "/usr/bin", "/bin"]), "GOTOOLCHAIN": "local",
           "HOME": str(tmp_path), "USERPROFILE": str(tmp_path), "GOCACHE": str(tmp_path / "gocache")}
    proc = run_patcher("doctor", "--go-src", goroot, "--cursor", app, "--state-dir", state, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.rstrip().endswith(", 0 problems")
    # The editor updates itself: the patches are gone.
    (app / "out/main.js").write_text(bundlegen.cjs_main(seed=9))
    proc = run_patcher("doctor", "--go-src", goroot, "--cursor", app, "--state-dir", state, "--json", env=env, cwd=tmp_path)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    bad = [f for f in doc["findings"] if not f["ok"]]
    assert [f["id"] for f in bad] == ["editor-patches"]
    assert "the editor updated and dropped the patches" in bad[0]["title"]
    assert bad[0]["fix"] == f"patcher apply --cursor {app}"


@pytest.mark.parametrize("build", goext_builds()[-1:])
def test_an_installed_go_extension_that_is_not_patched(build, tmp_path):
    """Without --go-ext doctor looks at the Go extension each editor loads; an
    unpatched one is named, with the command that patches it."""
    home = tmp_path / ODD_DIR
    ext = copy_goext(build, home / ".cursor" / "extensions", f"{build.name}-universal")
    state = tmp_path / "state"
    env = {"HOME": str(home), "USERPROFILE": str(home), "PATH": "/nonexistent"}
    proc = run_patcher("doctor", "--state-dir", state, "--json", env=env, cwd=tmp_path)
    found = [f for f in json.loads(proc.stdout)["findings"] if f["id"] == "goext-patches"]
    assert proc.returncode == 1 and [f["ok"] for f in found] == [False]
    version = build.name.split("-", 1)[1]
    assert found[0]["title"] == f"goext/utf8-stream-decode@1: not applied to golang.go {version} ({ext})"
    assert found[0]["fix"] == f"patcher apply --go-ext {doctor.q(ext)}; then reload the editor window"
    run_patcher("apply", "--go-ext", ext, "--state-dir", state, check=True, cwd=tmp_path)
    proc = run_patcher("doctor", "--state-dir", state, "--json", env=env, cwd=tmp_path)
    found = [f for f in json.loads(proc.stdout)["findings"] if f["id"] == "goext-patches"]
    assert [(f["ok"], f["title"]) for f in found] == [(True, "goext/utf8-stream-decode@1: applied")]
