"""GOROOT recognition: supported releases, release lines, upstream fingerprints."""

import pytest

from patcher.errors import Refused, UsageError
from patcher.targets.go.goroot import (GoRoot, check_supported, describe_lines, open_goroot, release_line, unsupported_reason,
                            verify_fingerprint)
from patcher.state.hashing import sha256_bytes

TEST_GO = "src/cmd/go/internal/test/test.go"


def test_release_lines():
    assert release_line("go1.25.5") == "1.25"
    assert release_line("go1.21.0") == "1.21"
    assert release_line("go1.26rc1") == "1.26"
    assert release_line("devel go1.27-abcdef") is None


def test_describe_lines():
    assert describe_lines(["1.22", "1.21", "1.23"]) == "go1.21–go1.23"
    assert describe_lines(["1.21", "1.25"]) == "go1.21, go1.25"


def test_missing_and_non_goroot(tmp_path):
    with pytest.raises(UsageError, match="missing --go-src"):
        open_goroot(None)
    with pytest.raises(UsageError, match="is not a directory"):
        open_goroot(tmp_path / "nope")
    (tmp_path / "VERSION").write_text("go1.25.5\n")
    with pytest.raises(Refused) as exc:
        open_goroot(tmp_path)
    assert str(exc.value) == f"{tmp_path}: not a GOROOT (no src/cmd/go, bin); give the directory `go env GOROOT` prints"


def test_real_goroot_is_recognised(pristine_goroot):
    g = open_goroot(pristine_goroot)
    assert g.version.startswith("go") and g.line == release_line(g.version)
    assert g.go_binary.exists()


def test_unsupported_release_names_release_and_range(tmp_path):
    g = GoRoot(tmp_path, "go1.20.14", "1.20")
    with pytest.raises(Refused) as exc:
        check_supported(g, [("go/test-output-utf8@1", ("1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"))])
    assert str(exc.value) == f"{tmp_path}: go1.20.14 is not supported by go/test-output-utf8@1 (supported: go1.21–go1.27); nothing changed"


def test_fingerprint_of_real_file_matches(pristine_goroot):
    g = open_goroot(pristine_goroot)
    data = (pristine_goroot / TEST_GO).read_bytes()
    assert verify_fingerprint(g, TEST_GO, data, force=False) == (sha256_bytes(data), True)


def test_edited_file_is_refused_unless_forced(pristine_goroot):
    g = open_goroot(pristine_goroot)
    data = (pristine_goroot / TEST_GO).read_bytes() + b"\n// my local change\n"
    with pytest.raises(Refused) as exc:
        verify_fingerprint(g, TEST_GO, data, force=False)
    assert f"is not the known one for {g.version}" in str(exc.value)
    assert "the file was probably edited; use --force to patch it anyway" in str(exc.value)
    assert verify_fingerprint(g, TEST_GO, data, force=True) == (sha256_bytes(data), False)


def test_unlisted_patch_release_accepts_an_upstream_sibling_file(pristine_goroot):
    g = open_goroot(pristine_goroot)
    newer = GoRoot(g.root, f"go{g.line}.99", g.line)
    data = (pristine_goroot / TEST_GO).read_bytes()
    assert verify_fingerprint(newer, TEST_GO, data, force=False) == (sha256_bytes(data), True)
    # Not an upstream file we know: unverified (the caller proves the result), or refused with --strict.
    assert verify_fingerprint(newer, TEST_GO, data + b"//", force=False) == (sha256_bytes(data + b"//"), False)
    with pytest.raises(Refused, match=f"go{g.line}.99 is a release this patcher has no fingerprints for, and --strict refuses"):
        verify_fingerprint(newer, TEST_GO, data + b"//", force=False, strict=True)


def test_a_newer_release_line_is_not_refused_an_older_one_is(tmp_path):
    lines = ("1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27")
    assert unsupported_reason(GoRoot(tmp_path, "go1.28.0", "1.28"), "go/x@1", lines) is None
    assert unsupported_reason(GoRoot(tmp_path, "go1.20.14", "1.20"), "go/x@1", lines) == \
        "go1.20.14 is not supported by go/x@1 (supported: go1.21–go1.27)"
    assert "is not supported" in unsupported_reason(GoRoot(tmp_path, "devel go1.28-abc", None), "go/x@1", lines)
