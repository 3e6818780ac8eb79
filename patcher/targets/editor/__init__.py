"""The editor (Cursor / VS Code family) target: bundles, node-pty, locating installs, product.json checksums."""
