"""Remember what the engine did to a file, to do it again without parsing.

Parsing a 1–2 MB editor bundle with tree-sitter and running the anchor
queries is most of an editor apply.  The result only depends on patcher's
code and the parser's (see _code_fingerprint), the patches (their content
hashes), the parameters, where each file role resolved, how files are named
in messages, whether the run was partial (apply.py: the caller validates,
so fewer files are parsed whole and fewer refused by tree-sitter), and the
bytes of the files, so that is the key: a re-apply
of the same patches to the same original bytes (after a revert, an apply
over an apply, the same bundle in another install) replays the recorded
splices instead, and checks the replayed bytes have the sha256 recorded when
they were produced (and then parsed, before any entry was written).  A
missing, unreadable, damaged (each entry carries the sha256 of its body) or
inconsistent entry is a miss, never an error: the engine just runs.

Every file a role resolves to is read before the engine runs, to hash it for
the key, including one the engine would not have read (a patch skipped by a
probe on another file).

Entries are written only when the caller commits (see `remember`), into
<state dir>/cache/engine/, one JSON file per key, the newest KEEP kept.
Validation outside the engine (node --check) is not cached: it runs anyway.
"""

import base64
import hashlib
import importlib.util
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from patcher import __version__
from patcher.catalog.catalog import Patch
from patcher.engine.apply import AddedResult, EngineResult, FileResult, apply_patches, resolve_roles
from patcher.engine.rewrite import Splice, replay
from patcher.errors import PatcherError
from patcher.state.atomicio import is_temp_name, make_private_dir, write_atomic
from patcher.state.hashing import sha256_bytes

KEEP = 32
FORMAT = 2
STALE_TEMP_SECONDS = 3600
# The parser and grammars whose behaviour the recorded results depend on.
_PARSER_PACKAGES = ("tree_sitter", "tree_sitter_javascript", "tree_sitter_go")


def _code_fingerprint() -> str:
    """patcher's own code and the parser's, as installed: every file's name,
    size and modification time (an upgrade, a reinstall or an edit changes
    them).  Not their contents: hashing ~60 sources on every apply costs more
    than the rest of a cache hit; and the packages are located without being
    imported (a grammar package's import alone is ~10 ms)."""
    h = hashlib.sha256(f"{FORMAT} {__version__}".encode())
    dirs = [(Path(__file__).resolve().parent.parent, True)]
    for name in _PARSER_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            dirs.append((Path(spec.origin).parent, False))
    for directory, sources in dirs:
        for rel, st in sorted(_files(str(directory), "", sources)):
            h.update(f"{rel} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _files(directory: str, prefix: str, sources: bool):
    """(relative name, stat): of a source tree, each *.py at any depth (not in
    __pycache__); of a package, each entry at its top (its compiled parser too)."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            if not sources:
                yield f"{prefix}{entry.name}", entry.stat()
            elif entry.is_dir():
                if entry.name != "__pycache__":
                    yield from _files(entry.path, f"{prefix}{entry.name}/", sources)
            elif entry.name.endswith(".py"):
                yield f"{prefix}{entry.name}", entry.stat()
        except OSError:
            continue


@dataclass
class CachedRun:
    """One engine run through the cache: its result, and (on a miss) the entry to keep on commit."""

    result: EngineResult
    hit: bool
    _entry: tuple[Path, dict] | None = field(default=None, repr=False)

    def remember(self) -> None:
        """Write the entry (after the caller committed); a failure to write is ignored: it is a cache."""
        if self._entry is None:
            return
        path, doc = self._entry
        try:
            make_private_dir(path.parent)
            # Not made durable (no fsync): an entry lost in a crash is a miss, like any damaged one.
            write_atomic(path, json.dumps(doc, sort_keys=True).encode("utf-8"), mode=0o600, durable=False)
            _prune(path.parent)
        except (OSError, PatcherError):
            pass


def _prune(directory: Path) -> None:
    """Keep the KEEP most recently used entries; drop temp files a killed write left."""
    for leftover in directory.iterdir():
        # (old ones only: a younger one may be another run's entry being written)
        if is_temp_name(leftover.name) and time.time() - leftover.stat().st_mtime > STALE_TEMP_SECONDS:
            leftover.unlink(missing_ok=True)
    entries = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


def _checksum(body: dict) -> str:
    return sha256_bytes(json.dumps(body, sort_keys=True).encode("utf-8"))


def _restore(entry: object, originals: dict[str, bytes], patches: list[Patch]) -> EngineResult | None:
    """The EngineResult an entry describes, or None if it is damaged or does not reproduce exactly."""
    try:
        if entry.get("format") != FORMAT or entry["sha256"] != _checksum(entry["body"]):
            return None
        doc = entry["body"]
        result = EngineResult(skipped=dict(doc["skipped"]))
        for path, f in doc["files"].items():
            splices = [[Splice(a, b, base64.b64decode(n)) for a, b, n in ps] for ps in f["splices"]]
            patched = replay(originals[path], [sp for ps in splices for sp in ps])
            if sha256_bytes(patched) != f["patched_sha256"]:
                return None
            result.files[path] = FileResult(path, f["language"], originals[path], patched, list(f["patches"]),
                                            splices=splices, facts=dict(f["facts"]))
        payloads = {(p.ref, a.path): a.payload for p in patches for a in p.manifest.adds}
        for path, refs in doc["added"].items():
            result.added[path] = AddedResult(path, payloads[(refs[0], path)], list(refs))
        return result
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        return None


def _entry_doc(result: EngineResult) -> dict:
    files = {}
    for path, fr in result.files.items():
        if fr.patched == fr.original:
            continue
        files[path] = {"language": fr.language, "patches": fr.patches, "facts": fr.facts,
                       "patched_sha256": sha256_bytes(fr.patched),
                       "splices": [[[s.start, s.old_end, base64.b64encode(s.new).decode("ascii")] for s in ps]
                                   for ps in fr.splices]}
    body = {"files": files, "skipped": result.skipped, "added": {path: a.patches for path, a in result.added.items()}}
    return {"format": FORMAT, "sha256": _checksum(body), "body": body}


def cached_apply(cache_dir: Path, patches: list[Patch], read: Callable[[str], bytes],
                 resolve_path: Callable[[str], str], label: Callable[[str], str], params: dict | None = None,
                 describe: Callable[[object], dict] | None = None,
                 on_final: Callable[[FileResult], None] | None = None, partial: bool = False,
                 expect: Callable[[str, frozenset[str]], bool | None] | None = None) -> CachedRun:
    """apply_patches (same arguments) through the cache in `cache_dir`; on a miss
    the engine runs with the files already read (an expectation changes no
    result, only when the probe is decided: it is not part of the key)."""
    roles = resolve_roles(patches, resolve_path)
    if roles is None:  # a role that cannot be resolved: the engine says why, in its own order
        return CachedRun(apply_patches(patches, read, resolve_path, label, params=params, describe=describe,
                                       on_final=on_final, partial=partial, expect=expect), hit=False)
    paths = sorted({p for r in roles.values() for p in r.values() if isinstance(p, str)})
    originals = {path: read(path) for path in paths}
    key_doc = {"code": _code_fingerprint(), "patches": [[p.ref, p.content_sha256] for p in patches],
               "params": params or {}, "describe": getattr(describe, "__qualname__", None), "partial": partial,
               "roles": {ref: {role: p if isinstance(p, str) else f"not applicable: {p}" for role, p in r.items()}
                         for ref, r in roles.items()},
               # Messages (a skipped patch's reason) name files by their label, e.g. an absolute path.
               "labels": {path: label(path) for path in paths},
               "inputs": {path: sha256_bytes(data) for path, data in originals.items()}}
    key = hashlib.sha256(json.dumps(key_doc, sort_keys=True).encode("utf-8")).hexdigest()
    entry_path = cache_dir / f"{key}.json"
    try:
        entry = json.loads(entry_path.read_bytes())
    except (OSError, ValueError):
        entry = None
    restored = _restore(entry, originals, patches) if isinstance(entry, dict) else None
    if restored is not None:
        try:
            os.utime(entry_path)  # recently used: kept by _prune
        except OSError:
            pass
        if on_final is not None:
            # In the order a run hands them on: that of the patches and their file roles.
            order = list(dict.fromkeys(p for r in roles.values() for p in r.values() if isinstance(p, str)))
            for path in sorted(restored.files, key=lambda p: order.index(p) if p in order else len(order)):
                on_final(restored.files[path])
        return CachedRun(restored, hit=True)
    result = apply_patches(patches, lambda path: originals[path] if path in originals else read(path), resolve_path,
                           label, params=params, describe=describe, on_final=on_final, partial=partial,
                           expect=expect)
    return CachedRun(result, hit=False, _entry=(entry_path, _entry_doc(result)))
