"""Target paths that stay inside the tree being patched.

A target file reached through a symbolic link is followed when the link
points inside the same tree (the real file is patched, the link stays a
link) and refused when it points outside: patcher changes only the tree it
was given, and a revert must put back exactly what apply changed.
"""

import os
from pathlib import Path

from patcher.errors import Refused


def inside(root: Path, rel: str) -> str:
    """The '/'-separated path, relative to root, of the real file `rel` names."""
    path = Path(root, *rel.split("/"))
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if real == path.absolute() or real == Path(real_root, *rel.split("/")):
        return rel
    if not real.is_relative_to(real_root):
        raise Refused(f"{path}: is a symbolic link to {real}, outside {root}; patcher does not write outside the tree it patches")
    return real.relative_to(real_root).as_posix()
