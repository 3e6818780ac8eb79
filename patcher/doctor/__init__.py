"""`patcher doctor`: the known traps between a patched toolchain/editor and
the user actually seeing UTF-8, each with its fix.

Every check returns a Finding with a stable id (documented in the README's
troubleshooting section); `ok` False means the trap is there.  Go settings
come from the go command itself (`go env`, with the user's environment in the
user's directory, never letting it download a toolchain); patch states from
`status`.  A fix is never a command that would refuse.
"""

import os
import shlex
from dataclasses import asdict, dataclass
from pathlib import Path

from patcher.targets.go.goenv import (
    GO_QUERY_TIMEOUT,
    GoQueryFailed,
    GoSettings,
    ask_go,
    gotoolchain_source,
    module_lines,
    select_toolchain,
    toolchain_version,
    version_key,
)
from patcher.errors import PatcherError
from patcher.targets.go.goroot import go_on_path

UTF8_CODEPAGE = 65001


def q(path) -> str:
    """A path as it must be typed in a shell command: shlex's POSIX quoting,
    which PowerShell (the default Windows terminal) reads the same way."""
    return shlex.quote(str(path))


@dataclass
class Finding:
    id: str
    ok: bool
    title: str
    detail: str = ""
    fix: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def check_gotoolchain(root: Path, go: GoSettings, env: dict) -> Finding:
    value, local = go.gotoolchain, go.version
    source = gotoolchain_source(value, go, env)
    file = go.module_file()
    sel = select_toolchain(value, local, file)
    if source == "environment":
        set_local = f"set GOTOOLCHAIN=local in the environment instead of {value} (it overrides `go env -w`)"
    else:
        set_local = "go env -w GOTOOLCHAIN=local"
    if sel.invalid:
        return Finding("gotoolchain-auto", False, f"GOTOOLCHAIN={value} ({source}) is refused by go: {sel.invalid}",
                       "every go command stops with \"invalid GOTOOLCHAIN\"", set_local)
    if not sel.local:
        does = (f"go looks for a `{sel.runs}` command on PATH and runs that instead" if sel.how == "path"
                else f"go downloads {sel.runs} (unless it is in the module cache already) and runs it; a downloaded go "
                     "is never patched")
        patch_it = ("patch the toolchains go downloads: patcher apply --go-toolchains (once go has run it), and "
                    "patcher keep, so that the next ones are patched too" if sel.how == "download" else
                    f"patch {sel.runs}: patcher apply --go-src <its GOROOT>")
        return Finding("gotoolchain-auto", False, f"GOTOOLCHAIN={value} ({source}) makes go run {sel.runs} here, not {local} of {root}",
                       f"{sel.why}: {does}", f"{set_local}, or {patch_it}")
    title = f"GOTOOLCHAIN={value} ({source}): go runs {local} of {root} here"
    if file:
        go_line, toolchain_line = module_lines(file)
        wants = max([v for v in (go_line, toolchain_version(toolchain_line)) if v], key=version_key, default="")
        if wants and version_key(wants) > version_key(toolchain_version(local)):
            title += f" ({file} asks for go {wants}, which {local} refuses to build with GOTOOLCHAIN={value})"
    return Finding("gotoolchain-auto", True, title)


def check_go_on_path(root: Path, env: dict, patched: bool, found: Path | None = None) -> Finding:
    """`found`: the go first on PATH when the caller has looked already."""
    exe = "go.exe" if (root / "bin" / "go.exe").exists() else "go"
    found = found if found is not None else go_on_path(env)
    expected = root / "bin" / exe
    what = "the patched " if patched else ""
    if not found:
        return Finding("go-on-path", False, "no go on PATH",
                       f"typing `go` in a terminal finds no go command, so `go test` there cannot run {what}{expected}",
                       f"put {q(root / 'bin')} on PATH (Windows: Settings → System → About → Advanced system settings → "
                       "Environment Variables), then open a new terminal")
    if os.path.realpath(found) != os.path.realpath(expected):
        return Finding("go-on-path", False, f"the go first on PATH is {found}, not {what}{expected}",
                       "`go test` in a terminal runs that one",
                       f"put {q(root / 'bin')} before {q(Path(found).parent)} in PATH (Windows: Settings → System → About → "
                       "Advanced system settings → Environment Variables), then open a new terminal")
    return Finding("go-on-path", True, f"the go first on PATH is {what}{expected}"
                   + ("" if patched else " (not patched: see below)"))


def check_go_env_goroot(root: Path, path_go: "GoSettings | GoQueryFailed", env: dict) -> Finding:
    """What GOROOT the go on PATH uses (it can differ from the directory it is in: GOROOT set)."""
    if isinstance(path_go, GoQueryFailed):
        return Finding("goroot-mismatch", False, "could not ask the go on PATH for its GOROOT", str(path_go),
                       "run `go env GOROOT` in a terminal to see what is wrong with that go")
    out = path_go.settings.get("GOROOT") or ""
    if not out:
        return Finding("goroot-mismatch", False, f"`{path_go.exe} env GOROOT` gives nothing",
                       "that go does not find its own installation", "reinstall Go, or set GOROOT to its folder")
    if os.path.realpath(out) == os.path.realpath(root):
        return Finding("goroot-mismatch", True, f"`go env GOROOT` is {root}")
    if env.get("GOROOT") and os.path.realpath(env["GOROOT"]) == os.path.realpath(out):
        return Finding("goroot-mismatch", False, f"`go env GOROOT` is {out}, not {root}",
                       f"GOROOT={env['GOROOT']} is set in the environment, so go uses that installation",
                       "unset GOROOT (go finds its installation by itself), then open a new terminal")
    return Finding("goroot-mismatch", False, f"`go env GOROOT` is {out}, not {root}",
                   f"the go on PATH ({path_go.exe}) belongs to another Go installation",
                   f"put {q(root / 'bin')} first on PATH, or patch that one: patcher apply --go-src {q(out)}")


# The id prefix of each kind's patch findings (go-patches, editor-patches, goext-patches).
FINDING_PREFIX = {"go": "go", "cursor": "editor", "goext": "goext"}
# What it means, per kind, when status says "drifted".
_DRIFTED = {"go": "the toolchain changed since apply (updated or reinstalled)",
            "cursor": "the editor updated and dropped the patches",
            "goext": "the Go extension's files changed since apply (updated in place or edited)"}


def check_patch_states(report: dict, target_flag: str, writable: bool = True) -> list[Finding]:
    """One finding per patch, worded from the status report (see `patcher
    status --json`), never suggesting a command that would refuse."""
    out = []
    name = FINDING_PREFIX.get(report["target"], report["target"])
    root = q(report["root"])
    apply = f"patcher apply {target_flag} {root}"
    if not writable:
        apply = f"as the owner of {root} (an elevated prompt): {apply}"
    for p in report["patches"]:
        state, reason, ref = p["state"], p.get("reason") or "", p["ref"]
        if state == "applied":
            title = f"{ref}: applied" + (" to an unverified release" if report.get("unverified") else "")
            out.append(Finding(f"{name}-patches", True, title, reason))
        elif state == "unrecorded":
            where = report.get("recorded_in")
            if where:
                out.append(Finding(f"{name}-patches", True, f"{ref}: patched, but recorded in another state directory",
                                   f"the record of that apply is in {where}: use --state-dir {q(where)} for status and revert"))
            else:  # status's reason says what may have happened to the record
                out.append(Finding(f"{name}-patches", True, f"{ref}: patched, but not recorded in this state directory", reason))
        elif state == "not applicable":
            if name == "go":
                out.append(Finding(f"{name}-patches", False, f"{ref}: not applicable: {reason}",
                                   "this Go cannot be patched, so `go test` output stays as unpatched go writes it",
                                   "install a Go release the patch supports (`patcher list` names them), then "
                                   f"patcher apply {target_flag} <that GOROOT>"))
            else:  # e.g. winpty mode on a build without winpty: nothing to do
                out.append(Finding(f"{name}-patches", True, f"{ref}: not applicable", reason))
        elif state == "drifted":
            out.append(Finding(f"{name}-patches", False, f"{ref}: drifted — {_DRIFTED[report['target']]}", reason, apply))
        elif state == "broken":
            fix = (f"patcher rebuild {target_flag} {root}" if name == "go" and "rebuild" in reason else apply)
            out.append(Finding(f"{name}-patches", False, f"{ref}: broken", reason, fix))
        elif report["target"] == "goext":  # the installed extension, named: an update is a new, unpatched folder
            out.append(Finding(f"{name}-patches", False, f"{ref}: not applied to {report['release']} ({report['root']})",
                               reason or "its test output and debug console still decode each chunk on its own (U+FFFD "
                                         "where a character is cut)", apply + "; then reload the editor window"))
        else:
            out.append(Finding(f"{name}-patches", False, f"{ref}: not applied", reason, apply))
    return out


def check_writable(directory: Path) -> Finding:
    from patcher.state.atomicio import ensure_writable_dir
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



def check_go_extensions(go_ext: str | None, state_dir: Path, catalog, say=lambda s: None) -> list[Finding]:
    """The Go extension(s): the folder given, else every one `--go-ext auto`
    finds (none installed: nothing to check)."""
    from patcher.targets.goext import locate
    from patcher.targets.goext.target import GoExtTarget

    folders = locate.expand(go_ext, say) if go_ext else [str(i.folder) for i in locate.find_all(say)]
    findings = []
    for folder in folders:
        target = GoExtTarget(folder, state_dir, say=say)
        writable = check_writable(target.root)
        findings += check_patch_states(target.status(catalog), "--go-ext", writable.ok)
        findings.append(writable)
    return findings


def diagnose(go_src, cursor, state_dir: Path, catalog, env: dict, cwd: Path, say=lambda s: None,
             timeout: float = GO_QUERY_TIMEOUT, go_ext: str | None = None) -> list[Finding]:
    """Every check that applies to the targets given (without --go-src, the
    GOROOT of the go on PATH; without --go-ext, the installed Go extensions),
    the console code page last.  The go commands are asked with the user's
    environment in the user's directory."""
    from patcher.targets.editor.target import CursorTarget
    from patcher.targets.go.target import GoTarget

    findings = []
    found = go_on_path(env)
    path_go: GoSettings | GoQueryFailed | None = None
    if found:
        try:
            path_go = ask_go(found, env, cwd, timeout)
        except GoQueryFailed as exc:
            path_go = exc
    if not go_src and not found:
        findings.append(Finding("go-on-path", False, "no go on PATH",
                                "without --go-src doctor checks the Go of the go on PATH, and typing `go` finds none",
                                "install Go or put its bin folder on PATH (then open a new terminal), or name the "
                                "GOROOT to check: patcher doctor --go-src DIR"))
    elif not go_src:
        go_src = path_go.settings.get("GOROOT") if isinstance(path_go, GoSettings) else None
        if not go_src:  # that go could not be asked, or names no GOROOT: say so rather than skip the Go checks
            findings.append(check_go_env_goroot(Path(found).parent.parent, path_go, env))
    if go_src:
        target = GoTarget(go_src, state_dir, say=say)
        root = target.goroot.root
        writable = check_writable(root / "bin")
        report = target.status(catalog)
        states = check_patch_states(report, "--go-src", writable.ok)
        # Whether the go command itself is patched: the binary says it, whatever the journal.
        patched = target.marked() is not None
        findings.append(check_go_on_path(root, env, patched, found))
        if path_go is not None:
            findings.append(check_go_env_goroot(root, path_go, env))
        try:
            # Without --go-src the go on PATH is the target's: asked once (each ask is seconds under Wine).
            same = isinstance(path_go, GoSettings) and os.path.realpath(found) == os.path.realpath(target.goroot.go_binary)
            findings.append(check_gotoolchain(root, path_go if same else ask_go(target.goroot.go_binary, env, cwd, timeout), env))
        except GoQueryFailed as exc:
            findings.append(Finding("gotoolchain-auto", False, f"could not ask {target.goroot.go_binary} for its settings",
                                    str(exc), f"run `{q(target.goroot.go_binary)} env` to see why"))
        findings += states
        findings.append(writable)
    if cursor:
        target = CursorTarget(cursor, state_dir, say=say)
        writable = check_writable(target.app / "out")
        findings += check_patch_states(target.status(catalog), "--cursor", writable.ok)
        findings.append(writable)
    findings += check_go_extensions(go_ext, state_dir, catalog, say)
    findings.append(check_codepage(console_output_codepage()))
    return findings
