"""`patcher apply --kept`: what the companion runs at every editor start.

For each kept target (kept.json: the options of the last apply that `patcher
keep` recorded) it asks `status`, which reads hashes and the journal and
loads no parser: a target whose kept patches are all applied is left alone,
so a start with nothing to do costs about what `patcher status` of the same
targets costs.  A target an update replaced (the editor's main.js, a new
golang.go folder, a GOROOT replaced by a fresh copy, a toolchain downloaded
since) is applied again with the kept patches, each checked against the
content hash recorded at keep time; each target on its own, so one failure
does not hold back the others.  Nothing is downloaded: the go build is
offline (GOTOOLCHAIN=local, GOPROXY=off).  One line per run goes to keep.log.
"""

import time
from pathlib import Path

from patcher.errors import LockBusy, PatcherError, Refused
from patcher.keep import record

# Patch states that mean "nothing to do here".
SETTLED = ("applied", "not applicable")


def _kept_patches(catalog, kind: str, pins: list) -> list:
    """The kept patches of a kind, each exactly the content recorded at keep time."""
    out = []
    for ref, digest in pins:
        patch = catalog.get(ref)
        if patch.content_sha256 != digest:
            raise Refused(f"{ref}: its content changed since `patcher keep` (patcher upgraded?); run the apply "
                          "and `patcher keep` again")
        out.append(patch)
    return out


def _needs_apply(report: dict, refs: list[str]) -> bool:
    states = {p["ref"]: p for p in report["patches"]}
    for ref in refs:
        p = states.get(ref)
        if p and p["state"] == "unrecorded":
            raise Refused(f"{report['root']}: {ref} is applied but recorded in another state directory: {p['reason']}")
    return any(ref not in states or states[ref]["state"] not in SETTLED for ref in refs)


def run(state: Path, say=lambda s: None, lock_wait: float = 120.0) -> dict:
    """Re-apply what an update undid; the summary the companion reports from.
    `lock_wait`: how long to wait for another run on a target (each editor
    window starts a companion, and one of them may be rebuilding go): a target
    still locked after that is left to that run ("busy"), not a failure."""
    from patcher.catalog.catalog import Catalog, check_queries
    from patcher.state.runner import Run, apply_targets
    from patcher.targets import make_targets

    started = time.monotonic()
    doc = record.kept(state)
    if doc is None:
        raise Refused(f"{state}: nothing is kept here; run `patcher keep` after an apply")
    catalog = Catalog(compile_queries=False)
    flags = doc.get("flags", {})
    summary = {"schema": 1, "reapplied": [], "unchanged": [], "busy": [], "waiting": [], "failed": []}
    for option, value in doc["options"]:
        what, kind = (f"{option} {value}" if value else option), ""
        try:
            kind = record.kind_of(option)
            pins = doc["patches"].get(kind, [])
            refs = [ref for ref, _ in pins]
            targets = make_targets(record.given_of([(option, value)]), state, say, lock_wait,
                                   {"go": {"strict": bool(flags.get("strict"))}})
            for _, target in targets:
                report = target.status(catalog)
                name = f"{target.NAME} {target.root}"
                if not _needs_apply(report, refs):
                    summary["unchanged"].append({"kind": kind, "root": report["root"]})
                    continue
                waiting = target.not_yet()
                if waiting:  # (not a failure: a later start applies it)
                    summary["waiting"].append({"kind": kind, "root": report["root"], "reason": waiting})
                    continue
                patches = _kept_patches(catalog, kind, pins)
                for patch in patches:
                    check_queries(patch.manifest, patch.directory)
                try:
                    message = apply_targets([Run(target, patches, bool(flags.get("force")))], state)[0]
                except LockBusy:
                    summary["busy"].append({"kind": kind, "root": report["root"]})
                    continue
                except PatcherError as exc:
                    summary["failed"].append({"kind": kind, "what": name, "reason": str(exc)})
                    continue
                summary["reapplied"].append({"kind": kind, "root": report["root"], "what": message})
        except PatcherError as exc:
            summary["failed"].append({"kind": kind, "what": what, "reason": str(exc)})
    seconds = time.monotonic() - started
    summary["seconds"] = round(seconds, 3)
    parts = [f"{len(summary['unchanged'])} unchanged"] + [f"busy (another run on it): {b['root']}" for b in summary["busy"]]
    parts += [f"not yet: {w['reason']}" for w in summary["waiting"]]
    parts += [f"re-applied: {r['what']}" for r in summary["reapplied"]]
    parts += [f"failed: {f['what']}: {f['reason']}" for f in summary["failed"]]
    record.log(state, f"apply --kept ({seconds:.2f}s): " + "; ".join(parts))
    return summary
