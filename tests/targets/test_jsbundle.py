import json

import pytest

import bundlegen
from patcher.errors import Refused
from patcher.targets import jsbundle


def test_module_kind_from_the_file_itself():
    from patcher.engine import syntax
    assert jsbundle.module_kind(syntax.parse("javascript", bundlegen.esm_main(20_000).encode())) == "module"
    assert jsbundle.module_kind(syntax.parse("javascript", bundlegen.cjs_main().encode())) == "commonjs"


def test_a_package_json_entry_must_name_a_file_inside_the_folder(tmp_path):
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "goMain.js").write_text("1;\n")
    assert jsbundle.package_file(tmp_path, "./dist/goMain", '"main"', "the bundle", "the folder") == "dist/goMain.js"
    assert jsbundle.package_file(tmp_path, ".\\dist\\goMain.js", '"main"', "the bundle", "the folder") == "dist/goMain.js"
    for value, why in (("../x.js", 'points outside the folder'), ("", 'has no "main" entry naming the bundle'),
                       ("./dist/none.js", "the bundle package.json names does not exist")):
        with pytest.raises(Refused, match=why):
            jsbundle.package_file(tmp_path, value, '"main"', "the bundle", "the folder")
    (tmp_path / "package.json").write_text(json.dumps([1]))
    with pytest.raises(Refused, match="package.json: not a JSON object"):
        jsbundle.read_package_json(tmp_path, "x")
