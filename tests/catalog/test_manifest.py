"""A broken patch is refused when the catalog loads, naming file and key."""

import textwrap

import pytest

from patcher.catalog.catalog import Catalog
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


def test_applies_if_must_list_probe_names(tmp_path):
    assert refused(tmp_path, 'applies_if = 5\n' + GOOD) == "MANIFEST: applies_if: expected list, got int 5"
    assert refused(tmp_path / "b", 'applies_if = [1]\n' + GOOD) == "MANIFEST: applies_if: expected probe names, got int 1"
    assert refused(tmp_path / "c", 'applies_if = ["p"]\n' + GOOD) == "MANIFEST: applies_if: unknown probe 'p'"


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


NAMED = GOOD.replace('''anchor = ['(function_declaration name: (identifier) @_n (#eq? @_n "f")) @anchor']''', '''anchor = [{ use = "f" }, '(comment) @anchor']

[[edits]]
name = "the function f again"
file = "src/x.go"
action = "insert-before"
code = "// before"
anchor = "f"

[anchors]
f = ['(function_declaration name: (identifier) @_n (#eq? @_n "f")) @anchor']''')


def test_named_anchors_are_written_once_and_used_by_name(tmp_path):
    root, _ = make_catalog(tmp_path, NAMED)
    (p,) = Catalog(root).all()
    first, second = p.manifest.edits
    assert first.steps[0] == second.steps[0] == p.manifest.anchors["f"][0]
    assert first.steps[1].query == "(comment) @anchor" and len(second.steps) == 1
    assert refused(tmp_path / "b", NAMED.replace('anchor = "f"', 'anchor = "g"')) == \
        "MANIFEST: edits[1].anchor: unknown anchor 'g' (not under [anchors])"
    assert refused(tmp_path / "c", NAMED.replace('{ use = "f" }', '{ use = "h" }')) == \
        "MANIFEST: edits[0].anchor[0].use: unknown anchor 'h' (not under [anchors])"


def test_a_section_of_another_target_kind_is_refused(tmp_path):
    msg = refused(tmp_path, GOOD + '\n[[members]]\npath = ["a"]\nvalue = 1\n')
    assert msg == "MANIFEST: members: not a section of a go patch"


def test_the_json_schema_is_generated_from_the_same_specs_and_fits_every_manifest(tmp_path):
    """patches/manifest.schema.json is what `make schema` writes; every real
    manifest validates against it, and a manifest the loader refuses does not."""
    import json
    import tomllib

    import jsonschema

    from conftest import REPO
    from patcher.catalog.schema import json_schema
    schema = json_schema()
    committed = json.loads((REPO / "patches" / "manifest.schema.json").read_text(encoding="utf-8"))
    assert committed == schema, "run `make schema`"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((REPO / "patches").glob("*/*/*/manifest.toml")):
        errors = list(validator.iter_errors(tomllib.loads(path.read_text(encoding="utf-8"))))
        assert not errors, f"{path}: {errors[0].message}"
    assert not list(validator.iter_errors(tomllib.loads(NAMED)))
    for bad in (GOOD.replace('action = "insert-after"', 'action = "frobnicate"'), 'colour = "red"\n' + GOOD,
                GOOD + '\n[[members]]\npath = ["a"]\nvalue = 1\n', GOOD.replace('summary = "s"\n', "")):
        assert list(validator.iter_errors(tomllib.loads(bad))), bad


def test_an_unknown_query_predicate_is_refused_at_load(tmp_path):
    """tree-sitter takes a predicate it does not know as true: a typo would widen the anchor."""
    msg = refused(tmp_path, GOOD.replace('(#eq? @_n "f")', '(#eq? @_n "f") (#patcher-decode-chunk? @_n)'))
    assert msg.startswith("MANIFEST: edits[0].anchor[0]: unknown query predicate #patcher-decode-chunk? (the engine's own: ")


def test_only_a_file_role_can_be_optional(tmp_path):
    msg = refused(tmp_path, GOOD.replace('language = "go"\n', 'language = "go"\noptional = true\n', 1))
    assert msg == "MANIFEST: files[0].optional: only a file role (@name) can be optional: a path is either there or missing"
