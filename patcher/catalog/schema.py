"""The JSON Schema of manifest.toml, generated from the key specifications
the loader checks (catalog.spec), one branch per target kind; written to
patches/manifest.schema.json by `make schema` for patch authors' editors."""

from patcher.catalog.manifest import RELEASE_RE
from patcher.catalog.sections import SECTIONS
from patcher.catalog.spec import ADD, COMMON, EDIT, FILE, MEMBER, PROBE, STEPS, Table

_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}


def _schema_of(spec: Table) -> dict:
    props = {}
    for name, key in spec.keys.items():
        if key.schema is not None:
            s = dict(key.schema)
        elif key.choices:
            s = {"enum": list(key.choices)}
        else:
            types = key.type if isinstance(key.type, tuple) else (key.type,)
            s = {"type": _JSON_TYPES[types[0]] if len(types) == 1 else [_JSON_TYPES[t] for t in types]}
        if key.doc:
            s["description"] = key.doc
        props[name] = s
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": [n for n, k in spec.keys.items() if k.required]}


def _array(spec: Table) -> dict:
    return {"type": "array", "items": _schema_of(spec)}


_SECTION_SCHEMA = {
    "releases": {"type": "array", "items": {"type": "string", "pattern": RELEASE_RE.pattern}},
    "files": _array(FILE), "anchors": {"type": "object", "additionalProperties": STEPS},
    "probes": {"type": "object", "additionalProperties": _schema_of(PROBE)},
    "applies_if": {"type": "array", "items": {"type": "string"}},
    "edits": _array(EDIT), "adds": _array(ADD), "members": _array(MEMBER), "block_file": {"type": "string"},
    "extension_dir": {"type": "string", "description": "the folder of the extension's files (with its package.json)"},
}


def json_schema() -> dict:
    """A JSON Schema (draft 2020-12) of manifest.toml, one branch per target kind."""
    common = _schema_of(COMMON)
    branches = []
    for kind in SECTIONS:
        keys = [k for _, ks in SECTIONS[kind] for k in ks]
        props = dict(common["properties"], target={"const": kind}, **{k: _SECTION_SCHEMA[k] for k in keys})
        required = common["required"] + [k for k in ("releases", "files", "edits", "members", "block_file", "extension_dir")
                                          if k in keys]
        branches.append({"title": f"a {kind} patch", "type": "object", "additionalProperties": False,
                         "properties": props, "required": required})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "patcher manifest.toml",
            "oneOf": branches}
