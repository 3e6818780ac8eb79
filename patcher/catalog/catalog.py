"""The known patches: every patches/<ns>/<name>/<version>/manifest.toml.

Loading validates each manifest (see manifest.py) and, unless the command
only reads names and metadata, compiles its anchor queries, so a broken
catalog is refused up front.  A patch is named ID@VER;
its content hash covers the manifest and payloads (not its test cases) and
is what lock files pin.
"""

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from patcher.catalog.manifest import Manifest
from patcher.catalog.resources import patches_dir
from patcher.catalog.sections import load_manifest
from patcher.errors import CatalogError, UsageError

REF_RE = re.compile(r"^([a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*)@(\d+)$")


WITHDRAWN = "withdrawn.toml"


@dataclass(frozen=True)
class Patch:
    manifest: Manifest
    directory: Path
    # Why this version must no longer be applied ("" if it may): see read_withdrawn.
    withdrawn: str = ""

    @property
    def ref(self) -> str:
        return self.manifest.ref

    @cached_property
    def content_sha256(self) -> str:
        """See content_hash; computed when first asked (`status` never asks)."""
        return content_hash(self.directory)


def parse_ref(ref: str) -> tuple[str, int]:
    m = REF_RE.match(ref)
    if not m:
        raise UsageError(f"{ref!r} is not a patch reference of the form namespace/name@VERSION (see `patcher list`)")
    return m.group(1), int(m.group(2))


def content_hash(directory: Path) -> str:
    """sha256 over the patch's files except its tests, in a stable order."""
    h = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory).as_posix()
        if rel.startswith("tests/") or "__pycache__" in rel:
            continue
        h.update(rel.encode("utf-8") + b"\0")
        data = path.read_bytes()
        h.update(str(len(data)).encode("ascii") + b"\0" + data)
    return h.hexdigest()


def check_queries(manifest: Manifest, directory: Path) -> None:
    from patcher.engine import predicates, syntax  # tree-sitter, only once there are queries to compile

    anchored = [(f"edits[{i}]", e.file, e.steps) for i, e in enumerate(manifest.edits)]
    anchored += [(f"probes.{p.name}", p.file, p.steps) for p in manifest.probes.values()]
    for where, file, steps in anchored:
        lang = manifest.languages[file]
        for j, step in enumerate(steps):
            if step.query is None:
                continue
            unknown = predicates.unknown(step.query)
            if unknown:
                raise CatalogError(f"{directory / 'manifest.toml'}: {where}.anchor[{j}]: unknown query predicate #{unknown[0]} "
                                   f"(the engine's own: {', '.join('#' + n for n in predicates.PREDICATES)})")
            try:
                syntax.query(lang, step.query)
            except Exception as exc:  # tree_sitter.QueryError and friends
                raise CatalogError(f"{directory / 'manifest.toml'}: {where}.anchor[{j}]: invalid {lang} query ({str(exc).splitlines()[0]})") from None


def load_patch(directory: Path, compile_queries: bool = True) -> Patch:
    """The patch in <...>/<namespace>/<name>/<version>/ (in a catalog or not), its manifest
    checked; `compile_queries`: its anchor queries compiled too (a bad one refused now)."""
    directory = Path(directory).absolute()
    ns, name, ver = directory.parts[-3:]
    if not ver.isdigit():
        raise CatalogError(f"{directory}: a patch directory is <namespace>/<name>/<version number>")
    manifest = load_manifest(directory, f"{ns}/{name}", int(ver))
    if compile_queries:
        check_queries(manifest, directory)
    return Patch(manifest, directory, read_withdrawn(directory.parent).get(int(ver), ""))


def read_withdrawn(patch_dir: Path) -> dict[int, str]:
    """<namespace>/<name>/withdrawn.toml: versions that must no longer be
    applied, with why (`[versions]`, `1 = "reason"`).  It sits beside the
    version directories, so withdrawing a version does not change its content
    hash: existing pins still name it exactly, and apply refuses it with the
    reason while status and revert of a recorded apply go on as before."""
    path = patch_dir / WITHDRAWN
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise CatalogError(f"{path}: not a valid withdrawn.toml ({exc})") from None
    versions = raw.get("versions")
    if set(raw) != {"versions"} or not isinstance(versions, dict) or not all(
            k.isdigit() and isinstance(v, str) and v for k, v in versions.items()):
        raise CatalogError(f"{path}: expected only [versions] mapping a version number to why it is withdrawn")
    return {int(k): v for k, v in versions.items()}


class Catalog:
    """`compile_queries`: compile every anchor query now (a bad one refused
    up front).  Commands that only read patch names and metadata (`list`,
    `status`, `doctor`) pass False and so never load the parser."""

    def __init__(self, root: Path | None = None, compile_queries: bool = True):
        self.root = Path(root) if root else patches_dir()
        self._patches: dict[str, Patch] = {}
        if not self.root.is_dir():
            raise CatalogError(f"{self.root}: patch catalog directory not found")
        for manifest_path in sorted(self.root.glob("*/*/*/manifest.toml")):
            patch = load_patch(manifest_path.parent, compile_queries)
            self._patches[patch.ref] = patch

    def all(self) -> list[Patch]:
        return [self._patches[k] for k in sorted(self._patches)]

    def for_target(self, kind: str) -> list[Patch]:
        return [p for p in self.all() if p.manifest.target == kind]

    def newest(self, kind: str, defaults_only: bool = False) -> list[Patch]:
        """The newest version of each patch for a target kind (of each default patch, with `defaults_only`)."""
        newest: dict[str, Patch] = {}
        for p in self.for_target(kind):
            if p.withdrawn or (defaults_only and not p.manifest.default):
                continue
            if p.manifest.id not in newest or p.manifest.version > newest[p.manifest.id].manifest.version:
                newest[p.manifest.id] = p
        return [newest[k] for k in sorted(newest)]

    def defaults(self, kind: str) -> list[Patch]:
        """What an apply without --patch or pins takes: the newest version of each default patch."""
        return self.newest(kind, defaults_only=True)

    def get(self, ref: str) -> Patch:
        pid, ver = parse_ref(ref)
        try:
            return self._patches[f"{pid}@{ver}"]
        except KeyError:
            known = [p.ref for p in self.all() if p.manifest.id == pid]
            hint = f" (known versions: {', '.join(known)})" if known else " (see `patcher list`)"
            raise UsageError(f"unknown patch {ref}{hint}") from None
