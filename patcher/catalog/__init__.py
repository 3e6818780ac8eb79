"""The patch catalog: manifests, the catalog, pins, a patch's own cases."""
