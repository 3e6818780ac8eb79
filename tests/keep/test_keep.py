"""`patcher keep` and `patcher apply --kept`, through the real CLI: what is
kept, the companion installed and removed byte for byte, simulated updates
(a fresh main.js, a new golang.go folder, a GOROOT replaced by a fresh copy)
each patched again by `apply --kept`, a run with nothing to do changing no
byte, and the companion's own activate() run against a stand-in vscode."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import bundlegen
from conftest import ODD_DIR, TESTS, copy_goext, gobin, goext_builds, next_version, run_patcher, tree_digest

GOEXT = "goext/utf8-stream-decode@1"
COMPANION = "patcher.patcher-keep-1.0.0"


@pytest.fixture
def home(tmp_path):
    home = tmp_path / ODD_DIR / "home"
    (home / ".cursor" / "extensions").mkdir(parents=True)
    return home


def cli(home, *args, check=True):
    return run_patcher(*args, env={"HOME": str(home), "USERPROFILE": str(home)}, check=check)


def install_go_ext(home, build, version=None):
    """A golang.go folder in Cursor's extensions, listed in extensions.json as the editor lists it."""
    extensions = home / ".cursor" / "extensions"
    version = version or build.name.split("-", 1)[1]
    ext = copy_goext(build, extensions, f"golang.go-{version}-universal")
    if version != build.name.split("-", 1)[1]:
        pkg = json.loads((ext / "package.json").read_text(encoding="utf-8"))
        (ext / "package.json").write_text(json.dumps(dict(pkg, version=version)), encoding="utf-8")
    entries = [e for e in json.loads((extensions / "extensions.json").read_text()) if e["identifier"]["id"] != "golang.go"] \
        if (extensions / "extensions.json").exists() else []
    # The editor rewrites the whole file (compact JSON), keeping the other entries.
    entries.append({"identifier": {"id": "golang.go"}, "version": version, "relativeLocation": ext.name,
                    "location": {"$mid": 1, "path": ext.as_posix(), "scheme": "file"}})
    (extensions / "extensions.json").write_text(json.dumps(entries, separators=(",", ":")))
    return ext


def states(home, state, *target) -> list[str]:
    report = json.loads(cli(home, "status", *target, "--state-dir", state, "--json").stdout)
    return [p["state"] for p in report["patches"]]


def activate(companion, tmp_path) -> dict:
    """The companion's activate(), as the editor's extension host calls it at onStartupFinished."""
    out = tmp_path / "shown.json"
    subprocess.run(["node", str(TESTS / "js" / "companion-activate.cjs"), str(companion), str(tmp_path / "globalState.json"),
                    str(out)], check=True, timeout=600)
    return json.loads(out.read_text())


@pytest.mark.parametrize("build", goext_builds()[-1:])
def test_keep_then_updates_of_the_editor_and_the_go_extension(build, home, tmp_path):
    state = tmp_path / "state"
    app = bundlegen.make_app(home / "Cursor", shape="esm", winpty=False, esm_bytes=50_000)
    pristine_main = (app / "out/main.js").read_bytes()
    install_go_ext(home, build)
    cli(home, "apply", "--cursor", app, "--go-ext", "auto", "--state-dir", state)
    extensions = home / ".cursor" / "extensions"
    done = cli(home, "keep", "--state-dir", state)
    assert f"kept: --cursor {app}, --go-ext {extensions}" in done.stdout
    kept = json.loads((state / "kept.json").read_text())
    assert kept["companions"] == [str(extensions)] and kept["patches"]["goext"][0][0] == GOEXT
    assert kept["flags"] == {"force": False, "strict": False}
    settings = json.loads((extensions / COMPANION / "keep.json").read_text())
    assert settings["stateDir"] == str(state) and settings["command"][1:] == ["-m", "patcher"]
    listed = json.loads((extensions / "extensions.json").read_text())
    assert [e["identifier"]["id"] for e in listed] == ["golang.go", "patcher.patcher-keep"]

    # Nothing to do: no byte changes.
    before = tree_digest(home)
    assert "nothing to re-apply: 2 kept target(s) still patched" in cli(home, "apply", "--kept", "--state-dir", state).stdout
    assert tree_digest(home) == before

    # The editor updates: a fresh main.js.  The Go extension updates: a new folder, listed instead of the old one.
    (app / "out/main.js").write_bytes(pristine_main)
    newer = install_go_ext(home, build, next_version(build))
    assert states(home, state, "--go-ext", "auto") == ["not applied"]
    summary = json.loads(cli(home, "apply", "--kept", "--json", "--state-dir", state).stdout.splitlines()[-1])
    assert sorted(r["kind"] for r in summary["reapplied"]) == ["cursor", "goext"] and not summary["failed"]
    assert states(home, state, "--cursor", app) == ["applied", "not applicable"]  # (spawn hook; winpty: not in this build)
    assert states(home, state, "--go-ext", newer) == ["applied"]
    log = (state / "keep.log").read_text().splitlines()
    assert len(log) == 2 and "1 unchanged" not in log[1] and f"re-applied: applied {GOEXT} to {newer}" in log[1]

    # A second run changes no byte.
    before = tree_digest(home)
    second = json.loads(cli(home, "apply", "--kept", "--json", "--state-dir", state).stdout.splitlines()[-1])
    assert not second["reapplied"] and len(second["unchanged"]) == 2 and tree_digest(home) == before

    # The editor rewrote extensions.json since (the update): --off takes out our entry only.
    rewritten = json.loads((extensions / "extensions.json").read_text())
    cli(home, "keep", "--off", "--state-dir", state)
    assert not (extensions / COMPANION).exists() and not (state / "kept.json").exists()
    assert json.loads((extensions / "extensions.json").read_text()) == [e for e in rewritten
                                                                        if e["identifier"]["id"] != "patcher.patcher-keep"]


def test_keep_and_keep_off_are_byte_exact(home, tmp_path):
    state = tmp_path / "state"
    app = bundlegen.make_app(home / "Cursor", shape="cjs", winpty=False)
    extensions = home / ".cursor" / "extensions"
    (extensions / "extensions.json").write_text('[{"identifier":{"id":"ms-python.python"},"version":"2026.1.0",'
                                                '"relativeLocation":"ms-python.python-2026.1.0"}]')
    cli(home, "apply", "--cursor", app, "--state-dir", state)
    before = tree_digest(home)
    cli(home, "keep", "--state-dir", state)
    assert (extensions / COMPANION / "extension.js").is_file()
    shown = cli(home, "status", "--state-dir", state).stdout  # (no target option: the kept ones)
    assert f"editor {app}" in shown and f"kept by `patcher keep`: --cursor {app}; companion in {extensions}" in shown
    again = cli(home, "keep", "--state-dir", state)
    assert f"already applied to {extensions}: keep/companion-extension@1" in again.stdout
    cli(home, "keep", "--off", "--state-dir", state)
    assert tree_digest(home) == before
    assert "nothing is kept" in cli(home, "keep", "--off", "--state-dir", state).stdout


def kept_then_rewritten_by_the_editor(home, state) -> Path:
    """An editor kept, whose extensions.json the editor then rewrote (keeping our entry); its extensions folder."""
    app = bundlegen.make_app(home / "Cursor", shape="cjs", winpty=False)
    extensions = home / ".cursor" / "extensions"
    (extensions / "extensions.json").write_text("[]")
    cli(home, "apply", "--cursor", app, "--state-dir", state)
    cli(home, "keep", "--state-dir", state)
    entries = json.loads((extensions / "extensions.json").read_text())
    (extensions / "extensions.json").write_text(json.dumps(entries, indent=1))  # the editor's own rewrite
    return extensions


def test_keep_again_after_the_editor_rewrote_extensions_json_then_off(home, tmp_path):
    """The editor rewrites extensions.json (keeping our entry) before a second `keep`:
    `keep --off` must still leave no entry of ours (its folder is gone)."""
    state = tmp_path / "state"
    extensions = kept_then_rewritten_by_the_editor(home, state)
    cli(home, "keep", "--state-dir", state)
    cli(home, "keep", "--off", "--state-dir", state)
    assert json.loads((extensions / "extensions.json").read_text()) == [] and not (extensions / COMPANION).exists()


def test_keep_off_refused_for_an_edited_companion_leaves_the_rewritten_entry_alone(home, tmp_path):
    """The editor rewrote extensions.json and the user edited the companion: `keep --off` refuses
    before it touches either (our entry is taken out only once the folder can go too)."""
    state = tmp_path / "state"
    extensions = kept_then_rewritten_by_the_editor(home, state)
    (extensions / COMPANION / "extension.js").write_bytes(b"// mine\n")
    before = {p: p.read_bytes() for p in extensions.rglob("*") if p.is_file()}
    proc = cli(home, "keep", "--off", "--state-dir", state, check=False)
    assert proc.returncode != 0 and "extension.js: changed since patcher applied it" in proc.stderr, proc.stderr
    assert {p: p.read_bytes() for p in extensions.rglob("*") if p.is_file()} == before


def test_a_companion_kept_before_that_cannot_go_stays_in_the_record(home, tmp_path):
    """A second `keep` for another editor takes out the first one's companion; when that is refused
    (edited by hand), it stays recorded, so `keep --off` still knows it is there."""
    state = tmp_path / "state"
    first = bundlegen.make_app(home / "Cursor", shape="cjs", winpty=False)
    second = bundlegen.make_app(home / "Other", shape="cjs", winpty=False)
    product = second / "product.json"
    product.write_text(product.read_text().replace('"dataFolderName": ".cursor"', '"dataFolderName": ".other"'))
    cli(home, "apply", "--cursor", first, "--state-dir", state)
    cli(home, "keep", "--state-dir", state)
    old = home / ".cursor" / "extensions"
    (old / COMPANION / "extension.js").write_bytes(b"// mine\n")
    cli(home, "apply", "--cursor", second, "--state-dir", state)
    done = cli(home, "keep", "--cursor", second, "--state-dir", state)
    assert f"the companion kept before in {old} stays: " in done.stdout + done.stderr, done
    companions = json.loads((state / "kept.json").read_text())["companions"]
    assert str(old) in companions and str(home / ".other" / "extensions") in companions, companions
    proc = cli(home, "keep", "--off", "--state-dir", state, check=False)
    assert proc.returncode != 0 and "extension.js: changed since patcher applied it" in proc.stderr, proc.stderr


def test_keep_refuses_what_was_not_applied(home, tmp_path):
    state = tmp_path / "state"
    proc = cli(home, "keep", "--state-dir", state, check=False)
    assert proc.returncode == 1 and "no successful apply recorded here; run `patcher apply` first" in proc.stderr
    app = bundlegen.make_app(home / "Cursor", shape="cjs", winpty=False)
    cli(home, "apply", "--cursor", app, "--state-dir", state)
    other = bundlegen.make_app(home / "Other", shape="cjs", winpty=False)
    proc = cli(home, "keep", "--cursor", other, "--state-dir", state, check=False)
    assert proc.returncode == 2 and f"--cursor {other}: not a target of the last apply" in proc.stderr
    proc = cli(home, "apply", "--kept", "--state-dir", state, check=False)
    assert proc.returncode == 1 and "nothing is kept here; run `patcher keep` after an apply" in proc.stderr


@pytest.mark.go
def test_a_goroot_replaced_by_a_fresh_copy_is_patched_again(goroot, pristine_goroot, home, tmp_path):
    state = tmp_path / "state"
    cli(home, "apply", "--go-src", goroot, "--state-dir", state)
    cli(home, "keep", "--state-dir", state)  # (no editor kept: the companion goes into ~/.cursor/extensions)
    assert (home / ".cursor" / "extensions" / COMPANION).is_dir()
    # A Go MSI update: the GOROOT removed and installed again, unpatched.
    shutil.rmtree(goroot)
    gobin.clone_goroot(pristine_goroot, goroot)
    assert states(home, state, "--go-src", goroot) != ["applied", "applied"]
    summary = json.loads(cli(home, "apply", "--kept", "--json", "--state-dir", state).stdout.splitlines()[-1])
    assert [r["kind"] for r in summary["reapplied"]] == ["go"] and not summary["failed"]
    assert states(home, state, "--go-src", goroot) == ["applied", "applied"]
    assert b"patcherUTF8" in (goroot / "bin" / "go").read_bytes()


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
@pytest.mark.parametrize("build", goext_builds()[-1:])
def test_the_companion_says_what_was_reapplied_and_a_failure_once(build, home, tmp_path):
    """Its own activate() against a stand-in vscode module, with the real patcher it was installed for."""
    state = tmp_path / "state"
    ext = install_go_ext(home, build)
    cli(home, "apply", "--go-ext", ext, "--state-dir", state)
    cli(home, "keep", "--state-dir", state)
    companion = home / ".cursor" / "extensions" / COMPANION
    shown = activate(companion, tmp_path)
    assert shown["activationEvents"] == ["onStartupFinished"] and shown["returnedAfterMs"] < 1000
    assert shown["info"] == [] and shown["warnings"] == []
    newer = install_go_ext(home, build, next_version(build))
    shown = activate(companion, tmp_path)
    (info,) = shown["info"]
    assert info["text"].startswith(f"patcher re-applied its patches after an update: applied {GOEXT} to {newer}")
    assert info["text"].endswith("To use them: reload the window.") and info["items"] == ["Reload Window"]
    assert shown["commands"] == ["workbench.action.reloadWindow"] and states(home, state, "--go-ext", newer) == ["applied"]
    # A failure: the kept extensions folder lists a golang.go that is gone.
    shutil.rmtree(newer)
    (warning,) = activate(companion, tmp_path)["warnings"]
    assert warning["text"].startswith(f"patcher could not re-apply its patches: --go-ext {newer.parent}: ")
    assert activate(companion, tmp_path)["warnings"] == [], "the same failure is shown once"
    assert len((state / "keep.log").read_text().splitlines()) == 4


def test_a_damaged_kept_record_does_not_stop_the_status_of_named_targets(home, tmp_path):
    from patcher.keep import record

    state = tmp_path / "state"
    state.mkdir()
    (state / record.KEPT).write_text('{"options": 3}')
    settings = tmp_path / "settings.json"
    settings.write_text("{}\n")
    proc = cli(home, "status", "--settings", settings, "--state-dir", state, check=False)
    assert proc.returncode == 0 and "note: " in proc.stderr and "kept.json: not a record this patcher" in proc.stderr, proc.stderr
    proc = cli(home, "status", "--state-dir", state, check=False)
    assert proc.returncode != 0 and "kept.json: not a record this patcher" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_the_companion_says_to_restart_the_editor_and_open_a_new_terminal(home, tmp_path):
    """An editor update (a fresh main.js) and the terminal settings undone: what each needs to be used."""
    state = tmp_path / "state"
    app = bundlegen.make_app(home / "Cursor", shape="cjs", winpty=False)
    settings = home / "settings.json"
    settings.write_text("{}\n")
    pristine = {p: p.read_bytes() for p in (app / "out" / "main.js", settings)}
    cli(home, "apply", "--cursor", app, "--settings", settings, "--state-dir", state)
    cli(home, "keep", "--state-dir", state)
    for path, data in pristine.items():
        path.write_bytes(data)
    (info,) = activate(home / ".cursor" / "extensions" / COMPANION, tmp_path)["info"]
    assert info["text"].startswith("patcher re-applied its patches after an update: applied "), info
    assert info["text"].endswith("To use them: restart the editor, open a new terminal."), info
    assert "Reload Window" not in info["items"]
    assert states(home, state, "--cursor", app) == ["applied", "not applicable"]
    assert all(path.read_bytes() != data for path, data in pristine.items())


def test_keep_on_a_real_editor_build_and_its_update(home, tmp_path):
    """code-server 4.139.1's VS Code server (npm): the companion goes into ~/<its product.json
    dataFolderName>/extensions, and a fresh server-main.js (an update) is patched again."""
    import corpus

    state = tmp_path / "state"
    app = corpus.lay_out(corpus.build("4.139.1"), tmp_path / "cs")
    main = app / "out" / "server-main.js"
    pristine = main.read_bytes()
    cli(home, "apply", "--cursor", app, "--state-dir", state)
    cli(home, "keep", "--state-dir", state)
    assert (home / ".code-server" / "extensions" / COMPANION / "extension.js").is_file()
    main.write_bytes(pristine)  # the update
    summary = json.loads(cli(home, "apply", "--kept", "--json", "--state-dir", state).stdout.splitlines()[-1])
    assert [r["kind"] for r in summary["reapplied"]] == ["cursor"] and not summary["failed"], summary
    assert states(home, state, "--cursor", app) == ["applied", "not applicable"]
    after = tree_digest(app)
    summary = json.loads(cli(home, "apply", "--kept", "--json", "--state-dir", state).stdout.splitlines()[-1])
    assert not summary["reapplied"] and tree_digest(app) == after
