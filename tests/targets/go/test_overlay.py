"""The overlay's life cycle: stage, commit, roll back, recover (overlay.Overlay)."""

import json

from patcher.state.hashing import sha256_bytes
from patcher.targets.go.overlay import Overlay


def copies(state, rel):
    return (state / "overlay" / "files" / rel).read_bytes()


def test_overlay_json_maps_goroot_paths_to_state_copies(tmp_path):
    goroot, state = tmp_path / "Go 根", tmp_path / "state"
    state.mkdir()
    files = {"src/cmd/go/internal/test/test.go": b"patched", "src/cmd/go/internal/test/patcher_x.go": b"new"}
    ov = Overlay(goroot, state)
    path = ov.stage(files)
    ov.commit()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert list(doc) == ["Replace"]
    for rel, data in files.items():
        copy = doc["Replace"][str(goroot / rel)]
        assert copy == str(state / "overlay" / "files" / rel)
        assert open(copy, "rb").read() == data
    assert not (state / "overlay.new").exists() and not (state / "overlay.old").exists()


def test_refresh_follows_a_moved_goroot_and_verify_finds_changes(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    Overlay(tmp_path / "old", state).stage({"src/a.go": b"a"})
    ov = Overlay(tmp_path / "new", state)
    path = ov.refresh_json(["src/a.go"])
    assert str(tmp_path / "new" / "src" / "a.go") in json.loads(path.read_text())["Replace"]
    assert ov.verify({"src/a.go": sha256_bytes(b"a")}) == []
    (state / "overlay" / "files" / "src" / "a.go").write_bytes(b"changed")
    assert ov.verify({"src/a.go": sha256_bytes(b"a")}) == ["src/a.go"]
    ov.remove()
    assert not (state / "overlay").exists()


def test_rollback_after_a_failed_restage_gives_the_previous_overlay_back(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    ov = Overlay(tmp_path / "go", state)
    ov.stage({"src/a.go": b"first"})
    ov.commit()
    ov.stage({"src/a.go": b"second", "src/b.go": b"added"})
    assert copies(state, "src/a.go") == b"second"
    ov.rollback()  # the build of the second one failed
    assert copies(state, "src/a.go") == b"first"
    assert not (state / "overlay" / "files" / "src" / "b.go").exists()
    assert not (state / "overlay.old").exists() and not (state / "overlay.new").exists()


def test_recover_settles_a_killed_run_from_the_journal(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    ov = Overlay(tmp_path / "go", state)
    first = {"src/a.go": sha256_bytes(b"first")}
    ov.stage({"src/a.go": b"first"})
    ov.commit()
    # Killed after staging the second overlay, before its journal was written.
    ov.stage({"src/a.go": b"second"})
    (state / "overlay.new").mkdir()  # and a half-written next one
    assert ov.recover(first) == "put back the overlay of the last completed apply"
    assert copies(state, "src/a.go") == b"first"
    assert not (state / "overlay.old").exists() and not (state / "overlay.new").exists()
    # Killed after the journal committed the second one, before the old one was dropped.
    ov.stage({"src/a.go": b"second"})
    assert ov.recover({"src/a.go": sha256_bytes(b"second")}) is None
    assert copies(state, "src/a.go") == b"second" and not (state / "overlay.old").exists()
    # No journal at all: nothing may stay.
    assert ov.recover(None) == "removed an overlay no journal refers to"
    assert not (state / "overlay").exists()
