"""Targets whose files are JavaScript bundles edited in place: an editor's
resources/app (editor/target.py) and an installed Go extension
(goext/target.py).

What they share: file roles (@main, ...) resolved once per run by the
target kind, the engine run (kept in the engine's result cache) over the
original bytes, and validation of every patched file with `node --check` in
the file's own module mode, with the runtime the bundle really runs on first
(targets/noderun.py): each check is started (node starting up) before the
engine runs and handed its file as soon as the file is final.  With node to
validate, the engine parses a file whole only where an anchor needs the
whole tree (engine/apply.py `partial`); a run node rejects is made again
with every file parsed whole, so a refusal says what it always said.  A kind says
where its roles are (`_find_role`), which executables are its own runtime
(`runtime_candidates`), and what else a plan needs (`_complete_plan`).
"""

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from patcher.catalog.catalog import Patch
from patcher.errors import NotApplicable, PatcherError, Refused
from patcher.state.atomicio import BackupStore
from patcher.state.journal import JournalData
from patcher.state.treepaths import inside
from patcher.targets import noderun
from patcher.targets.inplace import InPlaceTarget, Plan, Say

if TYPE_CHECKING:  # the engine (tree-sitter) is imported only by the commands that patch
    from patcher.engine.apply import FileResult


def read_package_json(folder: Path, what: str) -> dict:
    """A folder's package.json as an object; Refused (naming the file) otherwise."""
    pkg = folder / "package.json"
    try:
        doc = json.loads(pkg.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise Refused(f"{pkg}: missing (not {what}?)") from None
    except OSError as exc:
        raise Refused(f"{pkg}: cannot read ({exc.strerror})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"{pkg}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise Refused(f"{pkg}: not a JSON object")
    return doc


def package_file(folder: Path, value, key: str, what: str, where: str) -> str:
    """The file a package.json entry names (`key`, e.g. "main"), relative to
    `folder` with '/' separators; Refused unless it is inside and exists."""
    pkg = folder / "package.json"
    if not isinstance(value, str) or not value:
        raise Refused(f"{pkg}: has no {key} entry naming {what}")
    rel = Path(os.path.normpath(value.replace("\\", "/"))).as_posix()
    if rel.startswith("../") or rel == ".." or Path(rel).is_absolute():
        raise Refused(f"{pkg}: {key} points outside {where} ({value})")
    for candidate in (rel, rel + ".js"):
        if (folder / candidate).is_file():
            return candidate
    raise Refused(f"{folder / rel}: {what} package.json names does not exist")


# What makes a JavaScript file an ES module by its own text: a top-level import or export statement.
ESM_STATEMENTS = frozenset({"import_statement", "export_statement"})


def _describe(view) -> dict:
    """What node --check needs to know of a patched file (kept in the engine's cache): its module
    kind ("module" with a top-level import/export statement, else "commonjs"), read from the
    first top-level statements when they show one."""
    return {"kind": "module" if view.has_top_level(ESM_STATEMENTS) else "commonjs"}


class BundleTarget(InPlaceTarget):
    MARKED_ROLES: tuple[str, ...] = ()  # the roles whose files are looked at for MARKS without a journal

    def __init__(self, root: Path, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0):
        super().__init__(root, state_dir, say, lock_wait)
        self._roles: dict[str, str | NotApplicable] = {}
        self._runtime: list[noderun.Runtime | None] = []  # what node --check runs with, once looked for
        self._runtime_said = False
        self._early: noderun.NodeChecks | None = None  # the checks warm_up started

    # -- for subclasses ---------------------------------------------------
    def _find_role(self, name: str) -> str:
        """The file (relative to root) a role names; NotApplicable when the target has none."""
        raise NotImplementedError

    def runtime_candidates(self) -> list[Path]:
        """Executables of the runtime these bundles run on, tried before node on PATH."""
        return []

    def _complete_plan(self, plan: Plan, prev: JournalData | None, backups: BackupStore | None) -> None:
        """More files a plan changes because of the patched bundles (e.g. checksums)."""

    # -- roles ------------------------------------------------------------
    def role(self, name: str) -> str:
        """The file a role names (relative to root); NotApplicable (remembered too:
        finding out may read many files) when it has none."""
        if name not in self._roles:
            try:
                self._roles[name] = self._look_up(name)
            except NotApplicable as exc:
                self._roles[name] = exc
        found = self._roles[name]
        if isinstance(found, NotApplicable):
            raise NotApplicable(str(found))
        return found

    def _look_up(self, name: str) -> str:
        return inside(self.root, self._find_role(name) if name.startswith("@") else name)

    def unknown_role(self, name: str) -> Refused:
        return Refused(f"unknown file role {name} for a {self.NAME} target")

    def marked_files(self) -> list[str]:
        found = []
        for role in self.MARKED_ROLES:
            try:
                found.append(self.role(role))
            except PatcherError:  # no such file here: nothing of ours in it
                continue
        return found

    # -- planning ---------------------------------------------------------
    def warm_up(self, patches: list[Patch]) -> None:
        """node starts up for the check of each file the patches name, while the lock is taken
        and the state read (node's start-up is most of a check's time).  What the roles name
        here is not kept from this look (prepare, under the lock, looks again): only the
        checks' labels and kinds come from it, and a check whose file or kind turns out
        otherwise is stopped."""
        runtime = self._find_runtime()
        if runtime is None:
            return
        self._early = noderun.NodeChecks(runtime)
        for rel in self._files_of(patches, remember=False):
            self._early.expect(self.label(rel), self.node_kind(rel))

    def cool_down(self) -> None:
        if self._early is not None:
            self._early.close()
            self._early = None

    def compute(self, plan: Plan, patches: list[Patch], prev: JournalData | None, backups: BackupStore | None) -> None:
        from patcher.engine.apply import Misexpected

        runtime = self._find_runtime()
        # With node to check the result, the engine parses a file whole only where an
        # anchor needs it (the spawn hook needs the first statements only), and node's
        # own loading rule says ahead what the module-kind probe will find, so node
        # checks the file while tree-sitter decides that probe.
        partial = expecting = runtime is not None
        before = (dict(plan.desired), dict(plan.patched_by))
        while True:
            plan.desired, plan.patched_by = dict(before[0]), dict(before[1])
            try:
                self._compute(plan, patches, prev, backups, runtime, partial, self._expect if expecting else None)
                return
            except Misexpected:
                # The file's statements are not what node's rule implies: the run again,
                # the probe decided first.
                expecting = False
            except noderun.Rejected:
                if not partial:
                    raise
                # node rejects a file the engine read only in part: the run again, every file
                # parsed whole, so the refusal is the one it always was (tree-sitter's, else node's).
                partial = expecting = False

    def _compute(self, plan: Plan, patches: list[Patch], prev: JournalData | None, backups: BackupStore | None,
                 runtime: noderun.Runtime | None, partial: bool, expect) -> None:
        from patcher.engine.resultcache import cached_apply

        # Each file goes to node --check (its own process) as soon as it is final, while the
        # engine parses and patches the next one, or decides the probe it was told what to
        # expect of.  Every check starts now, so node starts up while the engine works.  Once
        # the last file is handed on, its input is ended before the engine goes on (flush):
        # a parse would hold the GIL the writing thread needs for that.
        checks, self._early = self._early or noderun.NodeChecks(runtime), None
        waiting: set[str] = set()

        def check(fr: "FileResult") -> None:
            self._say_runtime(runtime)
            label = self.label(fr.path)
            checks.start(fr.patched, fr.facts["kind"], label)
            waiting.discard(label)
            if not waiting:
                checks.flush()

        try:
            for rel in self._files_of(patches):
                waiting.add(self.label(rel))
                checks.expect(self.label(rel), self.node_kind(rel))
            run = cached_apply(self.state_base / "cache" / "engine", patches,
                               lambda rel: self.original(rel, prev, backups, plan), self.role, self.label,
                               params={"env": plan.env}, describe=_describe, on_final=check, partial=partial,
                               expect=expect)
            plan.skipped = dict(run.result.skipped)
            kinds = {}
            for rel, r in run.result.files.items():
                if r.patched != r.original:
                    plan.desired[rel] = r.patched
                    plan.patched_by[rel] = list(r.patches)
                    kinds[rel] = r.facts["kind"]
            self._complete_plan(plan, prev, backups)
        except BaseException:
            checks.close()
            raise
        checks.finish({self.label(rel): plan.originals[rel] for rel in kinds})
        plan.on_commit = run.remember
        plan.summary = [", ".join(f"{rel} ({kind})" for rel, kind in sorted(kinds.items()))] if kinds else []

    def _files_of(self, patches: list[Patch], remember: bool = True) -> list[str]:
        """The files the patches' roles name here (those that exist), in order; `remember`:
        the roles found are those of the run (else they are only looked up)."""
        out = []
        for patch in patches:
            for file in patch.manifest.languages:
                try:
                    rel = self.role(file) if remember else self._look_up(file)
                except PatcherError:  # not applicable, or the engine says why
                    continue
                if rel not in out:
                    out.append(rel)
        return out

    def node_kind(self, rel: str) -> str:
        """How node loads this file: by its extension, else by the nearest package.json's "type"
        (only the guess a check is started with, before the file's own statements are known)."""
        if rel.endswith((".mjs", ".cjs")):
            return "module" if rel.endswith(".mjs") else "commonjs"
        folder = self.path(rel).parent
        while True:
            try:
                doc = json.loads((folder / "package.json").read_text(encoding="utf-8-sig"))
            except FileNotFoundError:
                doc = None
            except (OSError, ValueError, UnicodeDecodeError):
                return "commonjs"
            if doc is not None:
                return "module" if isinstance(doc, dict) and doc.get("type") == "module" else "commonjs"
            if folder == self.root or folder.parent == folder:
                return "commonjs"
            folder = folder.parent

    def _expect(self, rel: str, types: frozenset[str]) -> bool | None:
        """What a probe for top-level import/export statements will find, by node's own rule for
        loading the file (node_kind): some, in a file node loads as an ES module.  Only an
        expectation (engine/apply.py `expect`): the probe decides.  None for a file node loads
        as CommonJS: that there are none takes the whole file's tree, which the engine then
        keeps for the edits (to expect it would parse the file whole twice)."""
        return True if types == ESM_STATEMENTS and self.node_kind(rel) == "module" else None

    def _find_runtime(self) -> noderun.Runtime | None:
        """What node --check runs with (looked for once)."""
        if not self._runtime:
            self._runtime.append(noderun.find_runtime(self.runtime_candidates()))
        return self._runtime[0]

    def _say_runtime(self, runtime: noderun.Runtime | None) -> None:
        """The note on what checks the patched files (once; none for node on PATH)."""
        if self._runtime_said:
            return
        self._runtime_said = True
        if runtime is None:
            self.say("note: neither the editor's own runtime nor node on PATH was found: only the tree-sitter "
                     "check ran on the patched files (no node --check)")
        elif not runtime.on_path:
            self.say(f"note: node --check with {runtime.what}")

    def unsupported(self, patch: Patch) -> str | None:
        """Why a patch would be "not applicable" here (None: it applies, or apply would say why not).
        Only its file roles and applicability probes are looked at, not its edits."""
        m = patch.manifest
        try:
            for file in m.languages:
                try:
                    self.role(file)
                except NotApplicable:
                    if file not in m.optional:
                        raise
            if not m.applies_if:
                return None
            files = {m.probes[n].file for n in m.applies_if}
            light = dataclasses.replace(m, edits=(), adds=(), languages={f: m.languages[f] for f in files})
            from patcher.engine.apply import apply_patches

            result = apply_patches([dataclasses.replace(patch, manifest=light)], self.read, self.role, self.label)
        except NotApplicable as exc:
            return str(exc)
        except PatcherError:
            return None
        return result.skipped.get(m.ref)
