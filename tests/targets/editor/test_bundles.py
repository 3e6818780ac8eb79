import json

import pytest

import bundlegen
from patcher.targets.editor import bundles
from patcher.errors import NotApplicable, Refused


def test_main_bundle_follows_package_json(tmp_path):
    app = bundlegen.make_app(tmp_path, shape="cjs", winpty=False, main="./out/boot/main")
    (app / "out/boot/main").rename(app / "out/boot/main.js")
    assert bundles.main_bundle(app) == "out/boot/main.js"
    (app / "package.json").write_text(json.dumps({"main": "../../etc/passwd"}))
    with pytest.raises(Refused, match="points outside the app directory"):
        bundles.main_bundle(app)
    (app / "package.json").write_text(json.dumps({"name": "x"}))
    with pytest.raises(Refused, match='has no "main" entry'):
        bundles.main_bundle(app)


def test_pty_host_found_by_structure_when_not_at_the_usual_place(tmp_path):
    app = bundlegen.make_app(tmp_path, shape="esm", winpty=True, esm_bytes=50_000)
    moved = app / "out" / "vs" / "platform" / "terminal" / "node" / "terminalHost.js"
    (app / bundles.PTY_HOST_DEFAULT).rename(moved)
    assert bundles.pty_host(app) == moved.relative_to(app).as_posix()
    moved.unlink()
    with pytest.raises(NotApplicable, match="no pty host bundle"):
        bundles.pty_host(app)


def test_a_vscode_server_build_names_no_main_its_entry_is_server_main(tmp_path):
    app = bundlegen.make_app(tmp_path, shape="esm", winpty=False, esm_bytes=20_000)
    (app / "package.json").write_text(json.dumps({"name": "code-oss-dev", "type": "module"}))
    with pytest.raises(Refused, match='has no "main" entry'):
        bundles.main_bundle(app)
    (app / "out/main.js").rename(app / bundles.SERVER_MAIN)
    assert bundles.main_bundle(app) == "out/server-main.js"


def test_pty_options_by_structure_not_by_word():
    assert bundles._has_pty_options(b"const o={name:n,cols:c,useConpty:u};")
    assert bundles._has_pty_options(b"const o={name,cols,useConpty};")
    assert not bundles._has_pty_options(b"var useConpty=1;const o={a:1,b};/* useConpty */")


def test_pty_host_with_shorthand_options_found_by_structure(tmp_path):
    app = bundlegen.make_app(tmp_path, shape="esm", winpty=True, esm_bytes=20_000, unminified_pty=True)
    moved = app / "out" / "vs" / "platform" / "terminal" / "node" / "terminalProcess.js"
    (app / bundles.PTY_HOST_DEFAULT).rename(moved)
    assert bundles.pty_host(app) == moved.relative_to(app).as_posix()
