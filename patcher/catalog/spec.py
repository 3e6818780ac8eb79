"""The key specifications of a manifest's tables, and the reader that checks
a TOML table against one.

A `Table` lists the keys a TOML table may have (type, required, allowed
values, documentation, and a JSON Schema where the type alone does not say
enough); `Reader.read` checks a table against it with messages naming the
manifest and the key.  The same specs give the JSON Schema (catalog.schema).
"""

from dataclasses import dataclass
from pathlib import Path

from patcher.catalog.manifest import BUILTIN_PLACES, EDIT_ACTIONS, EXPECTS, LANGUAGES, LAYOUTS, TARGET_KINDS
from patcher.errors import CatalogError


@dataclass(frozen=True)
class Key:
    type: type | tuple
    required: bool = False
    doc: str = ""
    choices: tuple = ()
    what: str = ""  # how an unknown choice is named ("edit kind"); "" for "x is not one of ..."
    schema: dict | None = None  # its JSON Schema, where the type alone does not say enough


@dataclass(frozen=True)
class Table:
    keys: dict
    doc: str = ""


class Reader:
    """A TOML table and where it is (file, key path), for messages."""

    def __init__(self, path: Path, table: dict, where: str = ""):
        self.path, self.table, self.where = path, table, where

    def fail(self, key: str, reason: str):
        raise CatalogError(f"{self.path}: {self.where}{key}: {reason}")

    def sub(self, table, where: str) -> "Reader":
        if not isinstance(table, dict):
            self.fail(where.rstrip("."), "expected a table")
        return Reader(self.path, table, self.where + where)

    def read(self, spec: Table, strict: bool = True) -> dict:
        """The table's values for the keys of `spec`, checked (types, required,
        choices); `strict`: any other key is refused as unknown."""
        extra = sorted(set(self.table) - set(spec.keys))
        if strict and extra:
            self.fail(extra[0], "unknown key")
        out = {}
        for name, key in spec.keys.items():
            if name not in self.table:
                if key.required:
                    self.fail(name, "missing")
                continue
            value = self.table[name]
            # bool is an int in Python; a version of `true` is still a wrong type.
            if not isinstance(value, key.type) or (key.type is int and isinstance(value, bool)):
                names = key.type.__name__ if isinstance(key.type, type) else "/".join(t.__name__ for t in key.type)
                self.fail(name, f"expected {names}, got {type(value).__name__} {value!r}")
            if key.choices and value not in key.choices:
                self.fail(name, f"unknown {key.what} {value!r} (expected one of {', '.join(key.choices)})" if key.what
                          else f"{value!r} is not one of {', '.join(key.choices)}")
            out[name] = value
        return out


STEPS = {"type": "array", "minItems": 1, "items": {"anyOf": [
    {"type": "string", "description": "a tree-sitter query capturing the anchored node as @anchor"},
    {"type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1, "properties": {
        "query": {"type": "string", "description": "a tree-sitter query capturing the anchored node as @anchor"},
        "text": {"type": "string", "description": "literal text inside the current node"},
        "at": {"enum": list(BUILTIN_PLACES), "description": "a place the engine computes"},
        "use": {"type": "string", "description": "the steps of the named anchor [anchors.NAME]"}}}]}}
_PARAMS = {"type": "object", "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}}
_ANCHOR = {"anyOf": [{"type": "string", "description": "the name of an [anchors] entry"}, STEPS]}

COMMON = Table({
    "id": Key(str, True, "namespace/name; the directory is <namespace>/<name>/<version>"),
    "version": Key(int, True, "the version number (the directory name)"),
    "summary": Key(str, True, "one line"),
    "description": Key(str, doc="what the patch does and why"),
    "target": Key(str, True, "the kind of target", choices=TARGET_KINDS, what="target kind"),
    "default": Key(bool, doc="applied when no --patch is given (default true)"),
    "switches": Key(dict, doc="environment variable -> what it does at run time",
                    schema={"type": "object", "additionalProperties": {"type": "string"}}),
    "params": Key(dict, doc="parameters (@@name@@ in code): a string, or a table of strings", schema=_PARAMS),
})
FILE = Table({"path": Key(str, True, "relative to the target root, or a file role like @main"),
              "language": Key(str, True, choices=LANGUAGES, what="language"),
              "optional": Key(bool, doc="a role the target may not have: the patch then applies without this file's edits")})
PROBE = Table({"file": Key(str, True, "a file listed under [[files]]"), "anchor": Key((list, str), True, schema=_ANCHOR),
               "absent": Key(str, doc="the 'not applicable' reason when the anchor matches nothing")})
EDIT = Table({
    "name": Key(str, True, "what the anchor is, for messages"), "file": Key(str, True, "a file listed under [[files]]"),
    "anchor": Key((list, str), True, "steps, or the name of an [anchors] entry", schema=_ANCHOR),
    "action": Key(str, True, choices=EDIT_ACTIONS, what="edit kind"),
    "code": Key(str, doc="the code (exactly one of code / code_file)"), "code_file": Key(str, doc="a payload file with the code"),
    "expect": Key(str, choices=EXPECTS, doc="one (default), one-or-more, or any (zero places too: edits made where found)"),
    "layout": Key(str, choices=LAYOUTS),
    "when": Key(str, doc="a probe name, or !name"), "params": Key(dict, schema=_PARAMS)})
ADD = Table({"path": Key(str, True, "the new file, relative to the target root"), "payload": Key(str, True, "its payload file"),
             "language": Key(str, choices=LANGUAGES, what="language")})
MEMBER = Table({"path": Key(list, True, "keys from the top of settings.json",
                             schema={"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}),
                "value": Key((str, int, float, bool, list, dict), doc="the value (exactly one of value / from_param)", schema={}),
                "from_param": Key(str, doc="a table parameter whose entries become members")})
