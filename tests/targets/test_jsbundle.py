import json
import shutil

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


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
@pytest.mark.parametrize("shape", ["esm", "cjs"])
def test_a_package_json_type_the_bundles_statements_contradict_costs_a_run_not_the_result(tmp_path, monkeypatch, shape):
    """The module-kind probe's answer is first taken from node's loading rule (package.json's
    "type": "module": BundleTarget._expect).  When the bundle's own statements say otherwise (a
    CommonJS bundle under "type": "module"), the check started with the expected hook is stopped
    and the run made again, the probe decided first.  Where node would load the file as CommonJS
    nothing is expected (an ES module under no type: one run).  Either way the bytes are those of
    the bundle under the type that agrees, checked by node in the kind of its statements, and
    every node started has ended."""
    import bundlegen
    from patcher.catalog.catalog import Catalog
    from patcher.targets import noderun
    from patcher.targets.editor.target import CursorTarget

    def app_with(type_: str | None, where: str):
        app = bundlegen.make_app(tmp_path / where, shape=shape, winpty=False, esm_bytes=200_000)
        package = json.loads((app / "package.json").read_text())
        package.pop("type", None)
        (app / "package.json").write_text(json.dumps(dict(package, **({"type": type_} if type_ else {}))))
        return app

    agrees = app_with("module" if shape == "esm" else None, "agrees")
    contradicts = app_with(None if shape == "esm" else "module", "contradicts")
    checked, spawned = [], []
    start, spawn = noderun.NodeChecks.start, noderun.NodeChecks._spawn
    monkeypatch.setattr(noderun.NodeChecks, "start",
                        lambda self, data, kind, label: checked.append((data, kind)) or start(self, data, kind, label))
    monkeypatch.setattr(noderun.NodeChecks, "_spawn", lambda self, kind, **kw: spawned.append(spawn(self, kind, **kw)) or spawned[-1])
    patches = Catalog().defaults("cursor")
    CursorTarget(str(agrees), tmp_path / "s1").apply(patches)
    assert len(checked) == 1, "the type agrees: one run"
    right = (agrees / "out/main.js").read_bytes()
    assert (b"__patcherCreateRequire(import.meta.url)" in right) == (shape == "esm")
    checked.clear()
    CursorTarget(str(contradicts), tmp_path / "s2").apply(patches)
    assert (contradicts / "out/main.js").read_bytes() == right
    kind = "module" if shape == "esm" else "commonjs"
    if shape == "esm":
        assert checked == [(right, kind)], [c[1] for c in checked]
    else:
        assert len(checked) == 2 and checked[0][0] != right and checked[1] == (right, kind), [c[1] for c in checked]
    assert spawned and all(p.returncode is not None for p in spawned)


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_the_checks_started_before_the_lock_end_with_a_run_that_never_prepares(tmp_path, monkeypatch):
    """warm_up starts node for each bundle before the lock is taken; a run that ends there (the
    target locked by another run) stops and awaits them (cool_down): no node is left running."""
    import bundlegen
    from patcher.catalog.catalog import Catalog
    from patcher.errors import PatcherError
    from patcher.targets import noderun
    from patcher.targets.editor.target import CursorTarget

    app = bundlegen.make_app(tmp_path / "app", shape="esm", winpty=True, esm_bytes=50_000)
    target = CursorTarget(str(app), tmp_path / "state")
    spawned = []
    spawn = noderun.NodeChecks._spawn
    monkeypatch.setattr(noderun.NodeChecks, "_spawn", lambda self, kind, **kw: spawned.append(spawn(self, kind, **kw)) or spawned[-1])
    before = {p: p.read_bytes() for p in app.rglob("*") if p.is_file()}
    with target.lock():
        with pytest.raises(PatcherError, match="locked by another patcher run"):
            CursorTarget(str(app), tmp_path / "state").apply(Catalog().defaults("cursor"))
    assert len(spawned) == 2, "main bundle and pty host: both started before the lock"
    assert all(p.returncode is not None for p in spawned)
    assert {p: p.read_bytes() for p in app.rglob("*") if p.is_file()} == before
