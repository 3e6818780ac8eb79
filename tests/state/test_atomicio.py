import os
import stat
from pathlib import Path

import pytest

from patcher.state.atomicio import (BackupStore, ensure_writable_dir, is_set_aside_name, is_temp_name, make_private_dir,
                              sweep_set_aside, write_atomic)
from patcher.errors import Refused
from patcher.state.hashing import sha256_bytes
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


# -- a target that is running (Windows: cannot be replaced, can be renamed) ----------

class windows_rules:
    """os.replace/os.rename onto `busy` refused with PermissionError while it
    exists; with `locked`, a file moved aside from it cannot be deleted
    (the program running it still runs) until `exits(path)`."""

    def __init__(self, monkeypatch, busy: Path, locked: bool = False):
        self.busy, self.locked = Path(busy), locked
        real_replace, real_rename, real_unlink = os.replace, os.rename, os.unlink
        self.aside: list[Path] = []
        self.running: set[Path] = set()

        def refuse_onto(real):
            def fake(src, dst):
                if Path(dst) == self.busy and self.busy.exists():
                    raise PermissionError(13, "Permission denied", str(dst))
                if Path(src) == self.busy:
                    self.aside.append(Path(dst))
                    if self.locked:
                        self.running.add(Path(dst))
                return real(src, dst)
            return fake

        def unlink(path, *a, **k):
            if Path(path) in self.running:
                raise PermissionError(13, "Permission denied", str(path))
            return real_unlink(path, *a, **k)
        monkeypatch.setattr(os, "replace", refuse_onto(real_replace))
        monkeypatch.setattr(os, "rename", refuse_onto(real_rename))
        monkeypatch.setattr(os, "unlink", unlink)

    def exits(self, path: Path) -> None:
        self.running.discard(path)


def test_a_running_target_is_moved_aside_and_replaced(tmp_path, monkeypatch):
    target = tmp_path / "go.exe"
    target.write_bytes(b"running go")
    rules = windows_rules(monkeypatch, target)
    write_atomic(target, b"patched go")
    assert target.read_bytes() == b"patched go"
    assert len(rules.aside) == 1 and is_set_aside_name(rules.aside[0].name, "go.exe")
    assert [p.name for p in tmp_path.iterdir()] == ["go.exe"], "the set-aside file is deleted when it can be"


def test_a_set_aside_file_still_locked_is_left_and_swept_later(tmp_path, monkeypatch):
    target = tmp_path / "go.exe"
    target.write_bytes(b"running go")
    (tmp_path / "other.exe").write_bytes(b"not ours")
    rules = windows_rules(monkeypatch, target, locked=True)
    write_atomic(target, b"patched go")  # apply while gopls runs the original
    first = rules.aside[0]
    assert first.read_bytes() == b"running go" and first.name.startswith(".go.exe.patcher-old.")
    assert sweep_set_aside(tmp_path) == [first], "still locked: left for later"
    rules.exits(first)  # gopls restarted, now running the patched go.exe
    write_atomic(target, b"original go")  # revert: sweeps what apply set aside
    assert target.read_bytes() == b"original go"
    assert not first.exists()
    second = rules.aside[1]
    assert second.read_bytes() == b"patched go", "the running patched go is set aside in turn"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["go.exe", "other.exe", second.name])
    rules.exits(second)
    assert sweep_set_aside(tmp_path, "go.exe") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go.exe", "other.exe"]


def test_sweep_only_touches_set_aside_names_of_the_file_asked(tmp_path):
    for name in (".go.exe.patcher-old.12.ab", ".gofmt.exe.patcher-old.12.cd", "go.exe", ".go.exe.patcher-tmp.1.ff",
                 "go.exe.patcher-old.1.aa"):
        (tmp_path / name).write_bytes(b"x")
    sweep_set_aside(tmp_path, "go.exe")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".go.exe.patcher-tmp.1.ff", ".gofmt.exe.patcher-old.12.cd",
                                                          "go.exe", "go.exe.patcher-old.1.aa"]


def test_a_refused_replace_that_is_not_a_busy_file_is_not_retried(tmp_path, monkeypatch):
    # A read-only directory refuses the rename aside too: the first reason stands, nothing moved.
    target = tmp_path / "f"
    target.write_bytes(b"original")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))
    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(Refused, match="permission denied"):
        write_atomic(target, b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["f"] and target.read_bytes() == b"original"


def test_when_moving_in_fails_the_original_is_put_back(tmp_path, monkeypatch):
    target = tmp_path / "go.exe"
    target.write_bytes(b"running go")
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if Path(dst) == target:
            raise PermissionError(13, "Permission denied", str(dst)) if target.exists() else OSError(28, "No space left on device")
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Refused, match="no space left on device"):
        write_atomic(target, b"patched go")
    assert [p.name for p in tmp_path.iterdir()] == ["go.exe"] and target.read_bytes() == b"running go"
