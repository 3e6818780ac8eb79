"""patcher: versioned, hash-checked, reversible patches for the Go toolchain and editor bundles."""

__version__ = "0.1.0"
