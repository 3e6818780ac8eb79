"""What the go command itself says about its settings, and which toolchain it
would run: `go env` asked with the user's environment in the user's
directory, never letting it download a toolchain, and go's own selection
rules (GOTOOLCHAIN, go.work / go.mod `go` and `toolchain` lines) applied to
the answers.  See NOTES.md for the experiments behind it."""

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

GO_QUERY_TIMEOUT = 20.0  # seconds; `go env` answers in ~0.01 s natively, ~2.5 s under Wine
# GOTOOLCHAIN: asked on its own, see GoSettings.
GO_SETTINGS = ("GOROOT", "GOVERSION", "GOENV", "GOMOD", "GOWORK", "GOHOSTOS", "GOHOSTARCH", "GOMODCACHE")


class GoQueryFailed(Exception):
    """A go command that could not be asked for its settings (the reason)."""


@dataclass
class GoSettings:
    """What one go command says about the user's settings, run with the
    user's environment in the user's working directory.

    `settings` is `go env -json` run with GOTOOLCHAIN=local added: without it
    go switches toolchains before answering, i.e. downloads the go a go.mod
    asks for (tried: `go env -json` in a module with `go 1.26.6` under
    go1.25.5 printed "go: downloading go1.26.6").  `gotoolchain` is
    `go env GOTOOLCHAIN` exactly as typed, the one command line cmd/go
    answers itself without switching (go1.21.13 and go1.25.5 both print the
    configured value, e.g. `go1.26.6`, with no download): the environment,
    else the `go env -w` file (GOENV), else GOROOT/go.env."""
    exe: Path
    settings: dict
    gotoolchain: str

    @property
    def version(self) -> str:
        return (self.settings.get("GOVERSION") or "").split(" ")[0]  # "go1.25.5 X:..." with experiments

    def module_file(self) -> str | None:
        """The go.work, else go.mod, whose go/toolchain lines go reads (none outside a module)."""
        for key in ("GOWORK", "GOMOD"):
            value = self.settings.get(key) or ""
            if value not in ("", "off", os.devnull, "NUL", "/dev/null") and Path(value).is_file():
                return value
        return None


def ask_go(exe: Path | str, env: dict, cwd: Path, timeout: float = GO_QUERY_TIMEOUT) -> GoSettings:
    """The settings of a go command, without letting it download anything.
    Raises GoQueryFailed with a one-line reason."""

    def run(args: list[str], extra: dict) -> str:
        try:
            proc = subprocess.run([str(exe), *args], capture_output=True, text=True, encoding="utf-8", errors="replace",
                                  env=dict(env, **extra), cwd=cwd, stdin=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise GoQueryFailed(f"`{exe} {' '.join(args)}` did not answer within {timeout:.0f} s") from None
        except OSError as exc:
            raise GoQueryFailed(f"cannot run {exe}: {exc.strerror or exc}") from None
        if proc.returncode != 0:
            first = next((ln for ln in proc.stderr.splitlines() if ln.strip()), f"exit status {proc.returncode}")
            raise GoQueryFailed(f"`{exe} {' '.join(args)}` failed: {first.strip()}")
        return proc.stdout

    # GOPROXY=off as well: should a release not answer `go env GOTOOLCHAIN`
    # itself, the switch fails at once instead of downloading.
    gotoolchain = run(["env", "GOTOOLCHAIN"], {"GOPROXY": "off"}).strip()
    text = run(["env", "-json", *GO_SETTINGS], {"GOTOOLCHAIN": "local"})
    try:
        settings = json.loads(text)
    except ValueError:
        raise GoQueryFailed(f"`{exe} env -json` printed something that is not JSON") from None
    return GoSettings(Path(exe), settings, gotoolchain)


def version_key(v: str) -> tuple:
    """Go versions in go's order: 1.21 (a language version) < 1.21rc1 < 1.21.0 < 1.21.1."""
    m = re.match(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?", v.strip())
    if not m:
        return ()
    major, minor = int(m.group(1)), int(m.group(2))
    if m.group(3) is not None:
        return major, minor, 2, int(m.group(3))
    if m.group(4):
        return major, minor, 1 if m.group(4) == "rc" else 0, int(m.group(5))
    return major, minor, -1, 0


def toolchain_version(name: str) -> str:
    """"go1.26.6" / "go1.26.6-custom" / "mine-go1.26.6" -> "1.26.6"; "" when not a toolchain name."""
    m = re.search(r"(?:^|-)go(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)(?:-|$)", name)
    return m.group(1) if m else ""


def module_lines(path: str) -> tuple[str, str]:
    """The `go` and `toolchain` lines of a go.mod / go.work, read as go reads
    them (first line starting with the key and a blank, `//` comment cut)."""
    found = {}
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:  # gone since go named it: go would not read it either
        return "", ""
    for line in text.splitlines():
        line = line.strip()
        for key in ("go", "toolchain"):
            if key not in found and line.startswith(key) and line[len(key):len(key) + 1] in (" ", "\t"):
                found[key] = line[len(key):].split("//")[0].strip()
    return found.get("go", ""), found.get("toolchain", "")


@dataclass
class Selection:
    """The toolchain a go command runs (https://go.dev/doc/toolchain#select)."""
    runs: str  # "go1.26.6", or the local name when no switch
    local: bool
    how: str = ""  # "download" or "path" when not local
    why: str = ""
    invalid: str = ""  # why go rejects the GOTOOLCHAIN value


def select_toolchain(gotoolchain: str, local: str, file: str | None) -> Selection:
    """What `go test` does with this GOTOOLCHAIN, this local release and this
    go.mod/go.work: go's selection rules, applied to the values go reported."""
    if gotoolchain in ("auto", "path"):
        name, mode = local, gotoolchain
    else:
        minimum, plus, mode = gotoolchain.partition("+")
        if plus and mode not in ("auto", "path"):
            return Selection(local, True, invalid="only +auto and +path may follow a version")
        if minimum == "local":
            name = local
        elif toolchain_version(minimum):
            name = minimum
        else:
            return Selection(local, True, invalid=f"{minimum} is not local or a go toolchain name")
    why = f"GOTOOLCHAIN names {name}"
    if mode in ("auto", "path") and file:
        go_line, toolchain_line = module_lines(file)
        least = toolchain_version(name)
        if toolchain_line and toolchain_line != "default" and toolchain_version(toolchain_line) \
                and version_key(toolchain_version(toolchain_line)) > version_key(least):
            name, least, why = toolchain_line, toolchain_version(toolchain_line), f"{file} says `toolchain {toolchain_line}`"
        if toolchain_line != "default" and go_line and version_key(go_line) > version_key(least):
            lang = re.fullmatch(r"\d+\.\d+", go_line) and version_key(go_line) >= (1, 21)
            name, why = "go" + go_line + (".0" if lang else ""), f"{file} says `go {go_line}`"
    if name == local:
        return Selection(local, True)
    return Selection(name, False, "path" if mode == "path" else "download", why)


def gotoolchain_source(value: str, go: GoSettings, env: dict) -> str:
    """Where the GOTOOLCHAIN go uses is set, in go's order."""
    if env.get("GOTOOLCHAIN"):
        return "environment"
    goenv = go.settings.get("GOENV") or ""
    if goenv and goenv != "off" and _env_file_value(Path(goenv), "GOTOOLCHAIN") == value:
        return f"go env -w, in {goenv}"
    root = go.settings.get("GOROOT") or ""
    if root and _env_file_value(Path(root) / "go.env", "GOTOOLCHAIN") == value:
        return f"default of {Path(root) / 'go.env'}"
    return "default"


def _env_file_value(path: Path, key: str) -> str | None:
    """A key of a go env file (KEY=VALUE lines; the last one counts)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    value = None
    for line in text.split("\n"):
        if line.startswith(key + "="):
            value = line[len(key) + 1:]
    return value
