"""Run patches over a target's files, in memory.

The engine knows nothing about any particular patch or target: it reads the
files a patch names (through callbacks the target kind supplies), checks
they are UTF-8 and parse, resolves every anchor, rewrites, and checks the
result still parses.  Patches apply in the order given, each to the output
of the previous one, so two patches may edit the same file.

`partial=True` is for a caller that validates every changed file's final
bytes in full itself (the JavaScript targets: node --check, a stronger check
than a parse).  A file is then parsed whole only when some anchor of the
patch needs the whole tree; where the file's own code starts, and whether it
has a top-level statement of some kind, are read from a head of it
(anchors.find_in_head), and a file edited that way is not parsed again.

`expect` lets such a caller start validating before a probe is decided: it
says what a top-level-node probe will find in a file (for a bundle, what
node's own loading rule implies), the engine patches with that answer, and
decides the probe for real only once every file has been handed on, while
the caller's validation runs.  A wrong expectation raises Misexpected (the
caller runs again without one), so the result is always the one the probe
itself gives.
"""

import functools
import json
from dataclasses import dataclass, field
from typing import Callable

from patcher.catalog.catalog import Patch
from patcher.catalog.manifest import Manifest
from patcher.engine import syntax
from patcher.engine.anchors import Span, checked, find, find_in_head, probe_types
from patcher.engine.rewrite import PlannedEdit, Splice, apply_edits
from patcher.engine.text import UTF8_BOM, check_utf8, newline_of
from patcher.errors import NotApplicable, PatcherError, Refused


@dataclass
class FileResult:
    path: str
    language: str
    original: bytes
    patched: bytes
    patches: list[str] = field(default_factory=list)
    tree: object = None  # tree-sitter tree of `patched` (BOM masked), once parsed
    # What each patch that changed the file did (in the order made), so the
    # same result can be replayed on the same original (see resultcache.py).
    splices: list[list[Splice]] = field(default_factory=list)
    facts: dict = field(default_factory=dict)  # what the caller's `describe` said of the final tree


@dataclass
class AddedResult:
    path: str
    data: bytes
    patches: list[str] = field(default_factory=list)


class Misexpected(Exception):
    """A probe did not find what the caller expected (apply_patches `expect`): this run's
    result is not the patches' own; run again without the expectation."""


@dataclass
class EngineResult:
    files: dict[str, FileResult] = field(default_factory=dict)
    added: dict[str, AddedResult] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # patch ref -> why it does not apply


def render_params(defaults: dict, overrides: dict) -> dict[str, str]:
    """Parameter values as code: strings as is, tables (merged, the
    overrides winning) as JSON objects."""
    out = {}
    for name in set(defaults) | set(overrides):
        d, o = defaults.get(name), overrides.get(name)
        if isinstance(d, dict) or isinstance(o, dict):
            value = dict(d or {}, **(o or {}))
            out[name] = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        else:
            out[name] = o if o is not None else d
    return out


def _mask_bom(data: bytes) -> bytes:
    """A leading UTF-8 BOM as spaces of the same length: offsets stay those of the real file."""
    return b"   " + data[3:] if data.startswith(UTF8_BOM) else data


def parse_checked(lang: str, data: bytes, label: str, after: str | None = None, old_tree=None):
    """Parse (incrementally when given the edited old tree); refuse with the
    first error's position if the code does not parse."""
    masked = _mask_bom(data)
    tree = syntax.parse(lang, masked, old_tree)
    err = syntax.first_error(tree)
    if err is not None:
        if after:
            raise Refused(f"{label}: {after} produced code that does not parse ({syntax.describe_error(err)}); nothing written")
        raise Refused(f"{label}: does not parse as {lang} ({syntax.describe_error(err)}); truncated or not a {lang} file?")
    return tree, masked


# The heads a partial run reads before it parses a whole file (bytes).
HEADS = (8_192, 262_144)


class _Parsed:
    """A file's current bytes, parsed once (whole, or only heads of them when
    `partial`) and shared by probes, edits and `describe`.  `after`: the
    patch whose result the bytes are, when they are not the file's own."""

    def __init__(self, fr: FileResult, label: str, partial: bool = False, after: str | None = None):
        self.fr, self.label, self.partial, self.after = fr, label, partial, after
        self.masked = _mask_bom(fr.patched)
        self.memo: dict = {}  # anchor query results on this tree (see anchors.find)
        self.floor = len(UTF8_BOM) if fr.patched.startswith(UTF8_BOM) else 0
        self._heads: list[syntax.Head] = []
        if not partial:
            self.tree  # noqa: B018 -- parsed (and refused if it does not parse) when first looked at, as before

    @functools.cached_property
    def newline(self) -> bytes:
        return newline_of(self.fr.patched)

    @property
    def tree(self):
        """The whole file's tree (parsed now if it was not)."""
        fr = self.fr
        if fr.tree is None:
            try:
                fr.tree, _ = parse_checked(fr.language, fr.patched, self.label)
            except Refused:
                if self.after is None or syntax.first_error(syntax.parse(fr.language, _mask_bom(fr.original))):
                    raise
                # The file's own bytes parse: it is the edits that do not.
                fr.tree, _ = parse_checked(fr.language, fr.patched, self.label, after=self.after)
        return fr.tree

    def heads(self):
        """Heads of the file, shorter first, while there is one (a partial view of a file not parsed whole)."""
        if not self.partial or self.fr.tree is not None:
            return
        for i, size in enumerate(HEADS):
            if size >= len(self.masked):
                return
            if i == len(self._heads):
                self._heads.append(syntax.parse_head(self.fr.language, self.masked, size))
            yield self._heads[i]

    def find(self, steps, lang: str, exists: bool = False) -> list[Span]:
        """Every span an anchor names (see anchors.find); `exists`: only whether there is one matters."""
        for head in self.heads():
            found = find_in_head(steps, lang, head, exists)
            if found is not None:
                return found
        return find(steps, lang, self.masked, self.tree, self.newline, self.memo)

    def decide(self, steps, lang: str) -> bool:
        """A probe's answer: whether its anchor matches at all."""
        return bool(self.find(steps, lang, exists=True))

    def has_top_level(self, types) -> bool:
        """Whether the file has a top-level node of one of these types."""
        if any(any(n.type in types for n in head.settled) for head in self.heads()):
            return True
        return any(c.type in types for c in self.tree.root_node.children)


def _needs_whole(m: Manifest, file: str) -> bool:
    """Whether some anchor of the patch on this file may need the file's whole tree
    (anything but a built-in place or a top-level-node probe; see anchors.find_in_head)."""
    anchors = [e.steps for e in m.edits if e.file == file]
    probes = [p.steps for p in m.probes.values() if p.file == file]
    return (any(steps[0].at is None for steps in anchors)
            or any(steps[0].at is None and not probe_types(steps) for steps in probes))


def _reparse(fr: FileResult, old: bytes, new: bytes, splices: list[Splice], label: str, ref: str):
    """Tell the tree about the splices (in the order they were made, last
    position first, so each is in the coordinates of the moment) and re-parse."""
    tree = fr.tree
    for sp in splices:
        start_point = syntax.point_at(old, sp.start)
        lines = sp.new.count(b"\n")
        if lines:
            new_end_point = (start_point[0] + lines, len(sp.new) - sp.new.rfind(b"\n") - 1)
        else:
            new_end_point = (start_point[0], start_point[1] + len(sp.new))
        tree.edit(start_byte=sp.start, old_end_byte=sp.old_end, new_end_byte=sp.start + len(sp.new),
                  start_point=start_point, old_end_point=syntax.point_at(old, sp.old_end), new_end_point=new_end_point)
    fr.tree, _ = parse_checked(fr.language, new, label, after=ref, old_tree=tree)


def resolve_roles(patches: list[Patch], resolve_path: Callable[[str], str]) -> dict[str, dict[str, str | NotApplicable]] | None:
    """Where each patch's file roles resolve, by patch ref (a role that does not
    apply: its NotApplicable).  None when one cannot be resolved at all: the
    engine's run reports that, in its own order."""
    out: dict[str, dict[str, str | NotApplicable]] = {}
    for patch in patches:
        roles = out.setdefault(patch.ref, {})
        for file in patch.manifest.languages:
            try:
                roles[file] = resolve_path(file)
            except NotApplicable as exc:
                roles[file] = exc
            except PatcherError:
                return None
    return out


def _last_patch_of(patches: list[Patch], resolve_path: Callable[[str], str]) -> dict[str, int]:
    """For each path, the index of the last patch naming it (when a role cannot
    be resolved yet, nothing is known: no file is final before the end)."""
    roles = resolve_roles(patches, resolve_path)
    last: dict[str, int] = {}
    for i, patch in enumerate(patches):
        for path in (roles or {}).get(patch.ref, {}).values():
            if isinstance(path, str):
                last[path] = i
    return last


def apply_patches(patches: list[Patch], read: Callable[[str], bytes], resolve_path: Callable[[str], str],
                  label: Callable[[str], str], params: dict | None = None,
                  describe: Callable[[object], dict] | None = None,
                  on_final: Callable[[FileResult], None] | None = None, partial: bool = False,
                  expect: Callable[[str, frozenset[str]], bool | None] | None = None) -> EngineResult:
    """`params` overrides the patches' own parameter defaults (see render_params).

    `describe(view)` gives facts about each changed file's final bytes (kept
    in FileResult.facts); the view has `.tree` (the whole tree) and
    `.has_top_level(types)`.  `on_final(file_result)` is called for each
    changed file as soon as no later patch can change it, so a caller can
    start validating it while the engine goes on with other files.
    `partial`: see the module's doc; the caller must validate each changed
    file's final bytes (FileResult.tree is None for one not parsed whole).
    `expect(path, types)`: whether the file has a top-level node of one of
    these types, as the caller expects (None: no expectation); see the
    module's doc."""
    result = EngineResult()
    expected: list[tuple[str, str, bytes, tuple, bool]] = []  # (path, language, bytes probed, steps, answer used)
    last = _last_patch_of(patches, resolve_path) if on_final else {}
    finished: set[str] = set()

    def finish(fr: FileResult) -> None:
        if fr.path in finished or fr.patched == fr.original:
            return
        finished.add(fr.path)
        if describe is not None:
            fr.facts = describe(_Parsed(fr, label(fr.path), partial, after=fr.patches[-1]))
        if on_final is not None:
            on_final(fr)

    def confirm() -> None:
        """Decide every probe whose answer was expected; Misexpected for the first answered wrong."""
        for path, lang, data, steps, answer in expected:
            if _Parsed(FileResult(path, lang, data, data), label(path), partial).decide(steps, lang) != answer:
                found = "no" if answer else "a"
                raise Misexpected(f"{label(path)}: a probe found {found} {'/'.join(sorted(probe_types(steps)))}")

    try:
        for index, patch in enumerate(patches):
            m = patch.manifest
            parsed: dict[str, _Parsed] = {}
            probed: dict[str, bool] = {}

            def current(file: str) -> tuple[FileResult, _Parsed]:
                path = resolve_path(file)
                if path not in result.files:
                    original = read(path)
                    check_utf8(original, label(path))
                    result.files[path] = FileResult(path, m.languages[file], original, original)
                if path not in parsed:
                    parsed[path] = _Parsed(result.files[path], label(path), partial and not _needs_whole(m, file),
                                           after=(result.files[path].patches or [None])[-1])
                return result.files[path], parsed[path]

            def probe(name: str) -> bool:
                if name not in probed:
                    p = m.probes[name]
                    fr, pf = current(p.file)
                    # An expectation saves a parse only where the file has no whole tree yet.
                    types = probe_types(p.steps) if expect is not None and pf.partial and fr.tree is None else None
                    answer = expect(fr.path, types) if types else None
                    if answer is None:
                        probed[name] = pf.decide(p.steps, m.languages[p.file])
                    else:
                        expected.append((fr.path, m.languages[p.file], fr.patched, p.steps, answer))
                        probed[name] = answer
                return probed[name]

            absent: set[str] = set()  # optional roles this target does not have
            try:
                missing = next((m.probes[n] for n in m.applies_if if not probe(n)), None)
                for file in m.languages:
                    try:
                        resolve_path(file)
                    except NotApplicable:
                        if file not in m.optional:
                            raise
                        absent.add(file)
            except NotApplicable as exc:
                result.skipped[m.ref] = str(exc)
                continue
            if missing is not None:
                result.skipped[m.ref] = f"{label(resolve_path(missing.file))}: {missing.absent}"
                continue
            values = render_params(m.params, params or {})
            edited: list[FileResult] = []
            for file, lang in m.languages.items():
                if file in absent:
                    continue
                fr, pf = current(file)
                planned = []
                for edit in (e for e in m.edits if e.file == file):
                    if edit.when and probe(edit.when.lstrip("!")) == edit.when.startswith("!"):
                        continue
                    edit_values = dict(values, **render_params(edit.params, {}))
                    for span in checked(edit, pf.masked, label(fr.path), functools.partial(pf.find, edit.steps, lang)):
                        if span.start < pf.floor:  # never before a BOM
                            span = type(span)(pf.floor, max(span.end, pf.floor))
                        planned.append(PlannedEdit(span, edit.action, edit.code, edit.layout, edit.name, edit_values))
                if not planned:
                    continue
                patched, splices = apply_edits(fr.patched, planned, {}, f"{label(fr.path)} ({m.ref})")
                if fr.tree is not None:  # (a file read through heads only is validated by the caller)
                    _reparse(fr, fr.patched, patched, splices, label(fr.path), m.ref)
                fr.patched = patched
                fr.patches.append(m.ref)
                fr.splices.append(splices)
                parsed.pop(fr.path, None)  # the next patch parses the new bytes
                edited.append(fr)
                # Probes of this file saw the bytes before the edit.
                for name in [n for n in probed if resolve_path(m.probes[n].file) == fr.path]:
                    del probed[name]
            # Only once the whole patch is done: two of its roles may name the same file.
            for fr in edited:
                if last.get(fr.path, len(patches)) <= index:
                    finish(fr)
            for add in m.adds:
                if add.path in result.added:
                    raise Refused(f"{label(add.path)}: added by both {result.added[add.path].patches[0]} and {m.ref}")
                if add.language:
                    check_utf8(add.payload, f"{patch.directory}/{add.path}")
                    parse_checked(add.language, add.payload, f"payload {add.path} of {m.ref}")
                result.added[add.path] = AddedResult(add.path, add.payload, [m.ref])
        for fr in result.files.values():
            finish(fr)
    except PatcherError:
        confirm()  # a refusal made on a wrong expectation is not the patches' own
        raise
    confirm()
    return result
