"""The patch manifest (patches/<ns>/<name>/<version>/manifest.toml): its data
model (read by catalog.sections.load_manifest).

A manifest is data: which files a patch edits, where (tree-sitter anchors,
named or inline), how (edit kind + code), which new files it adds, and which
releases it was made for.  Which sections a manifest may have depends on its
target kind (catalog.sections.SECTIONS); each section has one parser there,
and the same key specifications give both the checks and the JSON Schema
patch authors' editors use.  Everything is checked when the catalog loads,
so a broken patch is refused before any target is looked at, with the
manifest path and the offending key in the message.
"""

import re
from dataclasses import dataclass, field

EDIT_ACTIONS = ("insert-before", "insert-after", "replace")
LAYOUTS = ("lines", "inline")
EXPECTS = ("one", "one-or-more", "any")  # how many places an anchor must match ("any": zero too)
LANGUAGES = ("go", "javascript")
TARGET_KINDS = ("go", "cursor", "goext", "settings", "pwsh", "companion")
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
    # (a step `{ use = "name" }` in the manifest splices in the steps of the
    # named anchor [anchors.name]; it is resolved when the manifest loads)


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
    extension: tuple = ()  # companion patches: (relative path, bytes) of each file of the extension
    anchors: dict = field(default_factory=dict)  # name -> tuple[AnchorStep, ...]
    # Files whose role may be absent from a target (not applicable there): the
    # patch then applies without their edits, instead of not at all.
    optional: frozenset = frozenset()

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"
