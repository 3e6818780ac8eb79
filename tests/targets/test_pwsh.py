import ast
import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_patcher

from patcher.catalog.catalog import Catalog
from patcher.engine import charsets
from patcher.errors import Refused
from patcher.targets.pwsh import BEGIN, END, PwshTarget, add_block, ask_powershell, default_profile

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


# -- $PROFILE of a user whose name is not ASCII (issue 18) ---------------------

CJK_PROFILE = "C:\\Users\\张三\\Documents\\PowerShell\\Microsoft.PowerShell_profile.ps1"
# The exact -Command patcher sends (only types Windows PowerShell 5.1 has too: [Convert],
# [Text.Encoding]; `powershell` is asked as well as `pwsh`).
QUERY = "[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($PROFILE.CurrentUserCurrentHost))"
OLD_QUERY = "$PROFILE.CurrentUserCurrentHost"  # what patcher asked before, answered as text

# A stand-in `pwsh` answering what PowerShell answers to these two commands and nothing else,
# written as PowerShell writes to a pipe: in the console's code page, "?" for a character that
# has no form in it, CRLF at the end.
STANDIN = """#!{python}
import base64, os, sys
profile = os.environ["STANDIN_PROFILE"]
answers = {{{old!r}: profile, {query!r}: base64.b64encode(profile.encode("utf-8")).decode("ascii")}}
args = sys.argv[1:]
with open(os.environ["STANDIN_LOG"], "a", encoding="utf-8") as log:
    log.write(repr(args) + "\\n")
if args[:4] != ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command"] or len(args) != 5 or args[4] not in answers:
    sys.stderr.write("stand-in pwsh: not a command this stand-in knows PowerShell's answer to\\n")
    sys.exit(1)
sys.stdout.buffer.write((answers[args[4]] + "\\r\\n").encode(os.environ["STANDIN_CONSOLE_CP"], "replace"))
"""


@pytest.fixture
def standin_pwsh(tmp_path, monkeypatch):
    """`pwsh` first on PATH, answering $PROFILE = STANDIN_PROFILE in code page STANDIN_CONSOLE_CP."""
    folder = tmp_path / "standin"
    folder.mkdir()
    exe = folder / "pwsh"
    exe.write_text(STANDIN.format(python=sys.executable, old=OLD_QUERY, query=QUERY), encoding="utf-8")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STANDIN_LOG", str(tmp_path / "standin.log"))
    return exe


def standin_calls(tmp_path) -> list[list[str]]:
    return [ast.literal_eval(line) for line in (tmp_path / "standin.log").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("console_cp, python_reads, old_answer", [
    # A Chinese Windows after `chcp 65001` (our own profile block does it), Python reading ANSI:
    ("utf-8", "cp936", CJK_PROFILE.replace("张三", "寮犱笁")),
    # A Chinese Windows, Python in UTF-8 mode (PYTHONUTF8=1, which `--env` may set): an internal error.
    ("cp936", "utf-8", UnicodeDecodeError),
    # An English Windows: 张三 has no form in the OEM code page at all.
    ("cp437", "cp1252", CJK_PROFILE.replace("张三", "??")),
])
def test_a_cjk_profile_path_comes_back_exactly_whatever_the_code_pages(standin_pwsh, tmp_path, monkeypatch,
                                                                       console_cp, python_reads, old_answer):
    monkeypatch.setenv("STANDIN_PROFILE", CJK_PROFILE)
    monkeypatch.setenv("STANDIN_CONSOLE_CP", console_cp)
    # The old way: the path as text, decoded as subprocess's text=True decodes it (the ANSI code page).
    old = subprocess.run([str(standin_pwsh), "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", OLD_QUERY],
                         capture_output=True, check=True).stdout
    try:
        old_path = old.decode(python_reads).strip()
    except UnicodeDecodeError as exc:
        old_path = type(exc)
    assert old_path == old_answer
    answer = ask_powershell()
    assert str(answer) == CJK_PROFILE
    assert standin_calls(tmp_path)[-1] == ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", QUERY]


def test_an_answer_that_is_not_base64_of_utf8_is_not_taken_for_a_path(standin_pwsh):
    standin_pwsh.write_text(f"#!{sys.executable}\nimport sys\nsys.stdout.write('WARNING: 5.1 said more\\r\\n')\n",
                            encoding="utf-8")
    assert ask_powershell() is None  # (find_profile then takes PowerShell 7's default, and says so)


def test_auto_patches_the_profile_powershell_names_under_a_cjk_user_folder(standin_pwsh, tmp_path):
    profile = tmp_path / "Users" / "张三" / "Documents" / "PowerShell" / "Microsoft.PowerShell_profile.ps1"
    env = {"STANDIN_PROFILE": str(profile), "STANDIN_CONSOLE_CP": "cp936"}
    proc = run_patcher("apply", "--ps-profile", "auto", "--state-dir", tmp_path / "s", env=env, check=True)
    assert f"note: --ps-profile auto: using {profile} (as PowerShell reports it)" in proc.stdout + proc.stderr
    assert profile.read_bytes().startswith(b"# >>> patcher pwsh/utf8-console@1 >>>")
    run_patcher("revert", "--ps-profile", "auto", "--state-dir", tmp_path / "s", env=env, check=True)
    assert not (tmp_path / "Users").exists()


# -- profiles that are not UTF-8 (issue 18) ------------------------------------

# How Windows PowerShell 5.1 writes a profile: `>`/Out-File in UTF-16 LE with a BOM,
# Set-Content in the ANSI code page (GBK, cp936, on a Chinese Windows).
CJK_TEXT = "# 张三的配置\nSet-Alias ll Get-ChildItem\nfunction 问候 { Write-Output '你好，世界' }\n"
EMOJI_TEXT = CJK_TEXT + "# 😀 表情\n"
FORMS = {
    "gbk-crlf": ("cp936", b"", "\r\n", CJK_TEXT),
    "utf-16-le-bom-crlf": ("utf-16-le", codecs.BOM_UTF16_LE, "\r\n", EMOJI_TEXT),
    "utf-16-be-bom-lf": ("utf-16-be", codecs.BOM_UTF16_BE, "\n", EMOJI_TEXT),
    "utf-32-le-bom-crlf": ("utf-32-le", codecs.BOM_UTF32_LE, "\r\n", EMOJI_TEXT),
    "utf-8-crlf": ("utf-8", b"", "\r\n", EMOJI_TEXT),
    "utf-8-bom-lf": ("utf-8", codecs.BOM_UTF8, "\n", EMOJI_TEXT),
}
# The CLI as it runs on a Chinese Windows: GetACP() is 936 (the one thing replaced).
ON_CHINESE_WINDOWS = ("import patcher.engine.charsets as charsets\n"
                      "charsets.ansi_code_page = lambda: 'cp936'\n"
                      "from patcher.cli.app import main\n"
                      "main()\n")


def run_on_chinese_windows(*args, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-c", ON_CHINESE_WINDOWS, *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env={**{k: v for k, v in os.environ.items() if k != "PATCHER_STATE_DIR"},
                                         "PYTHONPATH": str(REPO)})
    if check and proc.returncode != 0:
        raise AssertionError(f"patcher {' '.join(map(str, args))} failed ({proc.returncode}): {proc.stderr}")
    return proc


def profile_in(folder: Path, form: str) -> tuple[Path, bytes]:
    codec, bom, newline, text = FORMS[form]
    path = folder / "张 三" / "Documents" / "PowerShell" / "Microsoft.PowerShell_profile.ps1"
    path.parent.mkdir(parents=True)
    path.write_bytes(bom + text.replace("\n", newline).encode(codec))
    return path, path.read_bytes()


@pytest.mark.parametrize("form", FORMS)
def test_a_profile_is_edited_in_its_own_encoding_and_reverted_byte_for_byte(tmp_path, form):
    codec, bom, newline, text = FORMS[form]
    # What patcher adds to the same text in plain UTF-8 is the expected addition, in the file's encoding.
    reference = tmp_path / "reference" / "profile.ps1"
    reference.parent.mkdir()
    reference.write_bytes(text.replace("\n", newline).encode("utf-8"))
    run_patcher("apply", "--ps-profile", reference, "--state-dir", tmp_path / "rs", check=True)
    added = reference.read_bytes()[len(text.replace("\n", newline).encode("utf-8")):].decode("utf-8")
    assert added.startswith(newline + "# >>> patcher pwsh/utf8-console@1 >>>") and added.count(newline) == 8

    path, original = profile_in(tmp_path, form)
    state = tmp_path / "state"
    run_on_chinese_windows("apply", "--ps-profile", path, "--state-dir", state)
    assert path.read_bytes() == original + added.encode(codec)
    report = json.loads(run_on_chinese_windows("status", "--json", "--ps-profile", path, "--state-dir", state).stdout)
    assert [p["state"] for p in report["patches"]] == ["applied"]
    again = run_on_chinese_windows("apply", "--ps-profile", path, "--state-dir", state)
    assert again.stdout.startswith("already applied")
    run_on_chinese_windows("revert", "--ps-profile", path, "--state-dir", state)
    assert path.read_bytes() == original


@pytest.mark.parametrize("form", ["gbk-crlf"])
def test_off_windows_a_bomless_profile_that_is_not_utf8_is_refused(tmp_path, form):
    path, original = profile_in(tmp_path, form)
    proc = run_patcher("apply", "--ps-profile", path, "--state-dir", tmp_path / "s")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1] == (f"patcher: {path}: not UTF-8 (byte 0xd5 at offset 2) and no BOM; without a "
                                            "BOM patcher reads a file as UTF-8, or in the ANSI code page on Windows")
    assert path.read_bytes() == original and sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_on_windows_a_bomless_profile_in_neither_utf8_nor_the_ansi_code_page_is_refused(tmp_path):
    path = tmp_path / "profile.ps1"
    path.write_bytes(b"# \xd5\xc5\x80\r\n")  # 0x80 is a lead byte in GBK with nothing after it
    proc = run_on_chinese_windows("apply", "--ps-profile", path, "--state-dir", tmp_path / "s", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1] == (f"patcher: {path}: not UTF-8 (byte 0xd5 at offset 2), not cp936 either "
                                            "(byte 0x80 at offset 4), and no BOM says what it is")
    assert path.read_bytes() == b"# \xd5\xc5\x80\r\n"


def test_a_utf16_profile_with_the_block_but_no_record_here_is_recognised(tmp_path):
    path, original = profile_in(tmp_path, "utf-16-le-bom-crlf")
    run_patcher("apply", "--ps-profile", path, "--state-dir", tmp_path / "first", check=True)
    patched = path.read_bytes()
    other = tmp_path / "other"
    report = json.loads(run_patcher("status", "--json", "--ps-profile", path, "--state-dir", other, check=True).stdout)
    assert [(p["ref"], p["state"]) for p in report["patches"]] == [("pwsh/utf8-console@1", "unrecorded")]
    assert b"# >>> patcher pwsh/utf8-console@1 >>>" in PwshTarget(str(path), other).marked()[1], "refs readable"
    proc = run_patcher("apply", "--ps-profile", path, "--state-dir", other)
    assert proc.returncode == 1 and f"patcher: {path}: has patcher's changes but " in proc.stderr
    assert path.read_bytes() == patched, "no second block"
    run_patcher("revert", "--ps-profile", path, "--state-dir", tmp_path / "first", check=True)
    assert path.read_bytes() == original


def test_every_pwsh_block_is_ascii_so_every_ansi_code_page_can_hold_it():
    blocks = [p.manifest.block for p in Catalog(compile_queries=False).for_target("pwsh")]
    assert blocks and all(b.isascii() for b in blocks)
    assert (BEGIN + END).isascii()


def test_a_block_the_files_encoding_cannot_hold_is_refused(monkeypatch):
    monkeypatch.setattr(charsets, "ansi_code_page", lambda: "cp1252")
    original = "# café\r\n".encode("cp1252")
    with pytest.raises(Refused) as exc:
        add_block(original, "pwsh/x@1", "Write-Output '张'\n", "/p/profile.ps1")
    assert str(exc.value) == ("/p/profile.ps1: the block of pwsh/x@1 cannot be written in the ANSI code page cp1252, "
                              "the file's encoding ('张', U+5F20, has no form in it)")
    assert add_block(original, "pwsh/x@1", "Write-Output 'é'\n", "/p/profile.ps1").startswith(original)


@pytest.mark.parametrize("form", ["utf-16-le-bom-crlf", "gbk-crlf"])
def test_the_dry_run_of_a_profile_that_is_not_utf8_shows_its_text(tmp_path, form):
    path, original = profile_in(tmp_path, form)
    proc = run_on_chinese_windows("apply", "--ps-profile", path, "--state-dir", tmp_path / "s", "--dry-run")
    assert " function 问候 { Write-Output '你好，世界' }" in proc.stdout, "the user's lines, readable"
    assert "+# >>> patcher pwsh/utf8-console@1 >>>" in proc.stdout and "\x00" not in proc.stdout
    assert path.read_bytes() == original
