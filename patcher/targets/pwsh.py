"""A PowerShell profile as a target (patches of kind "pwsh").

A pwsh patch adds a block of lines to the profile, between marker comments
naming the patch, at the end of the file (created if there is none yet), in
the file's own line endings and encoding: UTF-8 with or without a BOM, UTF-16
or UTF-32 with a BOM, and on Windows the ANSI code page (engine/charsets.py).
Revert restores the file byte for byte (or removes it, and the folders apply
created for it).
"""

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

from patcher.catalog.catalog import Patch
from patcher.engine import charsets
from patcher.engine.text import newline_of
from patcher.errors import Refused, UsageError
from patcher.targets.inplace import SingleFileTarget

PROFILE_NAME = "Microsoft.PowerShell_profile.ps1"
BEGIN = "# >>> patcher {ref} >>> (added by `patcher apply --ps-profile`; `patcher revert --ps-profile` removes it)"
END = "# <<< patcher {ref} <<<"


def default_profile(platform: str, home: Path) -> Path:
    """PowerShell 7's current-user, current-host profile."""
    if platform == "win32":
        return home / "Documents" / "PowerShell" / PROFILE_NAME
    return home / ".config" / "powershell" / PROFILE_NAME


# PowerShell writes to a pipe in the console's code page (the OEM one, or 65001 after `chcp
# 65001`), which Python would read in the ANSI one (or as UTF-8 in its UTF-8 mode); a name
# like 张三 comes out garbled or as "??".  Base64 of the path's UTF-8 bytes is ASCII, the same
# in every code page.  Only what Windows PowerShell 5.1 has, since `powershell` is asked too.
PROFILE_QUERY = "[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($PROFILE.CurrentUserCurrentHost))"


def ask_powershell() -> Path | None:
    """$PROFILE as PowerShell itself reports it (it knows about redirected
    Documents folders); -NoProfile, so no profile code runs."""
    for exe in ("pwsh", "powershell"):
        found = shutil.which(exe)
        if not found:
            continue
        try:
            out = subprocess.run([found, "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", PROFILE_QUERY],
                                 capture_output=True, stdin=subprocess.DEVNULL, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        answer = _from_base64(out.stdout) if out.returncode == 0 else None
        if answer:
            return Path(answer)
    return None


def _from_base64(stdout: bytes) -> str | None:
    """The UTF-8 text PowerShell's answer encodes; None for anything else (a
    PowerShell that printed more than the answer is not trusted with a path)."""
    try:
        return base64.b64decode(stdout.strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None


def find_profile(arg: str) -> tuple[Path, str | None]:
    if not arg:
        raise UsageError("missing --ps-profile: give the PowerShell profile file, or auto")
    if arg == "auto":
        path = ask_powershell()
        how = "as PowerShell reports it" if path else "PowerShell 7's default"
        path = path or default_profile(sys.platform, Path.home())
        return path.absolute(), f"note: --ps-profile auto: using {path} ({how})"
    path = Path(arg).expanduser().absolute()
    if path.is_dir():
        raise UsageError(f"{path}: --ps-profile is a directory; give the profile file (e.g. {PROFILE_NAME})")
    return path, None


def add_block(original: bytes | None, ref: str, block: str, label: str) -> bytes:
    """The profile with the patch's block appended between its markers, in
    the profile's encoding; the original bytes are kept as they are."""
    if original is None:
        charset, text = charsets.UTF8, ""
    else:
        charset, text = charsets.read_text(original, label, charsets.ansi_code_page())
    # Line endings are counted in the text, since in UTF-16 a CRLF is not the bytes b"\r\n".
    newline = newline_of(text.encode("utf-8"),
                         default=b"\r\n" if original is None and os.name == "nt" else b"\n").decode("ascii")
    lines = [BEGIN.format(ref=ref), *block.rstrip("\n").split("\n"), END.format(ref=ref)]
    added = newline.join(lines) + newline
    if text.strip(" \t\r\n"):
        added = newline + added  # a blank line between the user's profile and ours
    if original and not text.endswith("\n"):
        added = newline + added  # (a file that is only a BOM too: the block starts on a line of its own)
    return (original or b"") + charset.encode(added, label, f"the block of {ref}")


def readable(data: bytes) -> bytes:
    """The profile's text as UTF-8, for a diff and for looking for marks and
    refs; bytes patcher cannot read as text stay as they are."""
    try:
        charset, text = charsets.read_text(data, "", charsets.ansi_code_page())
    except Refused:
        return data
    return data if charset.codec == "utf-8" else text.encode("utf-8")


class PwshTarget(SingleFileTarget):
    KIND = "pwsh"
    OPTION = "--ps-profile"
    NAME = "PowerShell profile"
    MARKS = (b"# >>> patcher pwsh/",)
    USES_ENV = False
    locate = staticmethod(find_profile)

    def marked_files(self) -> list[str]:
        return [self.rel]

    def as_utf8(self, data: bytes | None) -> bytes | None:
        return None if data is None else readable(data)  # (a UTF-16 profile's diff and marks, as text)

    @staticmethod
    def edit(original: bytes | None, patches: list[Patch], env: dict, label: str) -> bytes:
        data = original
        for p in patches:
            data = add_block(data, p.ref, p.manifest.block, label)
        return data

    @staticmethod
    def describe(original: bytes | None, patches: list[Patch], env: dict) -> str:
        return "new file" if original is None else "block added"
