"""product.json `checksums`: keep the editor from reporting a corrupt install.

VS Code-based editors list sha256 (base64, no padding) of some files under
out/ in product.json and warn when one changes.  When a patched file is
listed, its entry is rewritten in place: only that value changes, the rest
of product.json keeps its bytes (formatting, order, line endings).
"""

import json
import re

from patcher.errors import Refused
from patcher.hashing import sha256_b64_unpadded


def listed(product: bytes, label: str) -> dict[str, str]:
    try:
        doc = json.loads(product.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"{label}: not valid JSON ({exc})") from None
    sums = doc.get("checksums") if isinstance(doc, dict) else None
    return sums if isinstance(sums, dict) else {}


def _key_pattern(key: str) -> bytes:
    # JSON may escape "/" as "\/"; match either spelling of the key.
    return b"".join(rb"\\?/" if ch == "/" else re.escape(ch.encode("utf-8")) for ch in key)


def update(product: bytes, changed: dict[str, bytes], label: str) -> bytes:
    """product.json with the checksum of every listed file in `changed`
    (paths relative to out/) set to the new contents' hash."""
    sums = listed(product, label)
    out = product
    for rel, data in sorted(changed.items()):
        if rel not in sums:
            continue
        old, new = sums[rel], sha256_b64_unpadded(data)
        pattern = rb'("' + _key_pattern(rel) + rb'"\s*:\s*")' + re.escape(str(old).encode("ascii", "replace")) + rb'"'
        matches = list(re.finditer(pattern, out))
        if len(matches) != 1:
            raise Refused(f"{label}: cannot find the checksums entry for {rel} exactly once")
        m = matches[0]
        out = out[:m.start()] + m.group(1) + new.encode("ascii") + b'"' + out[m.end():]
    expected = dict(sums, **{rel: sha256_b64_unpadded(d) for rel, d in changed.items() if rel in sums})
    if listed(out, label) != expected:
        raise Refused(f"{label}: updating checksums changed more than the entries of the patched files")
    return out
