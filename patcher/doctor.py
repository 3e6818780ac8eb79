"""`patcher doctor`: the known traps between a patched toolchain/editor and
the user actually seeing UTF-8, each with its fix.

Every check returns a Finding with a stable id (documented in the README's
troubleshooting section); `ok` False means the trap is there.
"""

import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from patcher.errors import PatcherError

UTF8_CODEPAGE = 65001


def q(path) -> str:
    """A path as it must be typed in a shell command (quoted if it has spaces)."""
    text = str(path)
    return f'"{text}"' if any(c in text for c in " &()'") else text


@dataclass
class Finding:
    id: str
    ok: bool
    title: str
    detail: str = ""
    fix: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def _version_tuple(v: str) -> tuple[int, ...]:
    """"go1.25.5" / "1.26" / "1.26rc1" -> (1, 26, 5) / (1, 26, 0) / (1, 26, -1)."""
    m = re.match(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?(rc|beta)?", v.strip())
    if not m:
        return ()
    patch = int(m.group(3)) if m.group(3) else (-1 if m.group(4) else 0)
    return int(m.group(1)), int(m.group(2)), patch


def find_go_mod(start: Path) -> Path | None:
    for d in [start, *start.parents]:
        if (d / "go.mod").is_file():
            return d / "go.mod"
    return None


def go_mod_wants(go_mod: Path) -> str | None:
    """The newest Go a go.mod asks for (its toolchain line, else its go line)."""
    text = go_mod.read_text(encoding="utf-8", errors="replace")
    toolchain = re.search(r"^toolchain\s+(go\S+)", text, re.M)
    go = re.search(r"^go\s+(\d+\.\d+(?:\.\d+)?(?:rc\d+)?)", text, re.M)
    candidates = [v for v in (toolchain and toolchain.group(1), go and "go" + go.group(1)) if v]
    return max(candidates, key=_version_tuple) if candidates else None


def effective_gotoolchain(goroot: Path, env: dict) -> str:
    """GOTOOLCHAIN as go sees it: the environment, else GOROOT/go.env, else auto."""
    if env.get("GOTOOLCHAIN"):
        return env["GOTOOLCHAIN"]
    go_env = goroot / "go.env"
    if go_env.is_file():
        m = re.search(r"^GOTOOLCHAIN=(\S+)", go_env.read_text(encoding="utf-8", errors="replace"), re.M)
        if m:
            return m.group(1)
    return "auto"


def check_gotoolchain(goroot: Path, version: str, cwd: Path, env: dict) -> Finding:
    mode = effective_gotoolchain(goroot, env)
    go_mod = find_go_mod(cwd)
    wants = go_mod_wants(go_mod) if go_mod else None
    if wants and _version_tuple(wants) > _version_tuple(version) and not mode.startswith("local"):
        return Finding("gotoolchain-auto", False, f"{go_mod} asks for {wants}, newer than the patched {version}",
                       f"with GOTOOLCHAIN={mode} go downloads and runs {wants}, which is not patched",
                       "set GOTOOLCHAIN=local (go env -w GOTOOLCHAIN=local) to keep the patched go, or patch a "
                       f"{wants} GOROOT with patcher apply")
    where = f" ({go_mod} asks for {wants})" if wants else ""
    return Finding("gotoolchain-auto", True, f"GOTOOLCHAIN={mode} runs the patched toolchain here{where}")


def check_go_on_path(goroot: Path, env: dict) -> Finding:
    exe = "go.exe" if (goroot / "bin" / "go.exe").exists() else "go"
    found = shutil.which("go", path=env.get("PATH", ""))
    expected = goroot / "bin" / exe
    if not found:
        return Finding("go-on-path", False, "no go on PATH", f"typing `go` does not run {expected}",
                       f"put {q(goroot / 'bin')} at the front of PATH")
    if os.path.realpath(found) != os.path.realpath(expected):
        return Finding("go-on-path", False, f"the go first on PATH is {found}, not the patched {expected}",
                       "`go test` in a terminal runs that one",
                       f"put {q(goroot / 'bin')} before {q(Path(found).parent)} in PATH (Windows: Settings → System → About → "
                       "Advanced system settings → Environment Variables), then open a new terminal")
    return Finding("go-on-path", True, f"the go first on PATH is the patched {expected}")


def check_go_env_goroot(goroot: Path, env: dict) -> Finding:
    found = shutil.which("go", path=env.get("PATH", ""))
    if not found:
        return Finding("goroot-mismatch", True, "no go on PATH to ask for its GOROOT")
    out = go_root_on_path(env)
    if out is None:
        return Finding("goroot-mismatch", False, f"`{found} env GOROOT` gives nothing", "that go does not run properly",
                       "check that Go is installed correctly")
    if os.path.realpath(out) != os.path.realpath(goroot):
        return Finding("goroot-mismatch", False, f"`go env GOROOT` is {out}, not {goroot}",
                       "the go on PATH uses another Go installation (or GOROOT is set in the environment)",
                       f"unset GOROOT, or patch that one: patcher apply --go-src {q(out)}")
    return Finding("goroot-mismatch", True, f"`go env GOROOT` is {goroot}")


def check_patch_states(report: dict, target_flag: str) -> list[Finding]:
    out = []
    name = "go" if report["target"] == "go" else "editor"
    for p in report["patches"]:
        state = p["state"]
        if state in ("applied", "not applicable"):
            out.append(Finding(f"{name}-patches", True, f"{p['ref']}: {state}", p["reason"]))
        elif state == "drifted":
            what = ("the editor updated and dropped the patches" if name == "editor"
                    else "the toolchain changed since apply (updated or reinstalled)")
            out.append(Finding(f"{name}-patches", False, f"{p['ref']}: drifted — {what}", p["reason"],
                               f"patcher apply {target_flag} {q(report['root'])}"))
        elif state == "broken":
            fix = (f"patcher rebuild {target_flag} {q(report['root'])}" if name == "go" and "rebuild" in p["reason"]
                   else f"patcher apply {target_flag} {q(report['root'])}")
            out.append(Finding(f"{name}-patches", False, f"{p['ref']}: broken", p["reason"], fix))
        else:
            out.append(Finding(f"{name}-patches", False, f"{p['ref']}: not applied", p["reason"],
                               f"patcher apply {target_flag} {q(report['root'])}"))
    return out


def check_writable(directory: Path) -> Finding:
    from patcher.atomicio import ensure_writable_dir
    try:
        ensure_writable_dir(directory)
    except PatcherError as exc:
        return Finding("read-only", False, f"{directory} is read-only", str(exc),
                       "run patcher as the owner of the installation (an elevated prompt for Program Files), or use a "
                       "per-user install (Go in your home folder; Cursor's per-user installer)")
    return Finding("read-only", True, f"{directory} is writable")


def console_output_codepage() -> int | None:
    """The Windows console's output code page (what `chcp` shows); None elsewhere."""
    if os.name != "nt":
        return None
    import ctypes
    return int(ctypes.windll.kernel32.GetConsoleOutputCP())  # type: ignore[attr-defined]


def check_codepage(codepage: int | None) -> Finding:
    if codepage is None:
        return Finding("console-codepage", True, "not a Windows console: no code page to set")
    if codepage != UTF8_CODEPAGE:
        return Finding("console-codepage", False, f"the console output code page is {codepage}, not {UTF8_CODEPAGE} (UTF-8)",
                       "UTF-8 output is shown through the legacy code page and comes out garbled",
                       "run chcp 65001 in the terminal; for every new terminal: patcher apply --ps-profile auto "
                       "(pwsh/utf8-console@1) or --settings auto (settings/utf8-terminal@1)")
    return Finding("console-codepage", True, "the console output code page is 65001 (UTF-8)")


def findings_summary(findings: list[Finding]) -> tuple[int, int]:
    problems = sum(not f.ok for f in findings)
    return len(findings) - problems, problems



def go_root_on_path(env: dict) -> str | None:
    """`go env GOROOT` of the go on PATH, if there is one."""
    found = shutil.which("go", path=env.get("PATH", ""))
    if not found:
        return None
    try:
        out = subprocess.run([found, "env", "GOROOT"], capture_output=True, text=True, timeout=60,
                             env=dict(env, GOTOOLCHAIN="local"))
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def diagnose(go_src, cursor, state_dir: Path, catalog, env: dict, cwd: Path, say=lambda s: None) -> list[Finding]:
    """Every check that applies to the targets given (without --go-src, the
    GOROOT of the go on PATH), the console code page last."""
    from patcher.cursortarget import CursorTarget
    from patcher.gotarget import GoTarget

    findings = []
    go_src = go_src or go_root_on_path(env)
    if go_src:
        target = GoTarget(go_src, state_dir, say=say)
        root = target.goroot.root
        findings += [check_go_on_path(root, env), check_go_env_goroot(root, env),
                     check_gotoolchain(root, target.goroot.version, cwd, env)]
        findings += check_patch_states(target.status(catalog), "--go-src")
        findings.append(check_writable(root / "bin"))
    if cursor:
        target = CursorTarget(cursor, state_dir, say=say)
        findings += check_patch_states(target.status(catalog), "--cursor")
        findings.append(check_writable(target.app / "out"))
    findings.append(check_codepage(console_output_codepage()))
    return findings
