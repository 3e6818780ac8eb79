"""The sections of a manifest: one parser each, chosen by target kind
(SECTIONS).  Each checks its tables against the key specifications of
catalog.spec, then what a spec cannot say: paths that must stay inside the
target, queries that must capture @anchor, edits that must name a listed
file, names of anchors and probes that must exist.
"""

import re
import tomllib
from pathlib import Path, PurePosixPath

from patcher.catalog.manifest import (
    BUILTIN_PLACES,
    ID_RE,
    RELEASE_RE,
    ROLE_RE,
    AddedFile,
    AnchorStep,
    Edit,
    Manifest,
    Member,
    Probe,
)
from patcher.catalog.spec import ADD, COMMON, EDIT, FILE, MEMBER, PROBE, Key, Reader, Table
from patcher.errors import CatalogError


def _safe_relpath(r: Reader, key: str, value: str, allow_role: bool) -> str:
    if allow_role and ROLE_RE.match(value):
        return value
    p = PurePosixPath(value)
    if not value or "\\" in value or p.is_absolute() or re.match(r"^[A-Za-z]:", value) or ".." in p.parts or "." in p.parts:
        r.fail(key, f"path {value!r} escapes its target (must be relative, '/'-separated, without '..')")
    return value


def _payload(r: Reader, patch_dir: Path, key: str, rel: str, text: bool = False):
    _safe_relpath(r, key, rel, allow_role=False)
    try:
        resolved = (patch_dir / rel).resolve()
        if not resolved.is_relative_to(patch_dir.resolve()):
            r.fail(key, f"payload {rel!r} points outside the patch directory")
        data = resolved.read_bytes()
    except FileNotFoundError:
        r.fail(key, f"payload {rel!r} does not exist")
    except OSError as exc:
        r.fail(key, f"payload {rel!r} cannot be read ({exc.strerror})")
    if not text:
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        r.fail(key, "payload is not UTF-8")


def _params(r: Reader, key: str, raw: dict) -> dict:
    for name, value in raw.items():
        if not re.match(r"^[a-z_]+$", name):
            r.fail(f"{key}.{name}", "parameter names are lower_case")
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(v, str):
                    r.fail(f"{key}.{name}.{k}", f"expected str, got {type(v).__name__}")
        elif not isinstance(value, str):
            r.fail(f"{key}.{name}", f"expected str or table, got {type(value).__name__}")
    return dict(raw)


def _steps(r: Reader, raw, named: dict) -> tuple[AnchorStep, ...]:
    """Anchor steps; a string is the name of an [anchors] entry, `{use = NAME}` splices one in."""
    if isinstance(raw, str):
        if raw not in named:
            r.fail("anchor", f"unknown anchor {raw!r} (not under [anchors])")
        return named[raw]
    if not isinstance(raw, list) or not raw:
        r.fail("anchor", "expected a non-empty list of queries")
    steps = []
    for i, item in enumerate(raw):
        item = {"query": item} if isinstance(item, str) else item
        sub = r.sub(item, f"anchor[{i}].")
        values = sub.read(Table({k: Key(str) for k in ("query", "text", "at", "use")}))
        if len(values) != 1:
            sub.fail("query", "give exactly one of 'query', 'text', 'at' or 'use'")
        if "use" in values:
            if values["use"] not in named:
                sub.fail("use", f"unknown anchor {values['use']!r} (not under [anchors])")
            steps += named[values["use"]]
            continue
        query, text, at = values.get("query"), values.get("text"), values.get("at")
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
        r.fail("anchor[0]", "the first step must be a query (a text step only narrows a node)")
    return tuple(steps)


def _tables(r: Reader, key: str, required: bool = False) -> list[Reader]:
    raw = r.table.get(key, [])
    if required and key not in r.table:
        r.fail(key, "missing")
    if not isinstance(raw, list):
        r.fail(key, f"expected list, got {type(raw).__name__} {raw!r}")
    return [r.sub(t, f"{key}[{i}].") for i, t in enumerate(raw)]


# -- the sections: each fills its part of `m` (a dict of Manifest fields) ----------
def releases(r: Reader, m: dict, patch_dir: Path) -> None:
    raw = r.read(Table({"releases": Key(list, True)}), strict=False)["releases"]
    for rel in raw:
        if not isinstance(rel, str) or not RELEASE_RE.match(rel):
            r.fail("releases", f"{rel!r} is not a release line like \"1.25\"")
    m["releases"] = tuple(raw)


def files(r: Reader, m: dict, patch_dir: Path) -> None:
    m["languages"], optional = {}, set()
    for fr in _tables(r, "files", required=True):
        v = fr.read(FILE)
        path = _safe_relpath(fr, "path", v["path"], allow_role=True)
        m["languages"][path] = v["language"]
        if v.get("optional"):
            if not ROLE_RE.match(path):
                fr.fail("optional", "only a file role (@name) can be optional: a path is either there or missing")
            optional.add(path)
    m["optional"] = frozenset(optional)


def _listed(r: Reader, m: dict, file: str) -> str:
    file = _safe_relpath(r, "file", file, allow_role=True)
    if file not in m["languages"]:
        r.fail("file", f"{file!r} is not listed under [[files]]")
    return file


def _named(r: Reader, key: str) -> dict:
    """A table of named entries ([anchors.NAME], [probes.NAME])."""
    raw = r.table.get(key, {})
    if not isinstance(raw, dict):
        r.fail(key, "expected a table of named entries")
    return raw


def anchors(r: Reader, m: dict, patch_dir: Path) -> None:
    m["anchors"] = {}
    for name, steps in _named(r, "anchors").items():
        m["anchors"][name] = _steps(r.sub({"anchor": steps}, f"anchors.{name}."), steps, m["anchors"])


def probes(r: Reader, m: dict, patch_dir: Path) -> None:
    m["probes"] = {}
    for name, p in _named(r, "probes").items():
        pr = r.sub(p, f"probes.{name}.")
        v = pr.read(PROBE)
        m["probes"][name] = Probe(name=name, file=_listed(pr, m, v["file"]), steps=_steps(pr, v["anchor"], m["anchors"]),
                                  absent=v.get("absent", f"probe {name} matched nothing"))
    applies_if = r.read(Table({"applies_if": Key(list)}), strict=False).get("applies_if", [])
    for name in applies_if:
        if not isinstance(name, str):
            r.fail("applies_if", f"expected probe names, got {type(name).__name__} {name!r}")
        if name not in m["probes"]:
            r.fail("applies_if", f"unknown probe {name!r}")
    m["applies_if"] = tuple(applies_if)


def edits(r: Reader, m: dict, patch_dir: Path) -> None:
    m["edits"] = []
    for er in _tables(r, "edits", required=True):
        v = er.read(EDIT)
        file = _listed(er, m, v["file"])
        if ("code" in v) == ("code_file" in v):
            er.fail("code", "give exactly one of 'code' or 'code_file'")
        code = v["code"] if "code" in v else _payload(er, patch_dir, "code_file", v["code_file"], text=True)
        when = v.get("when")
        if when is not None and when.lstrip("!") not in m["probes"]:
            er.fail("when", f"unknown probe {when.lstrip('!')!r}")
        m["edits"].append(Edit(name=v["name"], file=file, steps=_steps(er, v["anchor"], m["anchors"]), action=v["action"],
                               code=code, expect=v.get("expect", "one"), layout=v.get("layout", "lines"), when=when,
                               params=_params(er, "params", v.get("params", {}))))
    if not m["edits"]:
        r.fail("edits", "a patch needs at least one edit")
    m["edits"] = tuple(m["edits"])


def adds(r: Reader, m: dict, patch_dir: Path) -> None:
    m["adds"] = tuple(AddedFile(path=_safe_relpath(ar, "path", v["path"], allow_role=False),
                                payload=_payload(ar, patch_dir, "payload", v["payload"]), language=v.get("language"))
                      for ar in _tables(r, "adds") for v in [ar.read(ADD)])


def members(r: Reader, m: dict, patch_dir: Path) -> None:
    out = []
    for mr in _tables(r, "members", required=True):
        v = mr.read(MEMBER)
        keys = v["path"]
        if not keys or not all(isinstance(k, str) and k for k in keys):
            mr.fail("path", "expected a non-empty list of keys")
        if ("value" in mr.table) == ("from_param" in v):
            mr.fail("value", "give exactly one of 'value' or 'from_param'")
        if "from_param" in v and not isinstance(m["params"].get(v["from_param"]), dict):
            mr.fail("from_param", f"{v['from_param']!r} is not a table parameter of this patch")
        out.append(Member(tuple(keys), mr.table.get("value"), v.get("from_param")))
    if not out:
        r.fail("members", "a settings patch needs at least one member")
    m["members"] = tuple(out)


def block(r: Reader, m: dict, patch_dir: Path) -> None:
    rel = r.read(Table({"block_file": Key(str, True)}), strict=False)["block_file"]
    m["block"] = _payload(r, patch_dir, "block_file", rel, text=True)


def extension(r: Reader, m: dict, patch_dir: Path) -> None:
    """A companion patch: the folder holding the extension's files (its package.json names it)."""
    rel = r.read(Table({"extension_dir": Key(str, True)}), strict=False)["extension_dir"]
    _safe_relpath(r, "extension_dir", rel, allow_role=False)
    root = patch_dir / rel
    if not (root / "package.json").is_file():
        r.fail("extension_dir", f"{rel!r} has no package.json")
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    m["extension"] = tuple((f, _payload(r, patch_dir, "extension_dir", f"{rel}/{f}")) for f in files)


# Which sections each target kind has (in the order they are read), and the
# keys each section owns.
EDITED = [(files, ("files",)), (anchors, ("anchors",)), (probes, ("probes", "applies_if")), (edits, ("edits",)),
          (adds, ("adds",))]
SECTIONS = {
    "go": [(releases, ("releases",))] + EDITED,
    "cursor": EDITED,
    "goext": EDITED,
    "settings": [(members, ("members",))],
    "pwsh": [(block, ("block_file",))],
    "companion": [(extension, ("extension_dir",))],
}


def parse(r: Reader, patch_dir: Path, expected_id: str, expected_version: int) -> Manifest:
    v = r.read(COMMON, strict=False)
    own = {k for _, keys in SECTIONS[v["target"]] for k in keys}
    anywhere = {k for kind in SECTIONS for _, keys in SECTIONS[kind] for k in keys}
    extra = sorted(set(r.table) - set(COMMON.keys) - own)
    if extra:
        r.fail(extra[0], f"not a section of a {v['target']} patch" if extra[0] in anywhere else "unknown key")
    pid, version = v["id"], v["version"]
    if not ID_RE.match(pid):
        r.fail("id", f"{pid!r} is not of the form namespace/name")
    if pid != expected_id or version != expected_version:
        r.fail("id", f"{pid}@{version} does not match its directory ({expected_id}@{expected_version})")
    m = {"params": _params(r, "params", v.get("params", {})), "languages": {}, "anchors": {}, "probes": {}}
    for parser, _ in SECTIONS[v["target"]]:
        parser(r, m, patch_dir)
    for k, what in v.get("switches", {}).items():
        if not isinstance(what, str):
            r.fail(f"switches.{k}", f"expected str, got {type(what).__name__}")
    return Manifest(id=pid, version=version, summary=v["summary"], target=v["target"], releases=m.get("releases", ()),
                    default=v.get("default", True), languages=m["languages"], edits=m.get("edits", ()),
                    adds=m.get("adds", ()), switches=v.get("switches", {}), description=v.get("description", ""),
                    probes=m["probes"], applies_if=m.get("applies_if", ()), params=m["params"],
                    members=m.get("members", ()), block=m.get("block"), extension=m.get("extension", ()),
                    anchors=m["anchors"],
                    optional=m.get("optional", frozenset()))


def load_manifest(patch_dir: Path, expected_id: str, expected_version: int) -> Manifest:
    """The manifest.toml in `patch_dir`, read and checked (a one-line CatalogError naming it otherwise)."""
    path = patch_dir / "manifest.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: missing") from None
    except UnicodeDecodeError:
        raise CatalogError(f"{path}: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: invalid TOML ({exc})") from None
    return parse(Reader(path, raw), patch_dir, expected_id, expected_version)
