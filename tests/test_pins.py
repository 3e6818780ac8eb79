import re

import pytest

from patcher.catalog import Catalog
from patcher.errors import Refused
from patcher.pins import read_lock, read_makefile_pins, resolve_pins, select, write_lock


def test_makefile_pins_with_continuation_and_comment(tmp_path):
    (tmp_path / "Makefile").write_text("GO_SRC ?= ~/go\nPATCHES := go/test-output-utf8@1 \\\n\tgo/testmain-bom@1  # pinned\n\napply:\n\ttrue\n")
    assert read_makefile_pins(tmp_path / "Makefile") == ["go/test-output-utf8@1", "go/testmain-bom@1"]


def test_no_pins_means_defaults(tmp_path):
    patches, source = select(Catalog(), "go", [], tmp_path)
    assert source == "defaults"
    assert [p.ref for p in patches] == ["go/test-output-utf8@1", "go/testmain-bom@1"]


def test_makefile_pins_are_used_without_patch_flags(tmp_path):
    (tmp_path / "Makefile").write_text("PATCHES := go/testmain-bom@1\n")
    patches, source = select(Catalog(), "go", [], tmp_path)
    assert [p.ref for p in patches] == ["go/testmain-bom@1"]
    assert source.endswith("Makefile")


def test_lock_file_round_trip_and_takes_precedence(tmp_path):
    cat = Catalog()
    (tmp_path / "Makefile").write_text("PATCHES := go/testmain-bom@1\n")
    write_lock(tmp_path / "patcher.lock", cat, ["go/test-output-utf8@1"])
    locked = read_lock(tmp_path / "patcher.lock")
    assert locked == {"go/test-output-utf8@1": cat.get("go/test-output-utf8@1").content_sha256}
    assert resolve_pins(tmp_path).refs == ["go/test-output-utf8@1"]


def test_pinned_patch_whose_content_changed_is_refused(tmp_path):
    (tmp_path / "patcher.lock").write_text('[patches]\n"go/test-output-utf8@1" = "sha256:' + "0" * 64 + '"\n')
    with pytest.raises(Refused) as exc:
        select(Catalog(), "go", ["go/test-output-utf8@1"], tmp_path)
    assert "go/test-output-utf8@1 is pinned at sha256 000000000000… but its content is now" in str(exc.value)
    assert "a pinned patch version must not change" in str(exc.value)


def test_the_repository_lock_file_matches_the_catalog():
    """patcher.lock in this repository pins the Makefile's PATCHES at their current content."""
    from conftest import REPO
    cat = Catalog()
    locked = read_lock(REPO / "patcher.lock")
    makefile = (REPO / "Makefile").read_text()
    pins = [ref for ln in makefile.splitlines() if re.match(r"^[A-Z_]*PATCHES :=", ln) for ref in ln.split(":=", 1)[1].split()]
    assert len(pins) == 6 and sorted(locked) == sorted(pins)
    for ref, digest in locked.items():
        assert cat.get(ref).content_sha256 == digest, f"{ref} changed: bump its version or run `make lock`"


def test_invalid_lock_file_is_refused(tmp_path):
    (tmp_path / "patcher.lock").write_text("[patches\n")
    with pytest.raises(Refused, match="patcher.lock: not a valid lock file"):
        select(Catalog(), "go", [], tmp_path)
