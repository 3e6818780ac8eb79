"""Go toolchains in the module cache: what `GOTOOLCHAIN=auto` runs.

When a go.mod asks for a newer Go, the go command looks for a `goX.Y.Z`
command on PATH, else runs `<GOMODCACHE>/golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH/bin/go`,
downloading it first if it is not there.  Each such folder is a whole GOROOT,
so it is patched as one (`--go-toolchains`: every one of them).  Facts the
go command's own behaviour gives (measured, see README):
- it re-checks only the saved `.ziphash` of a cached module, never the
  unpacked files, so a rebuilt bin/go of the same release runs as before;
- a switched-to go must print exactly the version asked for, which a patched
  go does (the self-test checks it prints what the installed one printed);
- the unpacked tree is read-only (folders 0555, files 0444): bin/ is made
  writable only while bin/go is replaced (JournalData.locked_dirs);
- a toolchain that was never run has no executable tools yet (the go command
  sets the bits on first use): it cannot be built with, and is refused until
  it has run once;
- a `.partial` file beside the download means it is being unpacked (or was
  cut short): not a toolchain to touch.
"""

import os
import re
import shutil
from pathlib import Path

from patcher.targets.go.goenv import GoQueryFailed, ask_go, version_key

MODULE_DIR = "golang.org"
_NAME = re.compile(r"^toolchain@v0\.0\.1-(go\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)\.([a-z0-9]+)-([a-z0-9]+)$")


def module_cache(env: dict | None = None) -> Path:
    """`go env GOMODCACHE` of the go on PATH, asked so that it never switches
    or downloads (GOTOOLCHAIN=local), honouring `go env -w`; without a go,
    the go command's own default ($GOMODCACHE, else the first GOPATH entry's
    pkg/mod, else ~/go/pkg/mod)."""
    env = dict(os.environ if env is None else env)
    go = shutil.which("go", path=env.get("PATH"))
    if go:
        try:
            asked = ask_go(go, env, Path.cwd()).settings.get("GOMODCACHE")
        except GoQueryFailed:
            asked = None
        if asked:
            return Path(asked)
    if env.get("GOMODCACHE"):
        return Path(env["GOMODCACHE"])
    gopath = (env.get("GOPATH") or "").split(os.pathsep)[0]
    return (Path(gopath) if gopath else Path.home() / "go") / "pkg" / "mod"


def folder_name(version: str, goos: str, goarch: str) -> str:
    """The folder of toolchain goX.Y.Z for GOOS/GOARCH in the module cache's golang.org/."""
    return f"toolchain@v0.0.1-{version}.{goos}-{goarch}"


def release_of(goroot: Path) -> tuple[str, str, str] | None:
    """(goX.Y.Z, GOOS, GOARCH) of a toolchain folder of the module cache, by its name; None for any other folder."""
    m = _NAME.match(goroot.name)
    return (m.group(1), m.group(2), m.group(3)) if m and goroot.parent.name == MODULE_DIR else None


def cache_of(goroot: Path) -> Path:
    """The module cache a toolchain folder is in."""
    return goroot.parent.parent


def _partial(goroot: Path) -> bool:
    download = cache_of(goroot) / "cache" / "download" / MODULE_DIR / "toolchain" / "@v"
    return (download / (goroot.name.split("@", 1)[1] + ".partial")).exists()


def find(cache: Path) -> list[Path]:
    """Every toolchain folder the go command can run from this module cache, oldest release first."""
    folder = cache / MODULE_DIR
    if not folder.is_dir():
        return []
    found = [d for d in folder.iterdir() if release_of(d) and d.is_dir() and not _partial(d)
             and any((d / "bin" / exe).is_file() for exe in ("go", "go.exe"))]
    return sorted(found, key=lambda d: version_key(release_of(d)[0]))


def never_run(goroot: Path) -> str | None:
    """Why a toolchain of the module cache cannot be patched yet, if it cannot."""
    go = goroot / "bin" / "go"
    if os.name != "nt" and go.is_file() and not os.access(go, os.X_OK):
        return (f"{goroot}: the go command has not run this toolchain yet (its tools are not executable until "
                "it does): run go once where it switches to it, then apply (`patcher apply --kept` does it then)")
    return None


def expand(arg: str, say) -> list[str]:
    """`--go-toolchains` (targets.GROUPS): the toolchain folders of the module cache `arg`."""
    cache = Path(arg)
    found = find(cache)
    if not found:
        say(f"note: --go-toolchains: no toolchain in {cache / MODULE_DIR}")
    for d in found:
        say(f"note: --go-toolchains: {release_of(d)[0]} in {d}")
    return [str(d) for d in found]

