"""The patch manifest (patches/<ns>/<name>/<version>/manifest.toml), validated.

A manifest is data: which files a patch edits, where (tree-sitter anchors),
how (edit kind + code), which new files it adds, and which releases it was
made for.  Everything is checked when the catalog loads so that a broken
patch is refused before any target is looked at, with the manifest path and
the offending key in the message.
"""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from patcher.errors import CatalogError

EDIT_ACTIONS = ("insert-before", "insert-after", "replace")
LAYOUTS = ("lines", "inline")
EXPECTS = ("one", "one-or-more")
LANGUAGES = ("go", "javascript")
TARGET_KINDS = ("go", "cursor", "settings", "pwsh")
# Kinds whose patches are tree-sitter edits of source files; the others say
# what they want as data of their own (settings members, a profile block).
EDITED_KINDS = ("go", "cursor")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
ROLE_RE = re.compile(r"^@[a-z][a-z0-9-]*$")
RELEASE_RE = re.compile(r"^\d+\.\d+$")
PARAM_RE = re.compile(r"@@([a-z_]+)@@")


# Named places the engine computes itself, for what a query cannot say.
BUILTIN_PLACES = ("prologue-end",)


@dataclass(frozen=True)
class AnchorStep:
    query: str | None = None  # tree-sitter query with an @anchor capture
    text: str | None = None  # literal text inside the current scope
    at: str | None = None  # a BUILTIN_PLACES name (first step only)


@dataclass(frozen=True)
class Edit:
    name: str
    file: str  # relative path, or "@role" resolved by the target kind
    steps: tuple[AnchorStep, ...]
    action: str
    code: str
    expect: str = "one"
    layout: str = "lines"
    when: str | None = None  # probe name, "!name" for its negation
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    """A question about a file's structure: does this anchor match anywhere?"""

    name: str
    file: str
    steps: tuple[AnchorStep, ...]
    absent: str  # what it means when it matches nothing (the "not applicable" reason)


@dataclass(frozen=True)
class AddedFile:
    path: str
    payload: bytes
    language: str | None


@dataclass(frozen=True)
class Member:
    """A settings.json member to set: `path` of keys, and a value, or every
    entry of a table parameter (`from_param`) as members under `path`."""

    path: tuple[str, ...]
    value: object = None
    from_param: str | None = None


@dataclass(frozen=True)
class Manifest:
    id: str
    version: int
    summary: str
    target: str
    releases: tuple[str, ...]
    default: bool
    languages: dict  # file -> language
    edits: tuple[Edit, ...]
    adds: tuple[AddedFile, ...]
    switches: dict = field(default_factory=dict)  # env var -> what it does
    description: str = ""
    probes: dict = field(default_factory=dict)  # name -> Probe
    applies_if: tuple[str, ...] = ()  # probes that must match, else "not applicable"
    params: dict = field(default_factory=dict)  # name -> default (str or table of str)
    members: tuple[Member, ...] = ()  # settings patches
    block: str | None = None  # pwsh patches: the lines to add to the profile

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


class _Reader:
    """Typed access to a TOML table with error messages naming file and key."""

    def __init__(self, path: Path, table: dict, where: str = ""):
        self.path, self.table, self.where = path, table, where

    def fail(self, key: str, reason: str):
        raise CatalogError(f"{self.path}: {self.where}{key}: {reason}")

    def get(self, key: str, typ, required: bool = True, default=None):
        if key not in self.table:
            if required:
                self.fail(key, "missing")
            return default
        value = self.table[key]
        # bool is an int in Python; a version of `true` is still a wrong type.
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            names = typ.__name__ if isinstance(typ, type) else "/".join(t.__name__ for t in typ)
            self.fail(key, f"expected {names}, got {type(value).__name__} {value!r}")
        return value

    def unknown_keys(self, allowed: set[str]) -> None:
        extra = sorted(set(self.table) - allowed)
        if extra:
            self.fail(extra[0], "unknown key")


def _safe_relpath(reader: _Reader, key: str, value: str, allow_role: bool) -> str:
    if allow_role and ROLE_RE.match(value):
        return value
    p = PurePosixPath(value)
    if not value or "\\" in value or p.is_absolute() or re.match(r"^[A-Za-z]:", value) or ".." in p.parts or "." in p.parts:
        reader.fail(key, f"path {value!r} escapes its target (must be relative, '/'-separated, without '..')")
    return value


def _read_payload(reader: _Reader, patch_dir: Path, key: str, rel: str) -> bytes:
    _safe_relpath(reader, key, rel, allow_role=False)
    path = patch_dir / rel
    try:
        resolved = path.resolve()
        if not resolved.is_relative_to(patch_dir.resolve()):
            reader.fail(key, f"payload {rel!r} points outside the patch directory")
        return resolved.read_bytes()
    except FileNotFoundError:
        reader.fail(key, f"payload {rel!r} does not exist")
    except OSError as exc:
        reader.fail(key, f"payload {rel!r} cannot be read ({exc.strerror})")


def _steps(reader: _Reader, raw) -> tuple[AnchorStep, ...]:
    if not isinstance(raw, list) or not raw:
        reader.fail("anchor", "expected a non-empty list of queries")
    steps = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"query": item}
        if not isinstance(item, dict):
            reader.fail(f"anchor[{i}]", f"expected a query string or a table, got {type(item).__name__}")
        sub = _Reader(reader.path, item, f"{reader.where}anchor[{i}].")
        sub.unknown_keys({"query", "text", "at"})
        query, text = sub.get("query", str, required=False), sub.get("text", str, required=False)
        at = sub.get("at", str, required=False)
        if sum(x is not None for x in (query, text, at)) != 1:
            sub.fail("query", "give exactly one of 'query', 'text' or 'at'")
        if query is not None and "@anchor" not in query:
            sub.fail("query", "the query must capture the anchored node as @anchor")
        if text == "":
            sub.fail("text", "must not be empty")
        if at is not None:
            if at not in BUILTIN_PLACES:
                sub.fail("at", f"unknown place {at!r} (expected one of {', '.join(BUILTIN_PLACES)})")
            if i != 0 or len(raw) != 1:
                sub.fail("at", "a built-in place is a whole anchor on its own")
        steps.append(AnchorStep(query=query, text=text, at=at))
    if steps[0].text is not None:
        reader.fail("anchor[0]", "the first step must be a query (a text step only narrows a node)")
    return tuple(steps)


def _params(reader: _Reader, key: str, raw) -> dict:
    """Parameter values: a string, or a table of strings (rendered as JSON)."""
    if not isinstance(raw, dict):
        reader.fail(key, f"expected a table, got {type(raw).__name__}")
    for name, value in raw.items():
        if not re.match(r"^[a-z_]+$", name):
            reader.fail(f"{key}.{name}", "parameter names are lower_case")
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(v, str):
                    reader.fail(f"{key}.{name}.{k}", f"expected str, got {type(v).__name__}")
        elif not isinstance(value, str):
            reader.fail(f"{key}.{name}", f"expected str or table, got {type(value).__name__}")
    return dict(raw)


def load_manifest(patch_dir: Path, expected_id: str, expected_version: int) -> Manifest:
    path = patch_dir / "manifest.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: missing") from None
    except UnicodeDecodeError:
        raise CatalogError(f"{path}: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: invalid TOML ({exc})") from None

    r = _Reader(path, raw)
    r.unknown_keys({"id", "version", "summary", "description", "target", "releases", "default", "files", "edits", "adds",
                    "switches", "probes", "applies_if", "params", "members", "block_file"})
    pid = r.get("id", str)
    if not ID_RE.match(pid):
        r.fail("id", f"{pid!r} is not of the form namespace/name")
    version = r.get("version", int)
    if pid != expected_id or version != expected_version:
        r.fail("id", f"{pid}@{version} does not match its directory ({expected_id}@{expected_version})")
    target = r.get("target", str)
    if target not in TARGET_KINDS:
        r.fail("target", f"unknown target kind {target!r} (expected one of {', '.join(TARGET_KINDS)})")
    releases = r.get("releases", list, required=target == "go", default=[])
    for rel in releases:
        if not isinstance(rel, str) or not RELEASE_RE.match(rel):
            r.fail("releases", f"{rel!r} is not a release line like \"1.25\"")

    edited = target in EDITED_KINDS
    languages = {}
    for i, f in enumerate(r.get("files", list, required=edited, default=[])):
        if not isinstance(f, dict):
            r.fail(f"files[{i}]", "expected a table")
        fr = _Reader(path, f, f"files[{i}].")
        fr.unknown_keys({"path", "language"})
        fpath = _safe_relpath(fr, "path", fr.get("path", str), allow_role=True)
        lang = fr.get("language", str)
        if lang not in LANGUAGES:
            fr.fail("language", f"unknown language {lang!r} (expected one of {', '.join(LANGUAGES)})")
        languages[fpath] = lang

    probes = {}
    for name, p in r.get("probes", dict, required=False, default={}).items():
        pr = _Reader(path, p if isinstance(p, dict) else {}, f"probes.{name}.")
        if not isinstance(p, dict):
            pr.fail("", "expected a table")
        pr.unknown_keys({"file", "anchor", "absent"})
        pfile = _safe_relpath(pr, "file", pr.get("file", str), allow_role=True)
        if pfile not in languages:
            pr.fail("file", f"{pfile!r} is not listed under [[files]]")
        probes[name] = Probe(name=name, file=pfile, steps=_steps(pr, p.get("anchor")),
                             absent=pr.get("absent", str, required=False, default=f"probe {name} matched nothing"))
    applies_if = r.get("applies_if", list, required=False, default=[])
    for name in applies_if:
        if name not in probes:
            r.fail("applies_if", f"unknown probe {name!r}")
    params = _params(r, "params", r.get("params", dict, required=False, default={}))

    edits = []
    for i, e in enumerate(r.get("edits", list, required=edited, default=[])):
        if not isinstance(e, dict):
            r.fail(f"edits[{i}]", "expected a table")
        er = _Reader(path, e, f"edits[{i}].")
        er.unknown_keys({"name", "file", "anchor", "action", "code", "code_file", "expect", "layout", "when", "params"})
        action = er.get("action", str)
        if action not in EDIT_ACTIONS:
            er.fail("action", f"unknown edit kind {action!r} (expected one of {', '.join(EDIT_ACTIONS)})")
        file = _safe_relpath(er, "file", er.get("file", str), allow_role=True)
        if file not in languages:
            er.fail("file", f"{file!r} is not listed under [[files]]")
        code, code_file = er.get("code", str, required=False), er.get("code_file", str, required=False)
        if (code is None) == (code_file is None):
            er.fail("code", "give exactly one of 'code' or 'code_file'")
        if code_file is not None:
            try:
                code = _read_payload(er, patch_dir, "code_file", code_file).decode("utf-8")
            except UnicodeDecodeError:
                er.fail("code_file", "payload is not UTF-8")
        expect = er.get("expect", str, required=False, default="one")
        if expect not in EXPECTS:
            er.fail("expect", f"{expect!r} is not one of {', '.join(EXPECTS)}")
        layout = er.get("layout", str, required=False, default="lines")
        if layout not in LAYOUTS:
            er.fail("layout", f"{layout!r} is not one of {', '.join(LAYOUTS)}")
        when = er.get("when", str, required=False)
        if when is not None and when.lstrip("!") not in probes:
            er.fail("when", f"unknown probe {when.lstrip('!')!r}")
        edits.append(Edit(name=er.get("name", str), file=file, steps=_steps(er, e.get("anchor")),
                          action=action, code=code, expect=expect, layout=layout, when=when,
                          params=_params(er, "params", e.get("params", {}))))
    if edited and not edits:
        r.fail("edits", "a patch needs at least one edit")
    members = []
    for i, m in enumerate(r.get("members", list, required=target == "settings", default=[])):
        if not isinstance(m, dict):
            r.fail(f"members[{i}]", "expected a table")
        mr = _Reader(path, m, f"members[{i}].")
        mr.unknown_keys({"path", "value", "from_param"})
        keys = mr.get("path", list)
        if not keys or not all(isinstance(k, str) and k for k in keys):
            mr.fail("path", "expected a non-empty list of keys")
        from_param = mr.get("from_param", str, required=False)
        if ("value" in m) == (from_param is not None):
            mr.fail("value", "give exactly one of 'value' or 'from_param'")
        if from_param is not None and not isinstance(params.get(from_param), dict):
            mr.fail("from_param", f"{from_param!r} is not a table parameter of this patch")
        members.append(Member(tuple(keys), m.get("value"), from_param))
    if target == "settings" and not members:
        r.fail("members", "a settings patch needs at least one member")
    block = None
    if target == "pwsh":
        try:
            block = _read_payload(r, patch_dir, "block_file", r.get("block_file", str)).decode("utf-8")
        except UnicodeDecodeError:
            r.fail("block_file", "payload is not UTF-8")

    adds = []
    for i, a in enumerate(r.get("adds", list, required=False, default=[])):
        if not isinstance(a, dict):
            r.fail(f"adds[{i}]", "expected a table")
        ar = _Reader(path, a, f"adds[{i}].")
        ar.unknown_keys({"path", "payload", "language"})
        apath = _safe_relpath(ar, "path", ar.get("path", str), allow_role=False)
        lang = ar.get("language", str, required=False)
        if lang is not None and lang not in LANGUAGES:
            ar.fail("language", f"unknown language {lang!r}")
        adds.append(AddedFile(path=apath, payload=_read_payload(ar, patch_dir, "payload", ar.get("payload", str)), language=lang))

    switches = r.get("switches", dict, required=False, default={})
    for k, v in switches.items():
        if not isinstance(v, str):
            r.fail(f"switches.{k}", f"expected str, got {type(v).__name__}")

    return Manifest(id=pid, version=version, summary=r.get("summary", str), target=target,
                    releases=tuple(releases), default=r.get("default", bool, required=False, default=True),
                    languages=languages, edits=tuple(edits), adds=tuple(adds), switches=switches,
                    description=r.get("description", str, required=False, default=""),
                    probes=probes, applies_if=tuple(applies_if), params=params, members=tuple(members), block=block)
