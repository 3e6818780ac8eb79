#!/usr/bin/env python3
"""Write patches/manifest.schema.json, the JSON Schema of manifest.toml, from
the same key specifications the loader checks (patcher/catalog/spec.py).
`make schema`; tests/catalog/test_manifest.py checks the committed file is current.
Editors that read JSON Schema for TOML (e.g. Taplo / Even Better TOML) use it
with a first line `#:schema ../../../manifest.schema.json` in a manifest."""

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from patcher.catalog.schema import json_schema  # noqa: E402

out = REPO / "patches" / "manifest.schema.json"
out.write_text(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print(out)
