"""A rename that fails the way Windows refuses to replace a running go.exe.

busyrename.c is an LD_PRELOAD shim: rename()/renameat()/renameat2() onto
a path listed in PATCHER_TEST_BUSY fails with EACCES while that path
exists; renaming it away, or onto it once it is gone, works.  That is what
Windows does with an executable some program is running.  Built with gcc
at test time (cached in .cache/).
"""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "busyrename.c"
CACHE = HERE.parent / ".cache" / "busyrename"


def available() -> str | None:
    """Why the shim cannot be used here, or None."""
    if os.name == "nt" or not shutil.which("gcc"):
        return "needs gcc and a system with LD_PRELOAD"
    return None


def library() -> Path:
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:12]
    lib = CACHE / f"busyrename-{digest}.so"
    if not lib.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = lib.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(tmp), str(SOURCE), "-ldl"], check=True)
        tmp.replace(lib)
    return lib


def env(*busy: str | Path) -> dict[str, str]:
    """Environment variables that make renames onto `busy` fail as on Windows.
    An absolute path names one file; a relative one ("bin/go") every path
    ending with it."""
    preload = " ".join(filter(None, [str(library()), os.environ.get("LD_PRELOAD", "")]))
    return {"LD_PRELOAD": preload, "PATCHER_TEST_BUSY": ":".join(str(p) for p in busy)}
