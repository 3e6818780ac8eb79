"""SIGKILL during apply and revert, on a GOROOT and on an editor bundle (bounded;
`make stress` runs many more).  See tests/crashkit.py for what is checked."""

import random
import shutil

import pytest

import crashkit
from conftest import GO_VERSION

needs_strace = pytest.mark.skipif(not shutil.which("strace"), reason="needs strace")


def report(trials):
    failed = [t for t in trials if not t.ok]
    print(f"{len(trials) - len(failed)}/{len(trials)} kills survived: {trials[0].scenario if trials else ''}")
    assert not failed, "\n".join(f"{t.scenario} ({t.how}): {t.detail}" for t in failed)


@pytest.fixture(scope="module")
def editor(tmp_path_factory):
    return crashkit.Factory("cursor", tmp_path_factory.mktemp("crash-editor"))


@pytest.fixture(scope="module")
def goroot_factory(tmp_path_factory):
    return crashkit.Factory("go", tmp_path_factory.mktemp("crash-go"), GO_VERSION)


@needs_strace
@pytest.mark.parametrize("command", ["apply", "revert"])
def test_editor_killed_before_every_rename(editor, command):
    report(crashkit.rename_trials(editor, command))


@pytest.mark.parametrize("command", ["apply", "revert"])
def test_editor_killed_at_random_instants(editor, command):
    report(crashkit.random_trials(editor, command, 6, random.Random(7)))


@pytest.mark.go
@needs_strace
def test_goroot_apply_killed_before_every_rename(goroot_factory):
    report(crashkit.rename_trials(goroot_factory, "apply"))


@pytest.mark.go
@pytest.mark.parametrize("command", ["apply", "revert"])
def test_goroot_killed_at_random_instants(goroot_factory, command):
    report(crashkit.random_trials(goroot_factory, command, 4, random.Random(11)))


@pytest.mark.go
def test_goroot_apply_killed_during_the_self_test(goroot_factory):
    """Killed while the built go command proves itself: nothing installed yet;
    recovery rolls back (the previous overlay comes back), revert is byte-exact."""
    report(crashkit.self_test_trials(goroot_factory, 2, random.Random(5)))
