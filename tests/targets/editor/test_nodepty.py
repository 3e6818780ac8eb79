"""node-pty's winpty backend, from its own files (nodepty.py)."""

import json
import shutil

import pytest

import bundlegen
from patcher.targets.editor import nodepty


@pytest.mark.parametrize("version,has", [
    ("0.10.1", True), ("1.0.0", True), ("1.1.0-beta11", True), ("1.1.0-beta43", True), ("1.1.0", True),
    ("1.2.0-beta.1", True), ("1.2.0-beta.6", True),  # measured on npm: beta.6 still ships winpty
    ("1.2.0-beta.7", False), ("1.2.0-beta.10", False), ("1.2.0-beta.15", False), ("1.2.0", False), ("1.3.1", False),
    ("^1.1.0-beta22", None), ("latest", None), ("", None),
])
def test_version_rule_from_the_releases_on_npm(version, has):
    assert nodepty.version_has_winpty(version) is has


def app_with(tmp_path, **kw):
    return bundlegen.make_app(tmp_path / "ed", shape="cjs", esm_bytes=10_000, **kw)


def test_agent_and_version_agree_yes_and_no(tmp_path):
    yes, why = nodepty.verdict(app_with(tmp_path / "a", winpty=True))
    assert yes and "is node-pty 1.1.0-beta34, which has winpty" in why and "loads a winpty module (pty)" in why
    no, why = nodepty.verdict(app_with(tmp_path / "b", winpty=False))
    assert not no and why.startswith("the editor's node-pty has no winpty backend (")
    assert "conpty only" in why and "1.2.0-beta.10, which has no winpty" in why


def test_evidence_that_disagrees_is_no(tmp_path):
    # An agent that loads winpty, in a package that says it is a release without winpty.
    app = app_with(tmp_path, winpty=True, node_pty="1.2.0-beta.10")
    has, why = nodepty.verdict(app)
    assert not has and why.startswith("the evidence about node-pty's winpty backend disagrees (")


def test_windows_binaries_beside_conpty_node(tmp_path):
    app = app_with(tmp_path, winpty=True)
    release = app / "node_modules/node-pty/build/Release"
    release.mkdir(parents=True)
    for name in ("conpty.node", "pty.node", "winpty.dll", "winpty-agent.exe"):
        (release / name).write_bytes(b"MZ fixture")
    assert nodepty.verdict(app)[0] is True
    (release / "winpty-agent.exe").unlink()
    has, why = nodepty.verdict(app)
    assert not has and "disagrees" in why and "conpty.node without winpty-agent.exe" in why


def test_packed_modules_asar_unpacked(tmp_path):
    """Electron apps keep native modules in node_modules.asar.unpacked."""
    app = app_with(tmp_path, winpty=True)
    shutil.move(app / "node_modules/node-pty", app / "node_modules.asar.unpacked/node-pty")
    (app / "node_modules.asar.unpacked/node-pty/package.json").unlink()
    (app / "node_modules.asar.unpacked/node-pty/lib/windowsPtyAgent.js").unlink()
    unpacked = app / "node_modules.asar.unpacked/node-pty/build/Release"
    unpacked.mkdir(parents=True)
    for name in ("conpty.node", "winpty.dll", "winpty-agent.exe"):
        (unpacked / name).write_bytes(b"MZ")
    has, why = nodepty.verdict(app)
    assert has and why == "node_modules.asar.unpacked/node-pty/build/Release: winpty.dll and winpty-agent.exe beside conpty.node"


def test_without_node_pty_files_the_pinned_version_decides(tmp_path):
    app = app_with(tmp_path, winpty=True)
    shutil.rmtree(app / "node_modules/node-pty")
    has, why = nodepty.verdict(app)
    assert not has and why.startswith(f"cannot tell whether the editor's node-pty has a winpty backend: no node-pty in {app} "
                                      "(node_modules/node-pty or node_modules.asar.unpacked/node-pty)")
    pkg = json.loads((app / "package.json").read_text())
    (app / "package.json").write_text(json.dumps(dict(pkg, dependencies={"node-pty": "^1.1.0"})))
    assert nodepty.verdict(app)[0] is False, "a range is not a version: no evidence"
    (app / "package.json").write_text(json.dumps(dict(pkg, dependencies={"node-pty": "1.1.0-beta35"})))
    assert nodepty.verdict(app) == (True, "package.json: depends on exactly node-pty 1.1.0-beta35, which has winpty")
    (app / "npm-shrinkwrap.json").write_text(json.dumps({"packages": {"node_modules/node-pty": {"version": "1.2.0-beta.12"}}}))
    has, why = nodepty.verdict(app)
    assert not has and "npm-shrinkwrap.json: pins node-pty 1.2.0-beta.12, which has no winpty" in why
