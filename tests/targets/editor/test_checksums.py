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


def test_the_digest_is_the_one_vs_code_computes():
    """VS Code checks product.json's checksums with node's crypto: sha256, base64, '=' stripped.
    Known answer from node itself, not from patcher's own function."""
    import subprocess

    data = "patched 是 bytes\r\n".encode()
    script = ("const c=require('crypto');let b=[];process.stdin.on('data',d=>b.push(d)).on('end',()=>"
              "process.stdout.write(c.createHash('sha256').update(Buffer.concat(b)).digest('base64').replace(/=+$/,'')))")
    node = subprocess.run(["node", "-e", script], input=data, capture_output=True, check=True).stdout.decode()
    assert sha256_b64_unpadded(data) == node and len(node) == 43
