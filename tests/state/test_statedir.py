"""state/statedir.py: where records are kept, and finding them in another user's default state directory."""

import json

import bundlegen
from conftest import run_patcher


def _as_user(home) -> dict:
    """The environment of a run by the user whose home is `home` (default state directory)."""
    return {"HOME": str(home), "XDG_STATE_HOME": ""}


def test_a_record_kept_in_another_users_default_state_directory_is_found(tmp_path):
    """`sudo patcher apply` keeps the record in root's state directory; the user's
    own status then names it.  Here two homes side by side, as under /home."""
    app = bundlegen.make_app(tmp_path / "editor", shape="esm", winpty=True, esm_bytes=50_000)
    alice, bob = tmp_path / "homes" / "alice", tmp_path / "homes" / "bob"
    alice.mkdir(parents=True)
    bob.mkdir()
    run_patcher("apply", "--cursor", app, env=_as_user(alice), check=True)
    kept = alice / ".local" / "state" / "patcher"
    assert (kept / "targets").is_dir(), "the default state directory is under the user's home"
    proc = run_patcher("status", "--json", "--cursor", app, env=_as_user(bob), check=True)
    report = json.loads(proc.stdout)
    assert report["recorded_in"] == str(kept)
    assert {p["state"] for p in report["patches"] if p["ref"].startswith("cursor/spawn-env-hook")} == {"unrecorded"}
