"""The engine, which knows no patch: parsing, anchors, rewriting, JSONC, diffs."""
