"""Each patch's own cases: patches/<id>/<ver>/tests/<case>/{before,after}/...

A case applies its patch alone to the files under before/ and must produce
exactly the files under after/; a case with error.txt must instead be
refused with a message containing that text, one with skipped.txt must be
reported not applicable with that reason.  File roles (@main, @ptyhost)
live at their conventional paths.
"""

import json
from pathlib import Path

import pytest

from patcher.catalog import Catalog
from patcher.engine import EngineResult, FileResult, apply_patches
from patcher.errors import PatcherError
from patcher.inplace import SingleFileTarget
from patcher.targets import TARGETS

CASES = [(p, case) for p in Catalog().all() for case in sorted((p.directory / "tests").glob("*")) if case.is_dir()]


ROLES = {"@main": "out/main.js", "@ptyhost": "out/vs/platform/terminal/node/ptyHostMain.js"}


def run_case(patch, case: Path):
    """The patch applied alone to the case's before/ files: through the engine
    for file trees, through the target's own `edit` for one-file targets."""
    before = case / "before"
    target = TARGETS[patch.manifest.target]
    if not issubclass(target, SingleFileTarget):
        return apply_patches([patch], lambda rel: (before / rel).read_bytes(), lambda f: ROLES.get(f, f), lambda rel: rel)
    (path,) = [p for p in before.iterdir() if p.is_file()]
    env = json.loads((case / "env.json").read_text()) if (case / "env.json").exists() else {}
    original = path.read_bytes()
    result = EngineResult()
    result.files[path.name] = FileResult(path.name, patch.manifest.target, original,
                                         target.edit(original, [patch], env, path.name), [patch.ref])
    return result


def test_every_patch_has_cases():
    for p in Catalog().all():
        assert any(q.ref == p.ref for q, _ in CASES), f"{p.ref} has no tests/ cases"


@pytest.mark.parametrize("patch,case", CASES, ids=[f"{p.ref}:{c.name}" for p, c in CASES])
def test_patch_case(patch, case):
    error = case / "error.txt"
    if error.exists():
        with pytest.raises(PatcherError) as exc:
            run_case(patch, case)
        assert error.read_text(encoding="utf-8").strip() in str(exc.value)
        return
    result = run_case(patch, case)
    skipped = case / "skipped.txt"
    if skipped.exists():
        assert skipped.read_text(encoding="utf-8").strip() in result.skipped.get(patch.ref, "")
        assert all(r.patched == r.original for r in result.files.values())
        return
    expected = {p.relative_to(case / "after").as_posix(): p.read_bytes() for p in (case / "after").rglob("*") if p.is_file()}
    assert set(expected) == set(result.files), "after/ must hold exactly the files the patch edits"
    for rel, r in result.files.items():
        assert r.patched == expected[rel], f"{case.name}: {rel} differs from after/"
        assert r.patched != r.original
