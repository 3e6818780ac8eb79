"""Content hashes used everywhere a file is checked before or after a change."""

import base64
import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_file_or_none(path: Path) -> str | None:
    """The file's hash, or None when it does not exist."""
    try:
        return sha256_file(path)
    except FileNotFoundError:
        return None


def sha256_b64_unpadded(data: bytes) -> str:
    """The form VS Code's product.json `checksums` use."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii").rstrip("=")
