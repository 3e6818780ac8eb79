import json

import pytest

from patcher.errors import Refused
from patcher.targets import jsbundle


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


def test_the_kind_a_check_is_started_with_is_the_one_node_would_load_the_file_as(tmp_path):
    from patcher.targets.jsbundle import BundleTarget

    app = tmp_path / "app"
    (app / "out" / "sub").mkdir(parents=True)
    target = BundleTarget(app, tmp_path / "state")
    assert target.node_kind("out/x.mjs") == "module" and target.node_kind("out/x.cjs") == "commonjs"
    assert target.node_kind("out/x.js") == "commonjs", "no package.json up to the root"
    (app / "package.json").write_text(json.dumps({"type": "module"}))
    assert target.node_kind("out/sub/x.js") == "module"
    (app / "out" / "package.json").write_text(json.dumps({"name": "nearest, without a type"}))
    assert target.node_kind("out/sub/x.js") == "commonjs", "the nearest package.json decides, as in node"
    (app / "out" / "package.json").write_text("{ not json")
    assert target.node_kind("out/sub/x.js") == "commonjs"
