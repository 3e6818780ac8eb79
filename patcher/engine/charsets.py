"""The encoding of a text file that is not necessarily UTF-8, told from its
bytes the way Windows programs tell it: the BOM when there is one; without
one UTF-8 when the bytes are valid UTF-8, else the ANSI code page, which only
Windows has.  Windows PowerShell 5.1 writes profiles in UTF-16 LE (`>`,
`Out-File`) and in the ANSI code page (`Set-Content`), so these are ordinary
profiles, not damaged ones.

Decoding is strict: a file patcher cannot read back exactly is refused, never
guessed at.  The callers keep the original bytes as they are and encode only
what they add, so no round trip through str can change the user's part.
"""

import codecs
import sys
from dataclasses import dataclass

from patcher.errors import Refused


@dataclass(frozen=True)
class Charset:
    codec: str  # Python's codec name, without BOM handling (the BOM is ours to keep)
    name: str  # as messages say it
    bom: bytes = b""

    def decode(self, data: bytes, label: str) -> str:
        """The text after the BOM; refused, naming the first bad byte, when it is not valid."""
        try:
            return data[len(self.bom):].decode(self.codec)
        except UnicodeDecodeError as exc:
            at = len(self.bom) + exc.start
            raise Refused(f"{label}: not valid {self.name} (byte 0x{data[at]:02x} at offset {at})") from None

    def encode(self, text: str, label: str, what: str) -> bytes:
        """`text` in this encoding, no BOM; refused when a character has no form in it."""
        try:
            return text.encode(self.codec)
        except UnicodeEncodeError as exc:
            char = text[exc.start]
            raise Refused(f"{label}: {what} cannot be written in {self.name}, the file's encoding "
                          f"({char!r}, U+{ord(char):04X}, has no form in it)") from None


UTF8 = Charset("utf-8", "UTF-8")
# The UTF-32 LE BOM starts with the UTF-16 LE one, so the longer BOMs come first.
BY_BOM = (
    Charset("utf-32-le", "UTF-32 LE", codecs.BOM_UTF32_LE),
    Charset("utf-32-be", "UTF-32 BE", codecs.BOM_UTF32_BE),
    Charset("utf-8", "UTF-8", codecs.BOM_UTF8),
    Charset("utf-16-le", "UTF-16 LE", codecs.BOM_UTF16_LE),
    Charset("utf-16-be", "UTF-16 BE", codecs.BOM_UTF16_BE),
)


def by_bom(data: bytes) -> Charset | None:
    return next((cs for cs in BY_BOM if data.startswith(cs.bom)), None)


def ansi_code_page() -> str | None:
    """The codec of Windows' ANSI code page (GetACP: cp936 on a Chinese
    Windows, cp1252 on a Western one), in which Windows programs read a file
    without a BOM; None elsewhere, where no code page says what such a file
    is.  Asked of Windows itself rather than of Python's locale, which
    Python's UTF-8 mode replaces.  Tests replace this function."""
    if sys.platform != "win32":
        return None
    import ctypes

    name = f"cp{ctypes.windll.kernel32.GetACP()}"
    try:
        codecs.lookup(name)
    except LookupError:  # a code page Python has no codec for: read nothing in it
        return None
    return name


def read_text(data: bytes, label: str, ansi: str | None) -> tuple[Charset, str]:
    """The encoding of `data` and its text (BOM removed).  `ansi` is the
    ANSI code page's codec (ansi_code_page()), None where there is none."""
    found = by_bom(data)
    if found:
        return found, found.decode(data, label)
    try:
        return UTF8, data.decode("utf-8")
    except UnicodeDecodeError as exc:
        not_utf8 = f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
    if ansi is None:
        raise Refused(f"{label}: {not_utf8} and no BOM; without a BOM patcher reads a file as UTF-8, "
                      "or in the ANSI code page on Windows")
    cs = Charset(ansi, f"the ANSI code page {ansi}")
    try:
        return cs, data.decode(ansi)
    except UnicodeDecodeError as exc:
        raise Refused(f"{label}: {not_utf8}, not {ansi} either (byte 0x{data[exc.start]:02x} at offset {exc.start}), "
                      "and no BOM says what it is") from None
