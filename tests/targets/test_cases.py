"""Each patch's own cases (patches/<id>/<ver>/tests/<case>/), through the
same function `patcher test` uses (patcher/targets/cases.py)."""

import shutil

import pytest

from conftest import REPO, run_patcher
from patcher.catalog.catalog import Catalog
from patcher.targets import cases as casetest

CASES = [(p, case) for p in Catalog().all() for case in casetest.cases_of(p)]


def test_every_patch_has_cases():
    for p in Catalog().all():
        assert casetest.cases_of(p), f"{p.ref} has no tests/ cases"


@pytest.mark.parametrize("patch,case", CASES, ids=[f"{p.ref}:{c.name}" for p, c in CASES])
def test_patch_case(patch, case):
    result = casetest.check_case(patch, case)
    assert result.ok, f"{result.patch}:{result.case}: {result.detail}"


def test_patcher_test_runs_a_patch_outside_the_catalog_and_fails_a_wrong_case(tmp_path):
    mine = tmp_path / "my patches" / "go" / "test-output-utf8" / "1"
    shutil.copytree(REPO / "patches/go/test-output-utf8/1", mine)
    proc = run_patcher("test", mine, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == f"{len(casetest.cases_of(casetest.load_patch_dir(mine)))} passed, 0 failed"
    # An after/ file that no longer matches what the patch makes: the case fails, exit 1.
    after = next((mine / "tests" / "crlf" / "after").rglob("test.go"))
    after.write_bytes(after.read_bytes().replace(b"patcherUTF8Stdout(", b"patcherUTF8Stdout2(", 1))
    proc = run_patcher("test", mine, cwd=tmp_path)
    assert proc.returncode == 1
    assert "FAIL go/test-output-utf8@1: crlf: src/cmd/go/internal/test/test.go differs from after/" in proc.stdout
    assert proc.stdout.splitlines()[-1].endswith("passed, 1 failed")
    # A case that is not laid out as one fails, the run goes on.
    next((mine / "tests" / "go121-shape" / "before").rglob("test.go")).unlink()
    proc = run_patcher("test", mine, cwd=tmp_path)
    assert proc.returncode == 1 and "FAIL go/test-output-utf8@1: go121-shape: cannot run the case: FileNotFoundError" in proc.stdout
    assert proc.stdout.splitlines()[-1].endswith("passed, 2 failed")
    proc = run_patcher("test", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2 and "not a patch directory" in proc.stderr


def test_an_added_file_after_leaves_out_must_still_be_the_patchs_own(monkeypatch):
    """The companion's cases leave the extension's own files out of after/: they are checked against
    the patch's files, so an install that changed one is still caught."""
    from patcher.targets import companion

    patch = Catalog().get("keep/companion-extension@1")
    case = next(c for c in casetest.cases_of(patch) if c.name == "with-extensions-json")
    assert casetest.check_case(patch, case).ok
    install = companion.install_files

    def mangled(*args):
        files = install(*args)
        return {rel: data.replace(b"\n", b"\r\n") if rel.endswith("/extension.js") else data for rel, data in files.items()}

    monkeypatch.setattr(companion, "install_files", mangled)
    result = casetest.check_case(patch, case)
    assert not result.ok and "extension.js: not the patch's own file, unchanged" in result.detail, result
