"""product.json `checksums`: keep the editor from reporting a corrupt install.

VS Code-based editors list sha256 (base64, no padding) of some files under
out/ in product.json and warn when one changes.  When a patched file is
listed, its entry is rewritten in place: only that value changes, the rest
of product.json keeps its bytes (formatting, order, line endings, and the
`//` comments and trailing commas some editors' product.json carry).
"""

from patcher.engine import jsonc
from patcher.errors import Refused
from patcher.state.hashing import sha256_b64_unpadded


def listed(product: bytes, label: str) -> dict[str, str]:
    """The checksums product.json lists (JSON with comments, read from its syntax tree)."""
    doc = jsonc.load(product, label)
    sums = doc.get("checksums") if isinstance(doc, dict) else None
    return sums if isinstance(sums, dict) else {}


def update(product: bytes, changed: dict[str, bytes], label: str) -> bytes:
    """product.json with the checksum of every listed file in `changed`
    (paths relative to out/) set to the new contents' hash; edited with
    jsonc, so only those values change."""
    sums = listed(product, label)
    new = {rel: sha256_b64_unpadded(data) for rel, data in sorted(changed.items()) if rel in sums}
    out = jsonc.set_members(product, [(["checksums", rel], value) for rel, value in new.items()], label)
    if listed(out, label) != dict(sums, **new):
        raise Refused(f"{label}: updating checksums changed more than the entries of the patched files")
    return out
