"""Run patches over a target's files, in memory.

The engine knows nothing about any particular patch or target: it reads the
files a patch names (through callbacks the target kind supplies), checks
they are UTF-8 and parse, resolves every anchor, rewrites, and checks the
result still parses.  Patches apply in the order given, each to the output
of the previous one, so two patches may edit the same file.
"""

from dataclasses import dataclass, field
from typing import Callable

from patcher import syntax
from patcher.anchors import resolve
from patcher.catalog import Patch
from patcher.errors import Refused
from patcher.rewrite import PlannedEdit, apply_edits, newline_of

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class FileResult:
    path: str
    language: str
    original: bytes
    patched: bytes
    patches: list[str] = field(default_factory=list)


@dataclass
class AddedResult:
    path: str
    data: bytes
    patches: list[str] = field(default_factory=list)


@dataclass
class EngineResult:
    files: dict[str, FileResult] = field(default_factory=dict)
    added: dict[str, AddedResult] = field(default_factory=dict)


def check_utf8(data: bytes, label: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"{label}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); patcher only edits UTF-8 files") from None


def parse_checked(lang: str, data: bytes, label: str, after: str | None = None):
    """Parse; refuse with the first error's position if the code does not parse.

    A leading UTF-8 BOM is masked with spaces of the same length, so offsets
    stay those of the real file.
    """
    masked = b"   " + data[3:] if data.startswith(UTF8_BOM) else data
    tree = syntax.parse(lang, masked)
    err = syntax.first_error(tree)
    if err is not None:
        if after:
            raise Refused(f"{label}: {after} produced code that does not parse ({syntax.describe_error(err)}); nothing written")
        raise Refused(f"{label}: does not parse as {lang} ({syntax.describe_error(err)}); truncated or not a {lang} file?")
    return tree, masked


def apply_patches(patches: list[Patch], read: Callable[[str], bytes], resolve_path: Callable[[str], str],
                  label: Callable[[str], str], params: dict[str, str] | None = None) -> EngineResult:
    params = params or {}
    result = EngineResult()
    for patch in patches:
        m = patch.manifest
        for file, lang in m.languages.items():
            path = resolve_path(file)
            if path not in result.files:
                original = read(path)
                check_utf8(original, label(path))
                result.files[path] = FileResult(path, lang, original, original)
            current = result.files[path]
            tree, masked = parse_checked(lang, current.patched, label(path))
            newline = newline_of(current.patched)
            planned = []
            for edit in (e for e in m.edits if e.file == file):
                for span in resolve(edit, lang, masked, tree, newline, label(path)):
                    planned.append(PlannedEdit(span, edit.action, edit.code, edit.layout, edit.name))
            patched = apply_edits(current.patched, planned, params, f"{label(path)} ({m.ref})")
            parse_checked(lang, patched, label(path), after=m.ref)
            current.patched = patched
            current.patches.append(m.ref)
        for add in m.adds:
            if add.path in result.added:
                raise Refused(f"{label(add.path)}: added by both {result.added[add.path].patches[0]} and {m.ref}")
            if add.language:
                check_utf8(add.payload, f"{patch.directory}/{add.path}")
                parse_checked(add.language, add.payload, f"payload {add.path} of {m.ref}")
            result.added[add.path] = AddedResult(add.path, add.payload, [m.ref])
    return result
