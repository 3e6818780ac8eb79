"""What patcher keeps of a file's text form when it edits it: the UTF-8 it
requires, the BOM it never moves, and the line ending it writes (the file's
own).  No parser here: the one-file targets and `status` use it too."""

from patcher.errors import Refused

UTF8_BOM = b"\xef\xbb\xbf"


def check_utf8(data: bytes, label: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"{label}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); patcher only edits UTF-8 files") from None


def newline_of(source: bytes, default: bytes = b"\n") -> bytes:
    """The file's dominant line ending (`default` when it has none)."""
    lf = source.count(b"\n")
    if not lf:
        return default
    crlf = source.count(b"\r\n")
    return b"\r\n" if crlf and crlf >= lf - crlf else b"\n"
