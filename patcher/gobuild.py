"""Rebuild cmd/go from an overlay the way the original go binary was built.

`go version -m bin/go` lists the build settings of the installed binary
(-trimpath, -gcflags, CGO_ENABLED, GOOS/GOARCH, GOAMD64...); the rebuild
replays them so the patched go differs from the original only by the patch.
The build runs offline and with the user's Go configuration switched off
(GOENV=off, GOFLAGS unset, GOTOOLCHAIN=local): a go.env or GOFLAGS meant for
their projects must not change how the toolchain itself is built.
"""

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from patcher.errors import BuildFailed

# Build settings that are environment variables rather than flags.
_ENV_SETTINGS = ("CGO_ENABLED", "GOOS", "GOARCH", "GOAMD64", "GOARM", "GOARM64", "GO386", "GOMIPS",
                 "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM", "GOEXPERIMENT")
_FLAG_SETTINGS = ("-trimpath", "-gcflags", "-ldflags", "-asmflags", "-tags", "-buildmode")
# The user's Go environment that could leak into the toolchain build.
_SCRUB = ("GOFLAGS", "GOWORK", "GO111MODULE", "GOROOT", "GOPATH", "GOBIN", "GOTOOLCHAIN", "GOENV",
          "GOPROXY", "GOEXE", "CC", "CGO_CFLAGS", "CGO_LDFLAGS") + _ENV_SETTINGS


@dataclass
class BuildSettings:
    flags: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


def build_env(goroot: Path, settings: BuildSettings, scratch: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(GOROOT=str(goroot), GOTOOLCHAIN="local", GOENV="off", GOPROXY="off", GOWORK="off", GOFLAGS="")
    env.update(settings.env)
    # Go derives GOPATH (and so GOMODCACHE) and GOCACHE from the home
    # directory; without one (a service account, a stripped environment) the
    # build fails, so give it private ones in the scratch directory.
    home_known = any(env.get(k) for k in (("USERPROFILE", "LOCALAPPDATA") if os.name == "nt" else ("HOME",)))
    if scratch is not None and not home_known:
        if not env.get("GOPATH"):
            env["GOPATH"] = str(scratch / "gopath")
        if not env.get("GOCACHE"):
            env["GOCACHE"] = str(scratch / "gocache")
    return env


def read_settings(go: Path, goroot: Path) -> BuildSettings:
    """The build settings recorded in a go binary (`go version -m`)."""
    try:
        out = subprocess.run([str(go), "version", "-m", str(go)], capture_output=True, text=True,
                             env=build_env(goroot, BuildSettings()), timeout=120)
    except OSError as exc:
        raise BuildFailed(f"{go}: cannot run it ({exc.strerror})") from None
    if out.returncode != 0:
        raise BuildFailed(f"{go}: `go version -m` failed: {(out.stderr or out.stdout).strip().splitlines()[-1:]}")
    settings = BuildSettings()
    for line in out.stdout.splitlines():
        parts = line.strip().split("\t")
        if len(parts) != 2 or parts[0] != "build" or "=" not in parts[1]:
            continue
        key, value = parts[1].split("=", 1)
        if key in _ENV_SETTINGS:
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


def build_go(goroot: Path, overlay_json: Path, output: Path, progress=None) -> float:
    """Run `go build -overlay` for cmd/go into `output`; returns seconds taken."""
    go = goroot / "bin" / ("go.exe" if (goroot / "bin" / "go.exe").exists() else "go")
    settings = read_settings(go, goroot)
    cmd = [str(go), "build", "-overlay", str(overlay_json), *settings.flags, "-o", str(output), "cmd/go"]
    started = time.monotonic()
    # The log goes to a file, not a pipe nobody reads while we wait.
    with tempfile.TemporaryFile() as log_file:
        proc = subprocess.Popen(cmd, cwd=goroot / "src", env=build_env(goroot, settings, output.parent),
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

