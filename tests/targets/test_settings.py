import json

import pytest

from conftest import run_patcher, tree_digest
from patcher.engine import jsonc
from patcher.targets.editor.locate import user_settings_locations
from pathlib import Path

USER = b'{\n    // keep this comment\n    "editor.fontSize": 15,\n    "workbench.colorTheme": "Default Dark+",\n}\n'


@pytest.fixture
def settings(tmp_path):
    path = tmp_path / "Cursor 用户" / "User" / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(USER)
    return path


def test_apply_twice_status_revert(settings, tmp_path):
    state = tmp_path / "state"
    proc = run_patcher("apply", "--settings", settings, "--env", "PYTHONUTF8=1", "--env", "LANG=zh_CN.UTF-8",
                       "--state-dir", state, check=True)
    assert "applied settings/utf8-terminal@1" in proc.stdout
    doc = jsonc.load(settings.read_bytes(), "s")
    profile = doc["terminal.integrated.profiles.windows"]["PowerShell (UTF-8)"]
    assert profile["source"] == "PowerShell" and "chcp 65001" in " ".join(profile["args"])
    assert doc["terminal.integrated.defaultProfile.windows"] == "PowerShell (UTF-8)"
    assert doc["terminal.integrated.env.windows"] == {"LANG": "zh_CN.UTF-8", "PYTHONUTF8": "1"}
    assert doc["editor.fontSize"] == 15 and b"// keep this comment" in settings.read_bytes()
    assert settings.read_bytes().count(b"\n    \"") >= 4, "the user's four-space indentation"
    patched = settings.read_bytes()
    again = run_patcher("apply", "--settings", settings, "--state-dir", state, check=True)
    assert again.stdout.startswith("already applied") and settings.read_bytes() == patched
    st = json.loads(run_patcher("status", "--settings", settings, "--state-dir", state, "--json", check=True).stdout)
    assert st["patches"][0]["state"] == "applied" and st["env"] == {"LANG": "zh_CN.UTF-8", "PYTHONUTF8": "1"}
    run_patcher("revert", "--settings", settings, "--state-dir", state, check=True)
    assert settings.read_bytes() == USER


def test_missing_settings_file_is_created_and_revert_removes_it(tmp_path):
    path = tmp_path / "User" / "settings.json"
    path.parent.mkdir()
    run_patcher("apply", "--settings", path, "--state-dir", tmp_path / "s", check=True)
    assert jsonc.load(path.read_bytes(), "s")["terminal.integrated.defaultProfile.windows"] == "PowerShell (UTF-8)"
    run_patcher("revert", "--settings", path, "--state-dir", tmp_path / "s", check=True)
    assert not path.exists() and path.parent.is_dir()


def test_broken_settings_json_is_refused_and_unchanged(settings, tmp_path):
    settings.write_bytes(b'{\n  "a": 1,\n  "b": \n}\n')
    before = tree_digest(settings.parent)
    proc = run_patcher("apply", "--settings", settings, "--state-dir", tmp_path / "s")
    assert proc.returncode == 1 and proc.stderr.startswith(f"patcher: {settings}: not valid JSON with comments (")
    assert tree_digest(settings.parent) == before


def test_auto_finds_the_settings_file_per_os(tmp_path):
    home = Path("/home/u")
    assert user_settings_locations("win32", {"APPDATA": r"C:\Users\u\AppData\Roaming"}, home)[0] == \
        Path(r"C:\Users\u\AppData\Roaming") / "Cursor" / "User" / "settings.json"
    assert user_settings_locations("darwin", {}, home)[0] == home / "Library/Application Support/Cursor/User/settings.json"
    assert user_settings_locations("linux", {}, home)[0] == home / ".config/Cursor/User/settings.json"
    (tmp_path / "cfg" / "Cursor" / "User").mkdir(parents=True)
    proc = run_patcher("status", "--settings", "auto", "--state-dir", tmp_path / "s",
                       env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")}, check=True)
    assert f"note: --settings auto: using {tmp_path / 'cfg' / 'Cursor' / 'User' / 'settings.json'}" in proc.stderr
