"""extensions.json, the list of extensions a VS Code-family editor loads from
one extensions folder (`~/.cursor/extensions/extensions.json`, ...).

The editor writes it itself (on every install, update and uninstall), so
patcher reads it as the editor's record and, where it adds an entry (the
companion of `patcher keep`), changes nothing else: the entry is spliced in
before the closing bracket, and taken out again the same way, so every other
byte stays where the editor put it.
"""

import json
import urllib.parse
import urllib.request
from pathlib import Path, PurePath
from urllib.parse import quote

from patcher.engine.text import UTF8_BOM
from patcher.errors import Refused

NAME = "extensions.json"


def parse(data: bytes, label: str) -> list:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"{label}: not readable JSON ({exc})") from None
    if not isinstance(doc, list):
        raise Refused(f"{label}: not a list of extensions")
    return doc


def load(extensions: Path) -> list | None:
    """The entries of a folder's extensions.json (None: the folder has none)."""
    path = extensions / NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Refused(f"{path}: cannot read ({exc.strerror})") from None
    return parse(data, str(path))


def entry_id(entry) -> str:
    ident = entry.get("identifier") if isinstance(entry, dict) else None
    return str(ident.get("id", "")).lower() if isinstance(ident, dict) else ""


def location(entry: dict, extensions: Path) -> Path | None:
    """Where an entry's folder is: relativeLocation (newer editors), else
    location (a file URI, as a string or as a parsed URI object)."""
    rel = entry.get("relativeLocation")
    if isinstance(rel, str) and rel:
        return extensions / rel
    loc = entry.get("location")
    if isinstance(loc, dict):
        if isinstance(loc.get("fsPath"), str):
            return Path(loc["fsPath"])
        loc = "file://" + loc["path"] if isinstance(loc.get("path"), str) else None
    if isinstance(loc, str) and loc.startswith("file:"):
        return Path(urllib.request.url2pathname(urllib.parse.urlparse(loc).path))
    return None


def folders_of(extensions: Path, ext_id: str) -> list[Path] | None:
    """The folders extensions.json lists for an extension id (None: no extensions.json)."""
    entries = load(extensions)
    if entries is None:
        return None
    found = (location(e, extensions) for e in entries if entry_id(e) == ext_id.lower())
    return [f for f in found if f is not None]


def file_location(where: PurePath) -> dict:
    """A folder as the editor's URI object (vscode-uri) writes a file URI into extensions.json:
    `path` with '/' (a '/' before a Windows drive), `fsPath` the native form with the drive
    letter lower-cased and `_sep` saying it uses '\\', `external` percent-encoded."""
    posix = where.as_posix()
    if where.drive:
        drive = where.drive[0].lower()
        return {"$mid": 1, "fsPath": drive + str(where)[1:], "_sep": 1,
                "external": f"file:///{drive}%3A" + quote(posix[2:], safe="/"), "path": "/" + posix, "scheme": "file"}
    return {"$mid": 1, "fsPath": str(where), "external": "file://" + quote(posix, safe="/"), "path": posix, "scheme": "file"}


def _entry_spans(text: str) -> list[tuple[int, int]]:
    """Where each top-level entry of the list is in the text."""
    decoder = json.JSONDecoder()
    at, spans = text.index("[") + 1, []
    while True:
        while text[at] in " \t\r\n,":
            at += 1
        if text[at] == "]":
            return spans
        _, end = decoder.raw_decode(text, at)
        spans.append((at, end))
        at = end


def with_entry(data: bytes, entry: dict, label: str) -> bytes:
    """extensions.json with `entry` added last (written as the editor writes
    its entries: compact JSON); an entry of the same id is refused, not doubled."""
    entries = parse(data, label)
    if any(entry_id(e) == entry_id(entry) for e in entries):
        raise Refused(f"{label}: already lists {entry_id(entry)}")
    bom = UTF8_BOM if data.startswith(UTF8_BOM) else b""
    text = data[len(bom):].decode("utf-8")
    spans = _entry_spans(text)
    # Right after the last entry (or the opening bracket): without_entry takes out exactly this.
    at = spans[-1][1] if spans else text.index("[") + 1
    piece = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    new = bom + (text[:at] + ("," if spans else "") + piece + text[at:]).encode("utf-8")
    if parse(new, label) != entries + [entry]:
        raise Refused(f"{label}: adding an entry would change more than that entry; nothing written")
    return new


def without_entry(data: bytes, ext_id: str, label: str) -> bytes:
    """extensions.json without the entries of `ext_id`, every other byte kept
    (the editor may have rewritten the file since the entry was added)."""
    entries = parse(data, label)
    keep = [e for e in entries if entry_id(e) != ext_id.lower()]
    if len(keep) == len(entries):
        return data
    bom = UTF8_BOM if data.startswith(UTF8_BOM) else b""
    text = data[len(bom):].decode("utf-8")
    spans = _entry_spans(text)
    # Last first, so earlier offsets stay right; each entry goes with the
    # separator before it (the first one with the separator after it).
    for k in reversed([k for k, e in enumerate(entries) if entry_id(e) == ext_id.lower()]):
        if k > 0:
            cut = (spans[k - 1][1], spans[k][1])
        elif len(spans) > 1:
            cut = (spans[0][0], spans[1][0])
        else:
            cut = spans[0]
        text = text[:cut[0]] + text[cut[1]:]
        spans = [(s - (cut[1] - cut[0]), e - (cut[1] - cut[0])) if s >= cut[1] else (s, e)
                 for i, (s, e) in enumerate(spans) if i != k]
    new = bom + text.encode("utf-8")
    if parse(new, label) != keep:
        raise Refused(f"{label}: removing an entry would change more than that entry; nothing written")
    return new
