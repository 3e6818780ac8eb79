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


def test_two_profiles_in_one_folder_are_two_targets(tmp_path):
    """Documents\\PowerShell holds Microsoft.PowerShell_profile.ps1, Microsoft.VSCode_profile.ps1 and
    profile.ps1: patching one must not undo another, and each reverts on its own."""
    folder = tmp_path / "Documents" / "PowerShell"
    folder.mkdir(parents=True)
    a, b = folder / "Microsoft.PowerShell_profile.ps1", folder / "Microsoft.VSCode_profile.ps1"
    a.write_bytes(b"Set-Alias ll Get-ChildItem\r\n")
    b.write_bytes(b"# VS Code\r\n")
    originals = {a: a.read_bytes(), b: b.read_bytes()}
    state = tmp_path / "state"
    for f in (a, b):
        run_patcher("apply", "--ps-profile", f, "--state-dir", state, check=True)
    assert all(f.read_bytes() != originals[f] and b"# >>> patcher pwsh/" in f.read_bytes() for f in (a, b))
    run_patcher("revert", "--ps-profile", b, "--state-dir", state, check=True)
    assert b.read_bytes() == originals[b] and b"# >>> patcher pwsh/" in a.read_bytes()
    run_patcher("revert", "--ps-profile", a, "--state-dir", state, check=True)
    assert a.read_bytes() == originals[a]


def test_a_record_kept_under_the_folders_name_by_an_earlier_patcher_is_still_used(tmp_path):
    from patcher.state.statedir import target_state_dir

    profile = tmp_path / "PowerShell" / "profile.ps1"
    profile.parent.mkdir()
    profile.write_bytes(b"# mine\n")
    state = tmp_path / "state"
    run_patcher("apply", "--ps-profile", profile, "--state-dir", state, check=True)
    # Where patcher kept it before a profile had a state directory of its own.
    target_state_dir(state, "pwsh", profile, create=False).rename(target_state_dir(state, "pwsh", profile.parent, create=False))
    report = json.loads(run_patcher("status", "--json", "--ps-profile", profile, "--state-dir", state, check=True).stdout)
    assert [p["state"] for p in report["patches"]] == ["applied"]
    run_patcher("revert", "--ps-profile", profile, "--state-dir", state, check=True)
    assert profile.read_bytes() == b"# mine\n"
