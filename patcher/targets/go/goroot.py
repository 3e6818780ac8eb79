"""A Go installation (GOROOT) as a patch target: layout, release, fingerprints.

A GOROOT is recognised by VERSION, src/cmd/go and bin/go (go.exe on
Windows).  Its release comes from the first line of VERSION (e.g. go1.25.5).
Each target file is checked against vendor/go-fingerprints.json, the hashes
of the upstream files per release, so a file someone edited is not patched
by accident.
"""

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from patcher.catalog.resources import vendor_dir
from patcher.errors import Refused, UsageError
from patcher.state.atomicio import exists_or_set_aside
from patcher.state.hashing import sha256_bytes

FINGERPRINTS_NAME = "go-fingerprints.json"
_VERSION_RE = re.compile(r"^go(\d+)\.(\d+)(?:\.(\d+))?((?:rc|beta)\d+)?$")


def release_line(goversion: str) -> str | None:
    """"go1.25.5" -> "1.25"; None for a development build."""
    m = _VERSION_RE.match(goversion)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def _line_key(line: str) -> tuple[int, int]:
    major, minor = line.split(".")
    return int(major), int(minor)


def describe_lines(lines) -> str:
    """("1.21", ..., "1.27") -> "go1.21–go1.27" (or a list when not contiguous)."""
    ordered = sorted(set(lines), key=_line_key)
    if not ordered:
        return "none"
    keys = [_line_key(x) for x in ordered]
    contiguous = all(b == (a[0], a[1] + 1) for a, b in zip(keys, keys[1:]))
    if contiguous and len(ordered) > 1:
        return f"go{ordered[0]}–go{ordered[-1]}"
    return ", ".join(f"go{x}" for x in ordered)


def go_binary_of(root: Path) -> Path:
    """A GOROOT's go command: bin/go.exe on Windows (also while a replace has it set
    aside, see atomicio), else bin/go."""
    bindir = Path(root) / "bin"
    return bindir / ("go.exe" if exists_or_set_aside(bindir / "go.exe") else "go")


@dataclass(frozen=True)
class GoRoot:
    root: Path
    version: str  # e.g. go1.25.5
    line: str | None  # e.g. 1.25

    @property
    def exe_name(self) -> str:
        return go_binary_of(self.root).name

    @property
    def go_binary_rel(self) -> str:
        return f"bin/{self.exe_name}"

    @property
    def go_binary(self) -> Path:
        return self.root / "bin" / self.exe_name

    def path(self, rel: str) -> Path:
        return Path(self.root, *rel.split("/"))

    def label(self, rel: str) -> str:
        return str(self.path(rel))


def open_goroot(directory: str | os.PathLike | None) -> GoRoot:
    if not directory:
        raise UsageError("missing --go-src: give the GOROOT to patch (the directory with VERSION, src/ and bin/, e.g. ~/go or $(go env GOROOT))")
    root = Path(directory).expanduser()
    if not root.is_dir():
        raise UsageError(f"{root}: --go-src is not a directory")
    root = root.absolute()
    version_file = root / "VERSION"
    missing = [name for name in ("VERSION", "src/cmd/go", "bin") if not (root / name).exists()]
    if not missing and not (exists_or_set_aside(root / "bin" / "go") or exists_or_set_aside(root / "bin" / "go.exe")):
        missing.append("bin/go")
    if missing:
        raise Refused(f"{root}: not a GOROOT (no {', '.join(missing)}); give the directory `go env GOROOT` prints")
    try:
        first = version_file.read_text(encoding="utf-8").splitlines()[0].strip()
    except (IndexError, UnicodeDecodeError, OSError):
        raise Refused(f"{version_file}: cannot read the Go release from it") from None
    return GoRoot(root, first, release_line(first))


def unsupported_reason(goroot: GoRoot, ref: str, lines: tuple[str, ...]) -> str | None:
    """Why a patch made for release `lines` refuses this GOROOT, or None.

    A development build, or a release line older than the patch's oldest,
    is refused: the patch was not made for it.  A NEWER line is not refused
    here: a release out after the patch is tried as unverified (structural
    anchors, build, self-test), see verify_fingerprint.
    """
    if goroot.line is None or not lines:
        return f"{goroot.version} is not supported by {ref} (supported: {describe_lines(lines)})"
    if _line_key(goroot.line) < min(_line_key(x) for x in lines):
        return f"{goroot.version} is not supported by {ref} (supported: {describe_lines(lines)})"
    return None


def go_on_path(env: dict | None = None) -> Path | None:
    found = shutil.which("go", path=(env if env is not None else os.environ).get("PATH", os.defpath))
    return Path(found) if found else None


def goroot_of(go: Path, env: dict | None = None) -> Path:
    """The GOROOT a go binary uses on its own: `go env GOROOT` with GOROOT
    unset, GOENV off and GOTOOLCHAIN=local (so the lookup downloads nothing
    and no setting points it elsewhere)."""
    env = {k: v for k, v in (env if env is not None else os.environ).items() if k not in ("GOROOT", "GOFLAGS")}
    env.update(GOTOOLCHAIN="local", GOENV="off")
    try:
        # go writes UTF-8 to a pipe on every system; text=True alone reads the ANSI code page on Windows.
        proc = subprocess.run([str(go), "env", "GOROOT"], capture_output=True, encoding="utf-8", errors="replace",
                              env=env, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Refused(f"{go}: cannot run it to ask for its GOROOT ({exc})") from None
    out = proc.stdout.strip()
    if proc.returncode != 0 or not out:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise Refused(f"{go}: `go env GOROOT` failed ({last})")
    return Path(out)


def locate_goroot(arg: str | os.PathLike | None) -> tuple[GoRoot, str | None]:
    """The GOROOT for --go-src ARG, and a note saying how it was found:
    `auto` is the GOROOT of the go that `go` really runs in the current
    directory: the go first on PATH, or the toolchain it switches to there."""
    if str(arg) != "auto":
        return open_goroot(arg), None
    go = go_on_path()
    if go is None:
        raise Refused("--go-src auto: no go on PATH; give --go-src DIR (the directory `go env GOROOT` prints)")
    root, how = switched_goroot(go)
    return open_goroot(root), f"note: --go-src auto: using {root} ({how})"


def switched_goroot(go: Path) -> tuple[Path, str]:
    """The GOROOT `go` runs in the current directory after toolchain switching,
    and how it came to be that one.  Found the way the go command finds it
    (its own settings, go's selection rules; doctor reports the same), never by
    letting it switch: that could download a toolchain."""
    from patcher.targets.go import goenv, toolchains

    try:
        asked = goenv.ask_go(go, dict(os.environ), Path.cwd())
    except goenv.GoQueryFailed:
        return goroot_of(go), f"the GOROOT of {go}, first on PATH"
    sel = goenv.select_toolchain(asked.gotoolchain, asked.version, asked.module_file())
    if sel.local or sel.invalid:
        # (its own GOROOT, asked without a GOROOT of the environment, which may name another Go)
        return goroot_of(go), f"the GOROOT of {go}, first on PATH"
    exe = shutil.which(sel.runs)  # a goX.Y.Z command on PATH comes first, in either mode
    if exe:
        return goroot_of(Path(exe)), f"go here switches to {sel.runs} on PATH: {exe} ({sel.why})"
    if sel.how == "path":
        raise Refused(f"--go-src auto: go here runs {sel.runs} from PATH ({sel.why}), and there is none; "
                      "give --go-src DIR")
    cache = Path(asked.settings.get("GOMODCACHE") or toolchains.module_cache())
    found = cache / toolchains.MODULE_DIR / toolchains.folder_name(sel.runs, asked.settings.get("GOHOSTOS", ""),
                                                                     asked.settings.get("GOHOSTARCH", ""))
    if not found.is_dir():
        raise Refused(f"--go-src auto: go here would download {sel.runs} ({sel.why}) and it is not in the module cache "
                      f"yet ({found}): run go here once, then apply (or `patcher apply --go-toolchains`), or set "
                      "GOTOOLCHAIN=local")
    return found, f"go here switches to {sel.runs} ({sel.why}): a toolchain in the module cache"


def check_supported(goroot: GoRoot, patch_refs_and_lines: list[tuple[str, tuple[str, ...]]]) -> None:
    for ref, lines in patch_refs_and_lines:
        why = unsupported_reason(goroot, ref, lines)
        if why:
            raise Refused(f"{goroot.root}: {why}; nothing changed")


@lru_cache(maxsize=4)
def _load_fingerprints(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Refused(f"{path}: missing from this patcher installation; reinstall patcher (pip install --force-reinstall patcher)") from None
    except ValueError as exc:
        raise Refused(f"{path}: not valid JSON ({exc}); reinstall patcher (pip install --force-reinstall patcher)") from None


def fingerprints(path: Path | None = None) -> dict:
    return _load_fingerprints(path or vendor_dir() / FINGERPRINTS_NAME)


def known_releases() -> list[str]:
    return sorted(fingerprints().get("releases", {}), key=lambda v: _line_key(release_line(v) or "0.0") + (v,))


def unverified_reason(goroot: GoRoot) -> str:
    known = known_releases()
    span = f"{known[0]}…{known[-1]}" if known else "none"
    return (f"unverified release {goroot.version}: this patcher has no fingerprints for it (it knows {span}); "
            "applied because every anchor matched exactly once, the build succeeded and the self-test passed")


def verify_fingerprint(goroot: GoRoot, rel: str, data: bytes, force: bool, strict: bool = False) -> tuple[str, bool]:
    """Check a target file against the upstream hash for its release.

    Returns (the file's sha256, verified).  A file of a release we have
    fingerprints for must have the upstream hash (else refused, unless
    `force`: someone edited it).  For a release we have no record of, the
    file is verified when it equals the upstream file of another release of
    the same line (an unlisted patch release); otherwise it is unverified:
    accepted (the caller must then prove the result: anchors, build,
    self-test), or refused with `strict`.
    """
    digest = sha256_bytes(data)
    releases = fingerprints().get("releases", {})
    known = releases.get(goroot.version, {}).get(rel)
    if known is not None:
        if digest == known or force:
            return digest, digest == known
        raise Refused(f"{goroot.label(rel)}: sha256 {digest[:12]}… is not the known one for {goroot.version} ({known[:12]}…): "
                      "the file was probably edited; use --force to patch it anyway")
    if digest in {h.get(rel) for v, h in releases.items() if release_line(v) == goroot.line}:
        return digest, True
    if strict:
        raise Refused(f"{goroot.label(rel)}: {goroot.version} is a release this patcher has no fingerprints for, and --strict "
                      "refuses unverified sources; without --strict it is applied when every anchor matches exactly once, "
                      "the build succeeds and the self-test passes (or upgrade patcher: pip install -U patcher)")
    return digest, False
