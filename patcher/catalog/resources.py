"""Where the patch catalog and the vendored facts live.

In a checkout (or an editable install) they are the repository's patches/
and vendor/ directories; in an installed wheel they ship as package data.
$PATCHER_PATCHES_DIR points at another catalog (for patch authors).
"""

import os
from pathlib import Path

ENV_PATCHES_DIR = "PATCHER_PATCHES_DIR"
_REPO = Path(__file__).resolve().parents[2]


def _data_dir(name: str) -> Path:
    in_repo = _REPO / name
    if (in_repo / ".patcher-data").exists():
        return in_repo
    # Installed from a wheel: the data sits beside the package's modules.
    return Path(__file__).resolve().parents[1] / "_data" / name


def patches_dir() -> Path:
    env = os.environ.get(ENV_PATCHES_DIR)
    return Path(env) if env else _data_dir("patches")


def vendor_dir() -> Path:
    return _data_dir("vendor")
