"""A PowerShell profile as a target (patches of kind "pwsh").

A pwsh patch adds a block of lines to the profile, between marker comments
naming the patch, at the end of the file (created if there is none yet), in
the file's own line endings and encoding.  Revert restores the file byte for
byte (or removes it, and the folders apply created for it).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from patcher.catalog.catalog import Patch
from patcher.engine.text import UTF8_BOM, check_utf8, newline_of
from patcher.errors import UsageError
from patcher.targets.inplace import SingleFileTarget

PROFILE_NAME = "Microsoft.PowerShell_profile.ps1"
BEGIN = "# >>> patcher {ref} >>> (added by `patcher apply --ps-profile`; `patcher revert --ps-profile` removes it)"
END = "# <<< patcher {ref} <<<"


def default_profile(platform: str, home: Path) -> Path:
    """PowerShell 7's current-user, current-host profile."""
    if platform == "win32":
        return home / "Documents" / "PowerShell" / PROFILE_NAME
    return home / ".config" / "powershell" / PROFILE_NAME


def ask_powershell() -> Path | None:
    """$PROFILE as PowerShell itself reports it (it knows about redirected
    Documents folders); -NoProfile, so no profile code runs."""
    for exe in ("pwsh", "powershell"):
        found = shutil.which(exe)
        if not found:
            continue
        try:
            out = subprocess.run([found, "-NoLogo", "-NoProfile", "-NonInteractive", "-Command",
                                  "$PROFILE.CurrentUserCurrentHost"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
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
    """The profile with the patch's block appended between its markers."""
    base = original or b""
    if original is not None:
        check_utf8(original, label)
    newline = newline_of(base, default=b"\r\n" if original is None and os.name == "nt" else b"\n")
    lines = [BEGIN.format(ref=ref), *block.rstrip("\n").split("\n"), END.format(ref=ref)]
    text = newline.join(line.encode("utf-8") for line in lines) + newline
    if base and not base.endswith(b"\n"):
        base += newline
    if base.strip(UTF8_BOM + b" \t\r\n"):
        base += newline  # a blank line between the user's profile and ours
    return base + text


class PwshTarget(SingleFileTarget):
    KIND = "pwsh"
    NAME = "PowerShell profile"
    MARKS = (b"# >>> patcher pwsh/",)
    USES_ENV = False
    locate = staticmethod(find_profile)

    def marked_files(self) -> list[str]:
        return [self.rel]

    @staticmethod
    def edit(original: bytes | None, patches: list[Patch], env: dict, label: str) -> bytes:
        data = original
        for p in patches:
            data = add_block(data, p.ref, p.manifest.block, label)
        return data

    @staticmethod
    def describe(original: bytes | None, patches: list[Patch], env: dict) -> str:
        return "new file" if original is None else "block added"
