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

from patcher import transaction
from patcher.atomicio import BackupStore
from patcher.journal import FileRecord, Journal, JournalData
from patcher.lock import TargetLock


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
    def lock(self) -> TargetLock: ...
    def prepare(self) -> Prepared: ...


def apply_targets(targets: list[Target], state_dir: Path) -> list[str]:
    """Apply every target or none; returns one message per target."""
    with ExitStack() as stack:
        # A fixed order, so two runs over the same targets cannot deadlock.
        for lock in sorted((t.lock() for t in targets), key=lambda l: str(l.path)):
            stack.enter_context(lock)
        prepared: list[Prepared] = []
        try:
            for t in targets:
                prepared.append(t.prepare())
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
            if group:
                group.mark_committed()
            for p in active:
                transaction.finish(p.journal, p.data)
            if group:
                group.forget()
        except BaseException:
            for p in prepared:
                p.on_abort()
            raise
        for p in prepared:
            p.on_commit()
        return [p.message for p in prepared]
