import pytest

from patcher.catalog.catalog import Catalog, content_hash, parse_ref
from patcher.errors import UsageError


def test_real_catalog_has_both_go_patches():
    cat = Catalog()
    refs = [p.ref for p in cat.for_target("go")]
    assert "go/test-output-utf8@1" in refs and "go/testmain-bom@1" in refs
    assert [p.manifest.id for p in cat.defaults("go")] == ["go/test-output-utf8", "go/testmain-bom"]
    for p in cat.for_target("go"):
        assert p.manifest.releases == ("1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27")


def test_unknown_ref_names_known_versions():
    with pytest.raises(UsageError, match=r"unknown patch go/test-output-utf8@9 \(known versions: go/test-output-utf8@1\)"):
        Catalog().get("go/test-output-utf8@9")


def test_malformed_ref():
    with pytest.raises(UsageError, match="not a patch reference of the form namespace/name@VERSION"):
        parse_ref("test-output-utf8")


def test_content_hash_covers_payload_not_tests(tmp_path):
    d = tmp_path / "p"
    (d / "payload").mkdir(parents=True)
    (d / "tests" / "case").mkdir(parents=True)
    (d / "manifest.toml").write_text("x")
    (d / "payload" / "a.go").write_text("package a")
    h1 = content_hash(d)
    (d / "tests" / "case" / "before.go").write_text("anything")
    assert content_hash(d) == h1
    (d / "payload" / "a.go").write_text("package b")
    assert content_hash(d) != h1
