import json
from pathlib import Path

from conftest import run_patcher
from patcher.targets.pwsh import default_profile

PROFILE = b"\xef\xbb\xbfSet-Alias ll Get-ChildItem\r\nImport-Module posh-git\r\n"


def test_block_is_added_in_the_files_style_and_reverted(tmp_path):
    path = tmp_path / "Documents" / "PowerShell" / "Microsoft.PowerShell_profile.ps1"
    path.parent.mkdir(parents=True)
    path.write_bytes(PROFILE)
    state = tmp_path / "s"
    run_patcher("apply", "--ps-profile", path, "--state-dir", state, check=True)
    data = path.read_bytes()
    assert data.startswith(PROFILE), "the user's profile is untouched, BOM included"
    added = data[len(PROFILE):]
    assert added.startswith(b"\r\n# >>> patcher pwsh/utf8-console@1 >>>") and added.endswith(b"# <<< patcher pwsh/utf8-console@1 <<<\r\n")
    assert b"[Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false)" in added and b"65001" in added
    assert added.replace(b"\r\n", b"").count(b"\n") == 0, "CRLF like the file"
    assert run_patcher("apply", "--ps-profile", path, "--state-dir", state, check=True).stdout.startswith("already applied")
    assert path.read_bytes() == data
    run_patcher("revert", "--ps-profile", path, "--state-dir", state, check=True)
    assert path.read_bytes() == PROFILE


def test_new_profile_and_its_folders_are_removed_by_revert(tmp_path):
    path = tmp_path / "我的 文档" / "PowerShell" / "Microsoft.PowerShell_profile.ps1"
    run_patcher("apply", "--ps-profile", path, "--state-dir", tmp_path / "s", check=True)
    assert path.read_bytes().startswith(b"# >>> patcher pwsh/utf8-console@1 >>>")
    st = json.loads(run_patcher("status", "--ps-profile", path, "--state-dir", tmp_path / "s", "--json", check=True).stdout)
    assert st["patches"][0]["state"] == "applied" and st["files"][0]["original_sha256"] is None
    run_patcher("revert", "--ps-profile", path, "--state-dir", tmp_path / "s", check=True)
    assert not (tmp_path / "我的 文档").exists()


def test_default_profile_locations():
    assert default_profile("win32", Path("C:/Users/u")) == Path("C:/Users/u/Documents/PowerShell/Microsoft.PowerShell_profile.ps1")
    assert default_profile("linux", Path("/home/u")) == Path("/home/u/.config/powershell/Microsoft.PowerShell_profile.ps1")
