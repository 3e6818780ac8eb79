"""The Go extension (golang.go) target: finding installs, its bundles' roles."""
