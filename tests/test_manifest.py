"""A broken patch is refused when the catalog loads, naming file and key."""

import textwrap

import pytest

from patcher.catalog import Catalog
from patcher.errors import CatalogError

GOOD = '''
id = "demo/thing"
version = 1
target = "go"
summary = "s"
releases = ["1.25"]

[[files]]
path = "src/x.go"
language = "go"

[[edits]]
name = "the function f"
file = "src/x.go"
action = "insert-after"
code = "// hi"
anchor = ['(function_declaration name: (identifier) @_n (#eq? @_n "f")) @anchor']
'''


def make_catalog(tmp_path, manifest: str, payloads: dict | None = None):
    d = tmp_path / "patches" / "demo" / "thing" / "1"
    d.mkdir(parents=True)
    (d / "manifest.toml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    for rel, data in (payloads or {}).items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_bytes(data)
    return tmp_path / "patches", d / "manifest.toml"


def refused(tmp_path, manifest, payloads=None) -> str:
    root, path = make_catalog(tmp_path, manifest, payloads)
    with pytest.raises(CatalogError) as exc:
        Catalog(root)
    msg = str(exc.value)
    assert "\n" not in msg
    return msg.replace(str(path), "MANIFEST")


def test_good_manifest_loads(tmp_path):
    root, _ = make_catalog(tmp_path, GOOD)
    (p,) = Catalog(root).all()
    assert p.ref == "demo/thing@1"
    assert p.manifest.edits[0].steps[0].query.startswith("(function_declaration")


def test_path_escaping_the_target_is_refused(tmp_path):
    msg = refused(tmp_path, GOOD.replace('path = "src/x.go"', 'path = "../outside.go"'))
    assert msg == "MANIFEST: files[0].path: path '../outside.go' escapes its target (must be relative, '/'-separated, without '..')"


def test_absolute_and_windows_paths_are_refused(tmp_path):
    assert "escapes its target" in refused(tmp_path, GOOD.replace('path = "src/x.go"', 'path = "C:/x.go"'))


def test_payload_outside_the_patch_directory_is_refused(tmp_path):
    m = GOOD + '\n[[adds]]\npath = "src/y.go"\npayload = "../../../../etc/passwd"\n'
    assert refused(tmp_path, m) == "MANIFEST: adds[0].payload: path '../../../../etc/passwd' escapes its target (must be relative, '/'-separated, without '..')"


def test_unknown_edit_kind_is_refused(tmp_path):
    msg = refused(tmp_path, GOOD.replace('action = "insert-after"', 'action = "frobnicate"'))
    assert msg == "MANIFEST: edits[0].action: unknown edit kind 'frobnicate' (expected one of insert-before, insert-after, replace)"


def test_wrong_type_is_refused(tmp_path):
    msg = refused(tmp_path, GOOD.replace("version = 1", 'version = "1"'))
    assert msg == "MANIFEST: version: expected int, got str '1'"
    assert refused(tmp_path / "b", GOOD.replace("version = 1", "version = true")) \
        .endswith("version: expected int, got bool True")


def test_missing_key_and_unknown_key(tmp_path):
    assert refused(tmp_path, GOOD.replace('summary = "s"\n', "")) == "MANIFEST: summary: missing"
    assert refused(tmp_path / "b", 'colour = "red"\n' + GOOD) == "MANIFEST: colour: unknown key"
    assert refused(tmp_path / "c", GOOD + 'colour = "red"\n') == "MANIFEST: edits[0].colour: unknown key"


def test_invalid_query_is_refused_at_load(tmp_path):
    msg = refused(tmp_path, GOOD.replace("(function_declaration name", "(function_declaration nme"))
    assert msg.startswith("MANIFEST: edits[0].anchor[0]: invalid go query (")


def test_query_without_anchor_capture_is_refused(tmp_path):
    msg = refused(tmp_path, GOOD.replace(") @anchor']", ")']"))
    assert msg == "MANIFEST: edits[0].anchor[0].query: the query must capture the anchored node as @anchor"


def test_id_must_match_directory(tmp_path):
    assert refused(tmp_path, GOOD.replace('id = "demo/thing"', 'id = "demo/other"')) == \
        "MANIFEST: id: demo/other@1 does not match its directory (demo/thing@1)"


def test_invalid_toml(tmp_path):
    assert refused(tmp_path, "id = ").startswith("MANIFEST: invalid TOML (")


def test_edit_on_unlisted_file(tmp_path):
    assert refused(tmp_path, GOOD.replace('file = "src/x.go"', 'file = "src/other.go"')) == \
        "MANIFEST: edits[0].file: 'src/other.go' is not listed under [[files]]"
