import os
import stat

import pytest

from patcher.atomicio import BackupStore, ensure_writable_dir, is_temp_name, make_private_dir, write_atomic
from patcher.errors import Refused
from patcher.hashing import sha256_bytes
from conftest import read_only



def test_write_atomic_replaces_content_and_keeps_mode(tmp_path):
    target = tmp_path / "tool 工具"
    target.write_bytes(b"old")
    os.chmod(target, 0o755)
    digest = write_atomic(target, b"new bytes")
    assert target.read_bytes() == b"new bytes"
    assert digest == sha256_bytes(b"new bytes")
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert [p.name for p in tmp_path.iterdir()] == ["tool 工具"], "no temp file may be left behind"


def test_write_atomic_new_file_gets_requested_mode(tmp_path):
    write_atomic(tmp_path / "secret", b"x", mode=0o600)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600


def test_write_atomic_failure_leaves_original_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "f"
    target.write_bytes(b"original")

    def boom(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(Refused, match="no space left on device"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_read_only_directory_is_refused_with_advice(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "f").write_bytes(b"x")
    with read_only(ro):
        with pytest.raises(Refused, match="permission denied .*read-only install"):
            ensure_writable_dir(ro)
        with pytest.raises(Refused, match="permission denied"):
            write_atomic(ro / "f", b"y")
        assert (ro / "f").read_bytes() == b"x"
        assert sorted(p.name for p in ro.iterdir()) == ["f"]


def test_temp_names_are_recognisable(tmp_path):
    assert is_temp_name(".main.js.patcher-tmp.123.abcd")
    assert not is_temp_name("main.js")


def test_private_dir_and_its_new_parents_are_user_only(tmp_path):
    os.chmod(tmp_path, 0o755)
    d = make_private_dir(tmp_path / "a" / "b")
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755, "an existing parent is left alone"


def test_backup_store_round_trip_and_damage_detection(tmp_path):
    store = BackupStore(tmp_path / "backups")
    digest = store.save(b"original bytes")
    assert store.load(digest) == b"original bytes"
    assert stat.S_IMODE(store.path_for(digest).stat().st_mode) == 0o600
    store.path_for(digest).write_bytes(b"tampered")
    with pytest.raises(Refused, match="backup is damaged"):
        store.load(digest)
    store.path_for(digest).unlink()
    with pytest.raises(Refused, match="backup is missing"):
        store.load(digest)
