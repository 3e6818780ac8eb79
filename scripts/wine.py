#!/usr/bin/env python3
"""Run a real Windows go.exe here, under Wine.

    python scripts/wine.py check                 # can Wine run go.exe here? (prints why not)
    python scripts/wine.py run GO.EXE ARG...      # go.exe ARG... under Wine, in this directory

Needs Debian's wine64 (Wine 8; its wineserver comes with libwine) and
gcc-mingw-w64-x86-64, not the `wine` wrapper package.  Wine 8 has no
bcryptprimitives.dll, where Go (>= 1.21) gets its random bytes (ProcessPrng);
scripts/wine/bcryptprimitives.c is a stub forwarding to advapi32's
RtlGenRandom, built here with mingw and put into the prefix's system32 (Go
loads it from there only).  The prefix is private (.cache/wine/prefix, or
$PATCHER_WINE_PREFIX) and persists, and so does the Wine user's Go build
cache inside it, so only the first run is slow (~60 s for a first go test).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STUB_SOURCE = Path(__file__).resolve().parent / "wine" / "bcryptprimitives.c"
MINGW_GCC = "x86_64-w64-mingw32-gcc"
# Wine's go.exe says this at exit when it removes its temp importcfg: harmless.
NOISE = b"Invalid function."


def prefix_dir() -> Path:
    return Path(os.environ.get("PATCHER_WINE_PREFIX") or REPO / ".cache" / "wine" / "prefix")


# Debian's wine64 (and libwine, which it depends on) install into /usr/lib/wine; only the
# `wine` package, a Recommends that `--no-install-recommends` leaves out, adds wine and
# wineserver to /usr/bin.
WINE_DIR = Path("/usr/lib/wine")


def _first_executable(*candidates) -> str | None:
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def wine_binary() -> str | None:
    return _first_executable(WINE_DIR / "wine64", shutil.which("wine64"), shutil.which("wine"))


def _wine_dirs(wine: str) -> list[Path]:
    """Where the wineserver of `wine` is: its folder, and the real one when it is a link (/usr/bin/wine64)."""
    return list(dict.fromkeys([Path(wine).parent, Path(os.path.realpath(wine)).parent]))


def wineserver_binary() -> str | None:
    """The wineserver of the Wine that wine_binary() is: beside it, else on PATH."""
    wine = wine_binary()
    beside = [d / "wineserver" for d in _wine_dirs(wine)] if wine else []
    return _first_executable(*beside, shutil.which("wineserver"))


def missing() -> str | None:
    """Why Wine cannot run go.exe here, or None."""
    wine = wine_binary()
    if not wine:
        return (f"wine64 is not installed: not at {WINE_DIR / 'wine64'}, and neither wine64 nor wine is on PATH "
                "(Debian package wine64)")
    if not wineserver_binary():
        where = " nor ".join(str(d) for d in _wine_dirs(wine))
        return (f"wineserver is not installed: not in {where} (beside {wine}) and not on PATH "
                "(Debian package libwine, which wine64 depends on)")
    if not shutil.which(MINGW_GCC):
        return f"{MINGW_GCC} is not installed: not on PATH (Debian package gcc-mingw-w64-x86-64)"
    return None


def base_env(extra: dict | None = None) -> dict:
    """The environment of a Wine process: a private prefix, no Wine debug
    chatter, and a Go that stays offline and local."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO") and k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(WINEPREFIX=str(prefix_dir()), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=",
               GOTOOLCHAIN="local", GOFLAGS="", GOPROXY="off", GOENV="off", GONOSUMDB="*", GOSUMDB="off")
    env.update(extra or {})
    return env


def ensure_prefix() -> Path:
    """Create the prefix once and put the ProcessPrng stub into its system32."""
    reason = missing()
    if reason:
        raise SystemExit(f"wine.py: {reason}")
    prefix = prefix_dir()
    system32 = prefix / "drive_c" / "windows" / "system32"
    if not (system32 / "kernel32.dll").exists():
        prefix.mkdir(parents=True, exist_ok=True)
        # wineboot creates the prefix (registry, system32) and waits for it.
        subprocess.run([wine_binary(), "wineboot", "--init"], env=base_env(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        subprocess.run([wineserver_binary(), "--wait"], env=base_env(), check=False, timeout=600)
    dll = system32 / "bcryptprimitives.dll"
    stamp = prefix / "bcryptprimitives.source"
    source = STUB_SOURCE.read_bytes()
    if not dll.exists() or not stamp.exists() or stamp.read_bytes() != source:
        tmp = dll.with_name("bcryptprimitives.tmp.dll")
        subprocess.run([MINGW_GCC, "-shared", "-O2", "-o", str(tmp), str(STUB_SOURCE), "-ladvapi32"], check=True)
        tmp.replace(dll)
        stamp.write_bytes(source)
    return prefix


def command(go_exe: Path, *args: str) -> list[str]:
    return [wine_binary(), str(go_exe), *map(str, args)]


def strip_noise(stderr: bytes) -> bytes:
    """stderr without Wine's `go: unlinkat ...: Invalid function.` lines."""
    return b"".join(ln for ln in stderr.splitlines(keepends=True) if not (ln.startswith(b"go: unlinkat ") and NOISE in ln))


def run(go_exe: Path, *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """go.exe ARGS under Wine; stdout as bytes, stderr without Wine's noise."""
    ensure_prefix()
    proc = subprocess.run(command(go_exe, *args), cwd=cwd, env=base_env(env), capture_output=True, timeout=timeout)
    proc.stderr = strip_noise(proc.stderr)
    return proc


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        reason = missing()
        print(reason or f"ok: {wine_binary()} (wineserver {wineserver_binary()}), prefix {prefix_dir()}")
        return 1 if reason else 0
    if argv[:1] == ["run"] and len(argv) >= 2:
        proc = run(Path(argv[1]), *argv[2:])
        sys.stdout.buffer.write(proc.stdout)
        sys.stderr.buffer.write(proc.stderr)
        return proc.returncode
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
