"""Which patches an apply takes: --patch, else patcher.lock (here or in the
nearest parent), else the defaults; and it says which (`pins: ...`)."""

import os

import pytest

from conftest import REPO, run_patcher
from patcher.catalog.catalog import Catalog
from patcher.errors import Refused
from patcher.catalog.pins import find_pins_file, read_lock, select, write_lock


def test_no_pins_means_defaults(tmp_path):
    patches, source = select(Catalog(), "go", [], tmp_path)
    assert source == "defaults"
    assert [p.ref for p in patches] == ["go/test-output-utf8@1", "go/testmain-bom@1"]


def test_pin_file_is_found_in_the_nearest_parent(tmp_path):
    cat = Catalog()
    write_lock(tmp_path / "patcher.lock", cat, ["go/testmain-bom@1"])
    sub = tmp_path / "cmd" / "tool"
    sub.mkdir(parents=True)
    assert find_pins_file(sub) == tmp_path / "patcher.lock"
    patches, source = select(cat, "go", [], sub)
    assert [p.ref for p in patches] == ["go/testmain-bom@1"]
    assert source == os.path.join("..", "..", "patcher.lock")
    assert select(cat, "go", [], tmp_path)[1] == os.path.join(".", "patcher.lock")


def test_lock_file_round_trip(tmp_path):
    cat = Catalog()
    write_lock(tmp_path / "patcher.lock", cat, ["go/test-output-utf8@1"])
    assert read_lock(tmp_path / "patcher.lock") == {"go/test-output-utf8@1": cat.get("go/test-output-utf8@1").content_sha256}


def test_pinned_patch_whose_content_changed_is_refused(tmp_path):
    (tmp_path / "patcher.lock").write_text('[patches]\n"go/test-output-utf8@1" = "sha256:' + "0" * 64 + '"\n')
    with pytest.raises(Refused) as exc:
        select(Catalog(), "go", ["go/test-output-utf8@1"], tmp_path)
    assert "go/test-output-utf8@1 is pinned at sha256 000000000000… but its content is now" in str(exc.value)
    assert "a pinned patch version must not change" in str(exc.value)


def test_an_explicit_patch_the_pin_file_does_not_cover_is_not_blocked(tmp_path):
    (tmp_path / "patcher.lock").write_text('[patches]\n"go/test-output-utf8@1" = "sha256:' + "0" * 64 + '"\n')
    patches, source = select(Catalog(), "go", ["go/testmain-bom@1"], tmp_path)
    assert [p.ref for p in patches] == ["go/testmain-bom@1"] and source == "--patch"


def test_the_repository_lock_file_matches_the_catalog():
    """patcher.lock in this repository pins the current content of every patch it
    lists, and lists the newest default version of every patch (what `make lock` pins)."""
    from patcher.targets import KINDS
    cat = Catalog()
    locked = read_lock(REPO / "patcher.lock")
    assert sorted(locked) == sorted(p.ref for kind in KINDS for p in cat.defaults(kind))
    for ref, digest in locked.items():
        assert cat.get(ref).content_sha256 == digest, f"{ref} changed: bump its version or run `make lock`"


def test_invalid_lock_file_is_refused(tmp_path):
    (tmp_path / "patcher.lock").write_text("[patches\n")
    with pytest.raises(Refused, match="patcher.lock: not a valid lock file"):
        select(Catalog(), "go", [], tmp_path)


def settings_apply(cwd, tmp_path, *extra):
    settings = tmp_path / "User" / "settings.json"
    settings.parent.mkdir(exist_ok=True)
    settings.write_text('{\n  "editor.fontSize": 14\n}\n')
    return run_patcher("apply", "--settings", settings, "--state-dir", tmp_path / "state", *extra, cwd=cwd)


def test_an_unrelated_makefile_is_not_read(tmp_path):
    """A project whose Makefile happens to have a PATCHES variable (object files)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "Makefile").write_text("PATCHES := foo.o bar.o\n\nall: $(PATCHES)\n")
    proc = settings_apply(project, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "pins: defaults" in proc.stderr.splitlines()
    assert "applied settings/utf8-terminal@1" in proc.stdout


def test_apply_from_a_subdirectory_of_a_pinned_project_uses_its_pins(tmp_path):
    project = tmp_path / "project"
    (project / "internal" / "pkg").mkdir(parents=True)
    run_patcher("lock", "settings/utf8-terminal@1", cwd=project, check=True)
    assert (project / "patcher.lock").is_file()
    proc = settings_apply(project / "internal" / "pkg", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"pins: {os.path.join('..', '..', 'patcher.lock')}" in proc.stderr.splitlines()
    # An explicit --patch wins, and says so.
    proc = settings_apply(project / "internal" / "pkg", tmp_path, "--patch", "settings/utf8-terminal@1")
    assert "pins: --patch" in proc.stderr.splitlines(), proc.stderr
    # `patcher lock` without refs refreshes the pins found from a subdirectory.
    proc = run_patcher("lock", cwd=project / "internal", check=True)
    assert proc.stdout.startswith(f"wrote {project / 'patcher.lock'} (1 patches)")
    # ...but a new --lock-file starts empty: it never copies the pins of the project's lock file.
    proc = run_patcher("lock", "--lock-file", tmp_path / "new.lock", cwd=project / "internal")
    assert proc.returncode == 2 and "no patches given and no pins in" in proc.stderr, proc.stderr
    assert not (tmp_path / "new.lock").exists()


def test_a_withdrawn_version_is_refused_even_when_pinned_and_its_pin_stays_valid(tmp_path):
    cat = Catalog()
    old = cat.get("cursor/winpty-mode@1")
    assert old.withdrawn and not cat.get("cursor/winpty-mode@2").withdrawn
    write_lock(tmp_path / "patcher.lock", cat, ["cursor/winpty-mode@1"])  # its content hash did not change
    with pytest.raises(Refused) as exc:
        select(cat, "cursor", [], tmp_path)
    assert str(exc.value).startswith("cursor/winpty-mode@1 is withdrawn: ") and "(pinned in " in str(exc.value)
    with pytest.raises(Refused, match="is withdrawn"):
        select(cat, "cursor", ["cursor/winpty-mode@1"], tmp_path)
    assert "cursor/winpty-mode@1" not in [p.ref for p in cat.newest("cursor")]


def test_a_malformed_withdrawn_file_is_refused_naming_it(tmp_path):
    import shutil

    from patcher.errors import CatalogError

    root = tmp_path / "patches"
    shutil.copytree(REPO / "patches" / "cursor", root / "cursor")
    (root / "cursor" / "winpty-mode" / "withdrawn.toml").write_text('[versions]\n1 = 5\n')
    with pytest.raises(CatalogError, match="withdrawn.toml: expected only"):
        Catalog(root)
