"""Which patch versions to apply: --patch, else the pin file, else the defaults.

A project pins versions in patcher.lock (`patcher lock ID@VER...` writes it),
which records the content hash of each pinned patch; it is found like
go.mod: in the current directory or the nearest parent.  A pinned patch
whose content no longer has the locked hash is refused: the pin promised
those exact edits.  An explicit --patch always wins; the pin file only
checks the hashes of the patches it lists.  A Makefile pins by passing
--patch itself (see the README); patcher never reads Makefiles.
"""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from patcher.catalog.catalog import Catalog, Patch, parse_ref
from patcher.errors import Refused, UsageError
from patcher.state.atomicio import write_atomic

PINS_FILE = "patcher.lock"


@dataclass
class Pins:
    refs: list[str]
    path: Path | None  # the pin file they came from (None: none found)
    locked: dict[str, str]  # ref -> content sha256 from the pin file


def find_pins_file(directory: Path) -> Path | None:
    """patcher.lock in `directory` or its nearest parent that has one."""
    for d in [directory, *directory.parents]:
        if (d / PINS_FILE).is_file():
            return d / PINS_FILE
    return None


def shown(path: Path, cwd: Path) -> str:
    """A pin file as messages name it: relative to the current directory when it is at or above it."""
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if rel.startswith("..") else f".{os.sep}{rel}"


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


def load_pins(directory: Path, pins_file: Path | None = None) -> Pins:
    """The pins of `pins_file`, or of the patcher.lock found from `directory`."""
    if pins_file and not pins_file.is_file():
        raise UsageError(f"{pins_file}: --lock-file does not exist")
    path = pins_file or find_pins_file(directory)
    locked = read_lock(path) if path else {}
    return Pins(sorted(locked), path, locked)


def select(catalog: Catalog, kind: str, explicit: list[str], directory: Path,
           pins_file: Path | None = None) -> tuple[list[Patch], str]:
    """The patches for one target kind, and where the choice came from
    (`--patch`, `./patcher.lock`, `defaults`) for the `pins:` line."""
    pins = load_pins(directory, pins_file)
    where = shown(pins.path, directory) if pins.path else None
    if explicit:
        refs, source = explicit, "--patch"
    elif pins.refs:
        refs, source = pins.refs, where
    else:
        return catalog.defaults(kind), "defaults"
    seen_ids = set()
    chosen = []
    for ref in refs:
        patch = catalog.get(ref)
        if patch.manifest.id in seen_ids:
            raise UsageError(f"{ref}: two versions of {patch.manifest.id} selected")
        seen_ids.add(patch.manifest.id)
        if patch.manifest.target != kind:
            continue  # (its pin is checked when its own kind of target is applied)
        want = pins.locked.get(ref)
        if want is not None and want != patch.content_sha256:
            raise Refused(f"{pins.path}: {ref} is pinned at sha256 {want[:12]}… but its content is now "
                          f"{patch.content_sha256[:12]}…; a pinned patch version must not change (bump its version, or `patcher lock` to accept)")
        chosen.append(patch)
    for patch in chosen:
        if patch.withdrawn:
            raise Refused(f"{patch.ref} is withdrawn: {patch.withdrawn}" + (f" (pinned in {where})" if source == where else ""))
    if not chosen:
        if explicit:
            raise UsageError(f"no {kind} patch among --patch {' '.join(refs)} (see `patcher list`)")
        # Pins for other targets only: this target gets its defaults.
        return catalog.defaults(kind), f"defaults ({where} pins no {kind} patch)"
    return chosen, source


def write_lock(path: Path, catalog: Catalog, refs: list[str]) -> str:
    lines = ["# Written by `patcher lock`: the content sha256 of each pinned patch.",
             "# patcher refuses a pinned patch whose content no longer has this hash.", "", "[patches]"]
    for ref in sorted(refs):
        lines.append(f'"{ref}" = "sha256:{catalog.get(ref).content_sha256}"')
    write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return str(path)
