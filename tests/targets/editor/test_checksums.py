import json

import pytest

from patcher.targets.editor import checksums
from patcher.errors import Refused
from patcher.state.hashing import sha256_b64_unpadded

PRODUCT = (b'{\r\n\t"nameShort": "Cursor",\r\n\t"checksums": {\r\n\t\t"vs/workbench/workbench.desktop.main.js": "AAAA",\r\n'
           b'\t\t"vs\\/platform\\/terminal\\/node\\/ptyHostMain.js": "BBBB"\r\n\t},\r\n\t"quality": "stable"\r\n}\r\n')


def test_only_the_listed_entry_changes_and_formatting_is_kept():
    new = checksums.update(PRODUCT, {"vs/platform/terminal/node/ptyHostMain.js": b"patched", "main.js": b"x"}, "product.json")
    digest = sha256_b64_unpadded(b"patched")
    assert new == PRODUCT.replace(b'"BBBB"', f'"{digest}"'.encode())
    assert "=" not in digest and len(digest) == 43
    assert json.loads(new)["checksums"]["vs/platform/terminal/node/ptyHostMain.js"] == digest


def test_not_listed_means_unchanged():
    assert checksums.update(PRODUCT, {"main.js": b"x"}, "product.json") == PRODUCT


def test_invalid_product_json_is_refused():
    with pytest.raises(Refused, match="product.json: not valid JSON"):
        checksums.update(b"{nope", {}, "product.json")


def test_product_json_with_comments_and_trailing_commas_keeps_them():
    """Older Cursor releases wrote // comments into product.json."""
    product = (b'// product configuration\n{\n\t"nameShort": "Cursor",\n\t// checked at startup\n\t"checksums": {\n'
               b'\t\t"vs/platform/terminal/node/ptyHostMain.js": "BBBB", // the pty host\n'
               b'\t\t"vs/workbench/workbench.desktop.main.js": "AAAA",\n\t},\n}\n')
    assert checksums.listed(product, "product.json") == {"vs/platform/terminal/node/ptyHostMain.js": "BBBB",
                                                          "vs/workbench/workbench.desktop.main.js": "AAAA"}
    new = checksums.update(product, {"vs/platform/terminal/node/ptyHostMain.js": b"patched"}, "product.json")
    assert new == product.replace(b'"BBBB"', f'"{sha256_b64_unpadded(b"patched")}"'.encode())
