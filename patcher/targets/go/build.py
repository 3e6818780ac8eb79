"""Rebuild cmd/go from an overlay the way the original go binary was built.

`go version -m bin/go` lists the build settings of the installed binary
(-trimpath, -gcflags, CGO_ENABLED, GOOS/GOARCH, GOAMD64, GOFIPS140...); the
rebuild replays them so the patched go differs from the original only by the
patch.

The build environment is made from an allow-list, not from the user's
environment minus a deny-list: what the OS and the go command need to run
(PATH, home and temp directories, where the build cache is), then the
settings recorded in the original binary, then the switches that keep the
build offline and local (GOTOOLCHAIN=local, GOENV=off, GOFLAGS empty...).
New Go releases add new variables (GOFIPS140 in go1.24 changed what a build
produces); none of them reaches the build unless the original binary
recorded it.

A GOROOT for another OS or architecture (a Windows GOROOT patched from
WSL or Linux, a toolchain prepared for a team) has a go binary that cannot
run here.  It is built with a *host* Go of the same release
($PATCHER_HOST_GOROOT, else the `go` first on PATH), cross-compiling for the
GOOS/GOARCH recorded in the target binary, from an overlay re-rendered for
the host GOROOT, after checking that every source file the overlay replaces
is byte-identical in both trees.
"""

import json
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from patcher.errors import BuildFailed, Refused
from patcher.state.hashing import sha256_file_or_none
from patcher.targets.go.goroot import go_binary_of

HOST_GOROOT_VAR = "PATCHER_HOST_GOROOT"
# The overlay re-rendered for a host GOROOT, written beside the built binary.
HOST_OVERLAY_NAME = "host-overlay.json"

# Build settings that are flags of `go build` (the rest of `build KEY=VALUE`
# lines whose key looks like an environment variable are replayed as such).
_FLAG_SETTINGS = ("-trimpath", "-gcflags", "-ldflags", "-asmflags", "-tags", "-buildmode")
# An environment-variable build setting: GOOS, GOAMD64, CGO_ENABLED, GOFIPS140, ...
# (DefaultGODEBUG and vcs.* are results of the build, not inputs).
_ENV_SETTING = re.compile(r"^(GO|CGO_)[A-Z0-9_]+$")
# What the OS and the go command need to run at all, and where its caches
# are.  Names only: none of these changes what is built.
_PASS_THROUGH = frozenset((
    "PATH", "HOME", "TMPDIR", "TEMP", "TMP", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
    "USERPROFILE", "LOCALAPPDATA", "APPDATA", "SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "SYSTEMDRIVE",
    "GOCACHE", "GOTMPDIR", "GOPATH", "GOMODCACHE",
))
# Only a cgo build (CGO_ENABLED=1 recorded) needs the C compiler the user configured.
_CGO_PASS_THROUGH = frozenset(("CC", "CXX", "PKG_CONFIG"))


@dataclass
class BuildSettings:
    flags: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


def build_env(goroot: Path, settings: BuildSettings, scratch: Path | None = None) -> dict[str, str]:
    cgo = settings.env.get("CGO_ENABLED") == "1"
    # Windows environment names are case-blind; compare them upper-cased.
    env = {k: v for k, v in os.environ.items()
           if k.upper() in _PASS_THROUGH or (cgo and k.upper() in _CGO_PASS_THROUGH)}
    env.update(settings.env)
    env.update(GOROOT=str(goroot), GOTOOLCHAIN="local", GOENV="off", GOPROXY="off", GOWORK="off", GOFLAGS="")
    # Go derives GOPATH (and so GOMODCACHE) and GOCACHE from the home
    # directory; without one (a service account, a stripped environment) the
    # build fails, so give it private ones in the scratch directory.
    home_known = any(env.get(k) for k in (("USERPROFILE", "LOCALAPPDATA") if os.name == "nt" else ("HOME",)))
    if scratch is not None and not home_known:
        if not env.get("GOPATH"):
            env["GOPATH"] = str(scratch / "gopath")
        if not env.get("GOCACHE"):
            env["GOCACHE"] = str(scratch / "gocache")
    if scratch is not None:
        # The build and the self-test need no module (std and cmd vendor theirs, the probe
        # has none), and `go build -overlay` may not replace files beneath GOMODCACHE, which
        # is where a toolchain that GOTOOLCHAIN=auto downloaded is: an empty one of our own.
        env["GOMODCACHE"] = str(scratch / "gomodcache")
    return env


# -- which OS/architecture a binary is for ---------------------------------
_ELF_MACHINES = {0x3E: "amd64", 0xB7: "arm64", 0x03: "386", 0x28: "arm", 0xF3: "riscv64", 0x15: "ppc64",
                 0x16: "s390x", 0x08: "mips", 0x102: "loong64"}
_PE_MACHINES = {0x8664: "amd64", 0xAA64: "arm64", 0x14C: "386", 0x1C4: "arm"}
_MACHO_CPUS = {0x01000007: "amd64", 0x0100000C: "arm64"}


def binary_platform(path: Path) -> tuple[str, str] | None:
    """(GOOS, GOARCH) of an executable from its header (ELF, PE, Mach-O), or
    None when it is none of these.  ELF says "linux" (the only ELF Go we know)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if head[:4] == b"\x7fELF" and len(head) >= 20:
        order = "<" if head[5] == 1 else ">"
        arch = _ELF_MACHINES.get(struct.unpack_from(order + "H", head, 18)[0])
        return ("linux", arch) if arch else None
    if head[:2] == b"MZ" and len(head) >= 0x40:
        pe = struct.unpack_from("<I", head, 0x3C)[0]
        if pe + 6 <= len(head) and head[pe:pe + 4] == b"PE\0\0":
            arch = _PE_MACHINES.get(struct.unpack_from("<H", head, pe + 4)[0])
            return ("windows", arch) if arch else None
        return None
    if head[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe") and len(head) >= 8:
        arch = _MACHO_CPUS.get(struct.unpack_from("<I", head, 4)[0])
        return ("darwin", arch) if arch else None
    return None


def host_platform() -> tuple[str, str]:
    goos = {"win32": "windows", "darwin": "darwin"}.get(sys.platform, "linux" if sys.platform.startswith("linux") else sys.platform)
    machine = platform.machine().lower()
    goarch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
              "i386": "386", "i686": "386", "x86": "386"}.get(machine, machine)
    return goos, goarch


def _can_run(binary: tuple[str, str] | None, host: tuple[str, str]) -> bool:
    if binary is None:
        return False
    if binary == host:
        return True
    # 32-bit x86 runs on x86-64 Linux and Windows; Rosetta runs amd64 on Apple silicon.
    return (binary[0] == host[0] and
            ((binary[1] == "386" and host[1] == "amd64" and host[0] in ("linux", "windows")) or
             (binary[1] == "amd64" and host[1] == "arm64" and host[0] == "darwin")))


def runs_here(goroot: Path) -> bool:
    """Can this machine run the GOROOT's go binary?  Decided from the
    executable's header, not by trying it: a Windows go.exe may well "run" on
    Linux through Wine's binfmt handler, slowly and with another file system
    view, which is not a toolchain to build with."""
    return _can_run(binary_platform(go_binary_of(goroot)), host_platform())


# -- the build settings of the installed binary ------------------------------
def read_settings(go: Path, goroot: Path, reader: Path | None = None) -> BuildSettings:
    """The build settings recorded in a go binary (`go version -m`).

    `reader` is the go command that reads them (default: `go` itself); a host
    go reads the settings of a binary built for another platform."""
    reader = reader or go
    try:
        # (UTF-8, as go writes on every system: text=True alone reads the ANSI code page on Windows)
        out = subprocess.run([str(reader), "version", "-m", str(go)], capture_output=True, encoding="utf-8",
                             errors="replace", env=build_env(goroot, BuildSettings()), timeout=120)
    except OSError as exc:
        raise BuildFailed(f"{reader}: cannot run it ({exc.strerror})") from None
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"{reader}: `go version -m {go}` did not answer within 120 s") from None
    if out.returncode != 0:
        raise BuildFailed(f"{go}: `go version -m` failed: {(out.stderr or out.stdout).strip().splitlines()[-1:]}")
    settings = BuildSettings()
    for line in out.stdout.splitlines():
        parts = line.strip().split("\t")
        if len(parts) != 2 or parts[0] != "build" or "=" not in parts[1]:
            continue
        key, value = parts[1].split("=", 1)
        if _ENV_SETTING.match(key):
            settings.env[key] = value
        elif key in _FLAG_SETTINGS:
            if key == "-trimpath":
                if value == "true":
                    settings.flags.append("-trimpath")
            elif key == "-buildmode" and value == "exe":
                continue  # the default
            else:
                settings.flags.append(f"{key}={value}")
    return settings


# -- a host Go for a GOROOT of another platform -------------------------------
def _release(goroot: Path) -> str | None:
    try:
        return (goroot / "VERSION").read_text(encoding="utf-8", errors="replace").splitlines()[0].strip()
    except (OSError, IndexError):
        return None


def _path_goroot() -> Path | None:
    """GOROOT of the `go` first on PATH (asked with GOTOOLCHAIN=local: the
    question must not download a toolchain)."""
    found = shutil.which("go")
    if not found:
        return None
    env = {k: v for k, v in os.environ.items() if k.upper() not in ("GOROOT", "GOFLAGS", "GOTOOLCHAIN")}
    env["GOTOOLCHAIN"] = "local"
    try:
        out = subprocess.run([found, "env", "GOROOT"], capture_output=True, encoding="utf-8", errors="replace",
                             timeout=60, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    root = out.stdout.strip()
    return Path(root) if out.returncode == 0 and root else None


def find_host_goroot(goroot: Path) -> Path:
    """A GOROOT of the same release as `goroot` whose go runs here."""
    release = _release(goroot)
    target_go = go_binary_of(goroot)
    plat = binary_platform(target_go)
    what = f"{target_go}: is a {'/'.join(plat) if plat else 'foreign'} binary that cannot run on this {'/'.join(host_platform())} machine"
    explicit = os.environ.get(HOST_GOROOT_VAR)
    if explicit:
        host = Path(explicit).expanduser().absolute()
        if not runs_here(host):
            raise Refused(f"{what}; {HOST_GOROOT_VAR}={host} has no go binary that runs here either")
        if _release(host) != release:
            raise Refused(f"{what}; {HOST_GOROOT_VAR}={host} is {_release(host) or 'not a GOROOT'}, "
                          f"not {release}: the build needs a host Go of the same release")
        return host
    host = _path_goroot()
    if host is not None and runs_here(host) and _release(host) == release:
        return host
    seen = f" (the go on PATH is {_release(host) or 'unknown'} in {host})" if host else " (no go on PATH)"
    raise Refused(f"{what}; building it needs a host Go of the same release ({release}){seen}: "
                  f"set {HOST_GOROOT_VAR} to one")


def overlay_for_host(goroot: Path, host: Path, overlay_json: Path, dest: Path) -> Path:
    """Re-render `overlay_json` (paths inside `goroot`) for the host GOROOT.

    Refused, naming the file, when a replaced source differs between the two
    trees or a file the overlay adds already exists in the host tree: the
    patched go would then not be the target's go plus the patch."""
    try:
        replace = json.loads(overlay_json.read_text(encoding="utf-8"))["Replace"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise Refused(f"{overlay_json}: not an overlay file ({exc})") from None
    out = {}
    for original, copy in replace.items():
        try:
            rel = Path(original).relative_to(goroot)
        except ValueError:
            raise Refused(f"{overlay_json}: {original} is outside {goroot}") from None
        host_file = host / rel
        target_sha = sha256_file_or_none(goroot / rel)
        host_sha = sha256_file_or_none(host_file)
        if target_sha != host_sha:
            if target_sha is None:
                raise Refused(f"{host_file}: exists in the host GOROOT but not in {goroot}; cannot build {goroot}'s go with it")
            raise Refused(f"{host_file}: differs from {goroot / rel} (sha256 {str(host_sha)[:12]} vs {target_sha[:12]}); "
                          "the host GOROOT must have the same sources")
        out[str(host_file)] = copy
    dest.write_text(json.dumps({"Replace": out}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return dest


# -- the build -----------------------------------------------------------------
def build_go(goroot: Path, overlay_json: Path, output: Path, progress=None) -> float:
    """Run `go build -overlay` for cmd/go into `output`; returns seconds taken."""
    goroot = Path(goroot)
    go = go_binary_of(goroot)
    if runs_here(goroot):
        builder = goroot
        settings = read_settings(go, goroot)
    else:
        builder = find_host_goroot(goroot)
        settings = read_settings(go, builder, reader=go_binary_of(builder))
        if "GOOS" not in settings.env or "GOARCH" not in settings.env:
            raise Refused(f"{go}: records no GOOS/GOARCH build setting; cannot tell what to cross-build for")
        # A fixed name beside the output: the overlay file's path is part of
        # the build's action IDs, so a random one would make rebuilds differ.
        overlay_json = overlay_for_host(goroot, builder, overlay_json, output.parent / HOST_OVERLAY_NAME)
    cmd = [str(go_binary_of(builder)), "build", "-overlay", str(overlay_json), *settings.flags, "-o", str(output), "cmd/go"]
    started = time.monotonic()
    # The log goes to a file, not a pipe nobody reads while we wait.
    with tempfile.TemporaryFile() as log_file:
        proc = subprocess.Popen(cmd, cwd=builder / "src", env=build_env(builder, settings, output.parent),
                                stdout=log_file, stderr=subprocess.STDOUT)
        try:
            while True:
                try:
                    proc.wait(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    if progress:
                        progress(time.monotonic() - started)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        log_file.seek(0)
        log = log_file.read().decode("utf-8", "replace")
    if proc.returncode != 0 or not output.exists():
        first = next((ln for ln in log.splitlines() if ln.strip() and not ln.startswith("#")), log.strip())
        raise BuildFailed(f"{goroot}: go build -overlay failed: {first.strip()}")
    return time.monotonic() - started
