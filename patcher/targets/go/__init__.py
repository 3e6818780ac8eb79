"""The Go toolchain target: GOROOT, overlay, build, self-test."""
