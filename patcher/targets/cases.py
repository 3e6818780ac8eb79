"""A patch's own before/after cases (patches/<id>/<ver>/tests/<case>/), run
by `patcher test` and by the test suite alike.

A case applies its patch alone to the files under before/ and must produce
exactly the files under after/ (a file it leaves as it was has none); a
case with error.txt must instead be refused with a message containing that
text; one with skipped.txt must be reported not applicable with that reason.
One-file targets (settings, pwsh) go through the target's own `edit`, with
--env values from env.json; file roles (@main, ...) sit at the paths the
target kind names in CASE_PATHS; a kind with its own `case_files` (the
companion: keep.json's content from settings.json) says itself what a case
makes of before/, and which files the patch adds exactly as its own
(the extension's files): after/ need not repeat those.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from patcher.catalog.catalog import Catalog, Patch, load_patch
from patcher.engine.apply import apply_patches
from patcher.errors import PatcherError, UsageError


@dataclass
class CaseResult:
    patch: str
    case: str
    ok: bool
    detail: str = ""


def load_patch_dir(directory: Path) -> Patch:
    """A patch named by its directory on the command line."""
    if not (Path(directory) / "manifest.toml").is_file():
        raise UsageError(f"{Path(directory).absolute()}: not a patch directory (no manifest.toml)")
    return load_patch(directory)


def cases_of(patch: Patch) -> list[Path]:
    tests = patch.directory / "tests"
    return sorted(c for c in tests.iterdir() if c.is_dir()) if tests.is_dir() else []


@dataclass
class CaseRun:
    files: dict[str, tuple[bytes, bytes]]  # rel -> (before, after the patch)
    skipped: dict[str, str]  # patch ref -> why it does not apply
    # rel -> a file of the patch's own that it adds as it is: after/ need not repeat it
    verbatim: dict[str, bytes] = field(default_factory=dict)


def run_case(patch: Patch, case: Path) -> CaseRun:
    """The patch applied alone to the case's before/ files."""
    from patcher.targets import target_class
    from patcher.targets.inplace import SingleFileTarget

    before = case / "before"
    target = target_class(patch.manifest.target)
    case_files = getattr(target, "case_files", None)  # a kind that says itself what a case makes of before/
    if case_files is not None:
        settings = case / "settings.json"
        files, verbatim = case_files(patch, before, json.loads(settings.read_text(encoding="utf-8")) if settings.exists() else {})
        return CaseRun(files, {}, verbatim)
    if not issubclass(target, SingleFileTarget):
        roles = target.CASE_PATHS
        result = apply_patches([patch], lambda rel: (before / rel).read_bytes(), lambda f: roles.get(f, f), lambda rel: rel)
        return CaseRun({rel: (r.original, r.patched) for rel, r in result.files.items()}, result.skipped)
    (path,) = [p for p in before.iterdir() if p.is_file()]
    env = json.loads((case / "env.json").read_text(encoding="utf-8")) if (case / "env.json").exists() else {}
    original = path.read_bytes()
    return CaseRun({path.name: (original, target.edit(original, [patch], env, path.name))}, {})


def check_case(patch: Patch, case: Path) -> CaseResult:
    def done(ok: bool, detail: str = "") -> CaseResult:
        return CaseResult(patch.ref, case.name, ok, detail)

    error = case / "error.txt"
    try:
        result = run_case(patch, case)
    except PatcherError as exc:
        if error.exists() and error.read_text(encoding="utf-8").strip() in str(exc):
            return done(True)
        return done(False, f"refused: {exc}")
    except (OSError, ValueError) as exc:  # a case directory that is not laid out as a case
        return done(False, f"cannot run the case: {type(exc).__name__}: {exc}")
    if error.exists():
        return done(False, f"expected a refusal containing {error.read_text(encoding='utf-8').strip()!r}, but it applied")
    skipped = case / "skipped.txt"
    if skipped.exists():
        want = skipped.read_text(encoding="utf-8").strip()
        if want not in result.skipped.get(patch.ref, ""):
            return done(False, f"expected 'not applicable: …{want}…', got {result.skipped.get(patch.ref) or 'applied'}")
        if any(new != old for old, new in result.files.values()):
            return done(False, "not applicable, yet a file changed")
        return done(True)
    after = case / "after"
    if not after.is_dir():
        return done(False, "has none of after/, error.txt, skipped.txt: it tests nothing")
    expected = {p.relative_to(after).as_posix(): p.read_bytes() for p in after.rglob("*") if p.is_file()}
    if patch.ref in result.skipped:
        return done(False, f"not applicable: {result.skipped[patch.ref]}")
    # (a file the patch only read, e.g. for a probe, is left as it was and has no after/ copy)
    changed = {rel: pair for rel, pair in result.files.items() if pair[0] != pair[1]}
    if not changed:
        return done(False, "the patch changed nothing")
    for rel, data in result.verbatim.items():
        if rel not in expected:
            if changed.get(rel, (None, None))[1] != data:
                return done(False, f"{rel}: not the patch's own file, unchanged")
            expected[rel] = data
    if set(expected) != set(changed):
        return done(False, f"after/ holds {sorted(expected)}, the patch changes {sorted(changed)}")
    for rel, (old, new) in sorted(changed.items()):
        if new != expected[rel]:
            n = next((i for i, (a, b) in enumerate(zip(new, expected[rel])) if a != b), min(len(new), len(expected[rel])))
            line = new.count(b"\n", 0, n) + 1
            return done(False, f"{rel} differs from after/{rel} at line {line} (byte {n})")
    return done(True)


def run_patches(patches: list[Patch]) -> list[CaseResult]:
    out = []
    for patch in patches:
        cases = cases_of(patch)
        if not cases:
            out.append(CaseResult(patch.ref, "-", False, "has no tests/ cases"))
        out += [check_case(patch, case) for case in cases]
    return out


def select(dirs: list[str]) -> list[Patch]:
    """The patches `patcher test` runs: the directories given, else the whole catalog."""
    return [load_patch_dir(Path(d)) for d in dirs] if dirs else Catalog().all()
