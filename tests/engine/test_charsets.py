"""engine/charsets.py: a file's encoding told from its bytes, strictly."""

import codecs
import sys

import pytest

from patcher.engine.charsets import UTF8, Charset, ansi_code_page, by_bom, read_text
from patcher.errors import Refused

TEXT = "张三 😀\r\n"


@pytest.mark.parametrize("codec, bom", [("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
                                        ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-32-le", codecs.BOM_UTF32_LE),
                                        ("utf-32-be", codecs.BOM_UTF32_BE)])
def test_a_bom_says_the_encoding(codec, bom):
    charset, text = read_text(bom + TEXT.encode(codec), "f", ansi=None)
    assert (charset.codec, charset.bom, text) == (codec, bom, TEXT)


def test_utf32_le_is_not_taken_for_utf16_le_its_bom_starts_with():
    data = codecs.BOM_UTF32_LE + "a".encode("utf-32-le")
    assert data.startswith(codecs.BOM_UTF16_LE)
    assert by_bom(data).codec == "utf-32-le"


def test_without_a_bom_utf8_comes_first_then_the_ansi_code_page():
    assert read_text(TEXT.encode("utf-8"), "f", ansi="cp936") == (UTF8, TEXT)
    charset, text = read_text("张三\r\n".encode("cp936"), "f", ansi="cp936")
    assert (charset.codec, charset.bom, text) == ("cp936", b"", "张三\r\n")


def test_damaged_text_after_a_bom_is_refused_at_the_first_bad_byte():
    lone_surrogate = codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xd8" + "c".encode("utf-16-le")
    with pytest.raises(Refused) as exc:
        read_text(lone_surrogate, "/p/f", ansi="cp936")
    assert str(exc.value) == "/p/f: not valid UTF-16 LE (byte 0x00 at offset 6)"
    with pytest.raises(Refused, match=r"^/p/f: not valid UTF-16 BE \(byte 0x61 at offset 2\)$"):
        read_text(codecs.BOM_UTF16_BE + b"a", "/p/f", ansi=None)  # half a character


def test_encode_refuses_a_character_the_encoding_has_no_form_for():
    with pytest.raises(Refused) as exc:
        Charset("cp936", "the ANSI code page cp936").encode("ok 😀", "/p/f", "the block")
    assert str(exc.value) == ("/p/f: the block cannot be written in the ANSI code page cp936, the file's encoding "
                              "('😀', U+1F600, has no form in it)")


@pytest.mark.skipif(sys.platform == "win32", reason="GetACP exists on Windows only")
def test_there_is_no_ansi_code_page_off_windows():
    assert ansi_code_page() is None
