import json

from patcher import overlay


def test_overlay_json_maps_goroot_paths_to_state_copies(tmp_path):
    goroot, state = tmp_path / "Go 根", tmp_path / "state"
    state.mkdir()
    files = {"src/cmd/go/internal/test/test.go": b"patched", "src/cmd/go/internal/test/patcher_x.go": b"new"}
    path = overlay.write_overlay(goroot, state, files)
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
    overlay.write_overlay(tmp_path / "old", state, {"src/a.go": b"a"})
    path = overlay.refresh_json(tmp_path / "new", state, ["src/a.go"])
    assert str(tmp_path / "new" / "src" / "a.go") in json.loads(path.read_text())["Replace"]
    from patcher.hashing import sha256_bytes
    assert overlay.verify_copies(state, {"src/a.go": sha256_bytes(b"a")}) == []
    (state / "overlay" / "files" / "src" / "a.go").write_bytes(b"changed")
    assert overlay.verify_copies(state, {"src/a.go": sha256_bytes(b"a")}) == ["src/a.go"]
    overlay.remove_overlay(state)
    assert not (state / "overlay").exists()
