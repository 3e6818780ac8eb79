"""Patch payloads and target files are data: patcher never runs them; its
state (journals, backups, overlays) is readable by the user only."""

import os
import shutil
import stat

import bundlegen
from conftest import REPO, run_patcher


def test_a_bundle_is_never_executed_by_apply(tmp_path):
    app = bundlegen.make_app(tmp_path / "ed", shape="cjs", winpty=True)
    marker = tmp_path / "the-bundle-ran"
    main = app / "out/main.js"
    main.write_bytes(main.read_bytes().replace(
        b'"use strict";', b'"use strict";require("fs").writeFileSync(' + repr(str(marker)).encode() + b',"x");', 1))
    run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", check=True)
    run_patcher("revert", "--cursor", app, "--state-dir", tmp_path / "s", check=True)
    assert not marker.exists()


def test_a_patch_payload_is_never_executed(tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(REPO / "patches", catalog)
    marker = tmp_path / "the-payload-ran"
    hook = catalog / "cursor/spawn-env-hook/1/payload/hook.js"
    hook.write_text(hook.read_text().replace('"use strict";', f'"use strict";require("fs").writeFileSync({str(marker)!r},"x");', 1))
    app = bundlegen.make_app(tmp_path / "ed", shape="cjs", winpty=False)
    run_patcher("apply", "--cursor", app, "--state-dir", tmp_path / "s", env={"PATCHER_PATCHES_DIR": str(catalog)},
                cwd=tmp_path, check=True)  # (no pins there: the payload was changed on purpose)
    assert b"the-payload-ran" in (app / "out/main.js").read_bytes(), "inserted as data..."
    assert not marker.exists(), "...never run"


def test_state_directory_and_backups_are_user_only(tmp_path):
    app = bundlegen.make_app(tmp_path / "ed", shape="esm", winpty=True, esm_bytes=50_000)
    state = tmp_path / "fresh" / "state"
    os.umask(0o022)
    run_patcher("apply", "--cursor", app, "--state-dir", state, check=True)
    entries = [state] + list(state.rglob("*"))
    assert len(entries) > 5
    for p in entries:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o077 == 0, f"{p} is {oct(mode)}"
    backups = list(state.rglob("backups/*"))
    assert len(backups) == 3 and all(stat.S_IMODE(b.stat().st_mode) == 0o600 for b in backups)
