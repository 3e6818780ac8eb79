"""Which patch versions to apply: command line, lock file, Makefile, defaults.

Users pin versions in their Makefile (`PATCHES := go/test-output-utf8@1 ...`)
and keep a lock file, patcher.lock, recording the content hash of each
pinned patch (`patcher lock` writes it).  A pinned patch whose content no
longer has the locked hash is refused: the pin promised those exact edits.
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from patcher.atomicio import write_atomic
from patcher.catalog import Catalog, Patch, parse_ref
from patcher.errors import Refused, UsageError

LOCK_NAME = "patcher.lock"
_ASSIGN = re.compile(r"^\s*PATCHES\s*(?::=|\?=|=)\s*(.*)$")


@dataclass
class Pins:
    refs: list[str]
    source: str  # where the pins came from, for messages
    locked: dict[str, str]  # ref -> content sha256 from the lock file


def read_lock(path: Path) -> dict[str, str]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise Refused(f"{path}: not a valid lock file ({exc})") from None
    table = raw.get("patches", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise Refused(f"{path}: [patches] must map \"id@version\" to \"sha256:<hex>\"")
    out = {}
    for ref, value in table.items():
        parse_ref(ref)
        out[ref] = value.removeprefix("sha256:")
    return out


def read_makefile_pins(path: Path) -> list[str] | None:
    """The refs of a `PATCHES := ...` assignment (with \\ continuations), if any."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    for i, line in enumerate(lines):
        m = _ASSIGN.match(line)
        if not m:
            continue
        value = m.group(1)
        while value.endswith("\\") and i + 1 < len(lines):
            i += 1
            value = value[:-1] + " " + lines[i]
        return value.split("#", 1)[0].split()
    return None


def resolve_pins(directory: Path, lock_path: Path | None = None) -> Pins | None:
    """Pins from the lock file, else from the Makefile, in `directory`."""
    lock_path = lock_path or directory / LOCK_NAME
    locked = read_lock(lock_path)
    if locked:
        return Pins(sorted(locked), str(lock_path), locked)
    refs = read_makefile_pins(directory / "Makefile")
    if refs:
        return Pins(refs, str(directory / "Makefile"), {})
    return None


def select(catalog: Catalog, kind: str, explicit: list[str], directory: Path, lock_path: Path | None = None) -> tuple[list[Patch], str]:
    """The patches for one target kind, and a phrase saying where they came from."""
    locked = read_lock(lock_path or directory / LOCK_NAME)
    if explicit:
        refs, source = explicit, "--patch"
    else:
        pins = resolve_pins(directory, lock_path)
        if pins is None:
            return catalog.defaults(kind), "defaults"
        refs, source = pins.refs, pins.source
    seen_ids = set()
    chosen = []
    kinds_named = set()
    for ref in refs:
        patch = catalog.get(ref)
        if patch.manifest.id in seen_ids:
            raise UsageError(f"{ref}: two versions of {patch.manifest.id} selected")
        seen_ids.add(patch.manifest.id)
        want = locked.get(ref)
        if want is not None and want != patch.content_sha256:
            raise Refused(f"{lock_path or directory / LOCK_NAME}: {ref} is pinned at sha256 {want[:12]}… but its content is now "
                          f"{patch.content_sha256[:12]}…; a pinned patch version must not change (bump its version, or `patcher lock` to accept)")
        kinds_named.add(patch.manifest.target)
        if patch.manifest.target == kind:
            chosen.append(patch)
    if not chosen:
        if explicit:
            raise UsageError(f"no {kind} patch among --patch {' '.join(refs)} (see `patcher list`)")
        # Pins for other targets only: this target gets its defaults.
        return catalog.defaults(kind), f"defaults ({source} pins no {kind} patch)"
    return chosen, source


def write_lock(path: Path, catalog: Catalog, refs: list[str]) -> str:
    lines = ["# Written by `patcher lock`: the content sha256 of each pinned patch.",
             "# patcher refuses a pinned patch whose content no longer has this hash.", "", "[patches]"]
    for ref in sorted(refs):
        lines.append(f'"{ref}" = "sha256:{catalog.get(ref).content_sha256}"')
    write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return str(path)
