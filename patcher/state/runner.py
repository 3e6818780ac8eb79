"""Run `apply` over one or several targets as one transaction.

Each target first prepares everything that can fail without touching it
(plans, validation, for Go the whole `go build`), holding its lock.  Then the
runner writes every target (transaction.begin), records the group commit if
there is more than one, and marks every journal applied.  A failure before
the commit record puts every target back as it was.
"""

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from patcher.state import transaction
from patcher.state.atomicio import BackupStore
from patcher.state.journal import FileRecord, Journal, JournalData
from patcher.state.runlock import RunLock


@dataclass
class Prepared:
    root: Path
    backups: BackupStore
    journal: Journal
    data: JournalData | None  # None: nothing to write (already applied, or nothing applicable)
    changes: list[tuple[FileRecord, bytes]]
    message: str
    on_commit: Callable[[], None] = field(default=lambda: None)
    on_abort: Callable[[], None] = field(default=lambda: None)


class Target(Protocol):
    def warm_up(self, patches: list) -> None: ...
    def cool_down(self) -> None: ...
    def lock(self) -> RunLock: ...
    def prepare(self, patches: list, force: bool, env: dict | None) -> Prepared: ...


@dataclass
class Run:
    """One target of a run and what to apply to it."""

    target: Target
    patches: list
    force: bool = False
    env: dict | None = None


def apply_targets(runs: list[Run], state_dir: Path) -> list[str]:
    """Apply to every target or to none; returns one message per target."""
    with ExitStack() as stack:
        # What takes long to start and changes nothing starts first, while the locks are taken.
        for r in runs:
            stack.callback(r.target.cool_down)
            r.target.warm_up(r.patches)
        # A fixed order, so two runs over the same targets cannot deadlock.
        for lock in sorted((r.target.lock() for r in runs), key=lambda l: str(l.path)):
            stack.enter_context(lock)
        prepared: list[Prepared] = []
        committed = False
        try:
            for r in runs:
                prepared.append(r.target.prepare(r.patches, r.force, r.env))
            active = [p for p in prepared if p.data is not None]
            group = transaction.Group(state_dir) if len(active) > 1 else None
            written: list[Prepared] = []
            try:
                for p in active:
                    transaction.begin(p.root, p.backups, p.journal, p.data, p.changes, group)
                    written.append(p)
            except BaseException:
                for p in reversed(written):
                    transaction.abort(p.root, p.backups, p.journal, p.data)
                raise
            # Past the commit record (or, for one target, its finished journal)
            # the run is rolled forward, never back: recovery completes it.
            if group:
                group.mark_committed()
                committed = True
            for p in active:
                transaction.finish(p.journal, p.data)
            committed = True
            if group:
                group.forget()
        except BaseException:
            for p in prepared:
                (p.on_commit if committed else p.on_abort)()
            raise
        for p in prepared:
            p.on_commit()
        return [p.message for p in prepared]
