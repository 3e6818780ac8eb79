import json

import pytest

from patcher.errors import BuildFailed
from patcher.gobuild import BuildSettings, build_env, build_go, read_settings

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
