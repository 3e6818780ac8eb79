"""A kill -9 during `apply --kept` recovers like any apply: killed right
before each rename it makes (strace fault injection) while it re-applies an
editor an update replaced, the files are each the original or the patched
bytes, the next `apply --kept` finishes the job, and revert is byte-exact.
See tests/crashkit.py for what is checked."""

import shutil
import sys

import pytest

import crashkit

pytestmark = pytest.mark.skipif(not shutil.which("strace"), reason="needs strace")


@pytest.fixture(scope="module")
def editor(tmp_path_factory):
    return crashkit.Factory("cursor", tmp_path_factory.mktemp("crash-kept"))


def kept_target(factory, home):
    """A fresh editor, applied and kept, then updated: its files are the originals again."""
    t = factory.fresh()
    env = {"HOME": str(home), "USERPROFILE": str(home)}
    for args in (["apply", *t.flag()], ["keep", "--state-dir", str(t.state)]):
        proc = crashkit.run_cli(*args, env=env)
        assert proc.returncode == 0, proc.stderr
    for rel, data in t.original.items():
        (t.root / rel).unlink()
        (t.root / rel).write_bytes(data)
    t.others = crashkit.listing(t.root, set(t.original))  # (the update gave the files new inodes)
    return t, env


def test_apply_kept_killed_before_every_rename(editor, tmp_path):
    home = tmp_path / "home"
    def kept(t):
        return [sys.executable, "-m", "patcher", "apply", "--kept", "--state-dir", str(t.state)]

    t, env = kept_target(editor, home)
    total = crashkit.count_renames(kept(t), env)
    editor.cleanup(t)
    assert total >= 5, "a re-apply of the editor's three files renames at least that often"
    failed, mid_way = [], 0
    for n in range(1, total + 1):
        t, env = kept_target(editor, home)
        crashkit.kill_before_rename(kept(t), n, env)
        bad = crashkit.check_intermediate(t)
        mid_way += t.files() not in (t.original, t.patched)
        proc = crashkit.run_cli("apply", "--kept", "--state-dir", t.state, env=env)
        bad = bad or (proc.returncode != 0 and proc.stderr.strip()) or crashkit.check_end(t, t.patched)
        if not bad:
            proc = crashkit.run_cli("revert", *t.flag(), env=env)
            bad = (proc.returncode != 0 and proc.stderr.strip()) or crashkit.check_end(t, t.original)
        if bad:
            failed.append(f"before rename {n}/{total}: {bad}")
        crashkit.run_cli("keep", "--off", "--state-dir", t.state, env=env)
        editor.cleanup(t)
    assert not failed, "\n".join(failed)
    assert mid_way, "some kill must fall between two of the files it writes"
    print(f"apply --kept killed before each of its {total} renames; {mid_way} kills left some files patched, some not")
