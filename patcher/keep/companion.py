"""`patcher keep` and `patcher keep --off`: the kept record and the companion
extension it installs in the extensions folder of each editor concerned.

The editors concerned: for a kept editor install, its own extensions folder
(`~/<product.json dataFolderName>/extensions`: `.cursor` for Cursor,
`.vscode` for VS Code); for a kept Go extension, the extensions folder it is
in; with neither among the kept targets, the Cursor and VS Code extensions
folders that exist.  Each companion is a target of its own
(targets/companion.py), all installed in one transaction, and removed again
byte for byte by `keep --off`.
"""

import time
from pathlib import Path

from patcher.errors import PatcherError, Refused, UsageError
from patcher.keep import record
from patcher.state.statedir import canonical_root
from patcher.targets.goext.locate import EXTENSION_FOLDERS

# Where Cursor and VS Code keep their extensions on this machine (not their servers'), when no kept target names one.
DEFAULT_FOLDERS = tuple(f for f in EXTENSION_FOLDERS if "-server/" not in f)


def editor_extensions_folder(app: Path) -> Path:
    """An editor install's own extensions folder: ~/<dataFolderName>/extensions (product.json)."""
    from patcher.engine import jsonc

    product = app / "product.json"
    try:
        doc = jsonc.load(product.read_bytes(), str(product))
    except OSError as exc:
        raise Refused(f"{product}: cannot read ({exc.strerror}); cannot tell where the editor keeps its extensions") from None
    name = doc.get("dataFolderName") if isinstance(doc, dict) else None
    if not isinstance(name, str) or not name or "/" in name or "\\" in name:
        raise Refused(f"{product}: has no dataFolderName; cannot tell where the editor keeps its extensions")
    return Path.home() / name / "extensions"


def companion_folders(options: list, say) -> list[Path]:
    """The extensions folders the companion goes into, for these kept options."""
    folders = []
    for option, value in options:
        if option == "--cursor":
            folders.append(editor_extensions_folder(Path(value)))
        elif option == "--go-ext":
            folders.append(Path(value))
    if not folders:
        folders = [f for f in (Path.home().joinpath(*rel.split("/")) for rel in DEFAULT_FOLDERS) if f.is_dir()]
        if not folders:
            raise Refused("nothing to install the companion in: no editor or Go extension is kept and there is no "
                          f"{' or '.join('~/' + f for f in DEFAULT_FOLDERS)}; keep --cursor or --go-ext too")
        say("note: the companion goes into " + ", ".join(map(str, folders)) + " (no editor or Go extension is kept)")
    return list({canonical_root(f): f.absolute() for f in folders}.values())


def _same(a: tuple, b: tuple) -> bool:
    return a[0] == b[0] and (a[1] == b[1] or (a[1] is not None and b[1] is not None
                                               and canonical_root(Path(a[1])) == canonical_root(Path(b[1]))))


def _chosen(options: list, limit: list) -> list:
    """The options of the last apply that `keep`'s own target options name
    (`limit`: how those targets are kept, TargetBase.kept_as); all without any."""
    if not limit:
        return options
    missing = [o for o in limit if not any(_same(o, k) for k in options)]
    if missing:
        raise UsageError(f"{' '.join(o for o in missing[0] if o)}: not a target of the last apply; apply it first")
    return [o for o in options if any(_same(o, k) for k in limit)]


def keep(state: Path, limit: list, say) -> list[str]:
    """Record what is kept (the last apply's targets and pins, as `limit` narrows them) and
    install the companion in each editor concerned; messages."""
    from patcher.catalog.catalog import Catalog
    from patcher.catalog.pins import select
    from patcher.state.runner import Run, apply_targets
    from patcher.targets.companion import CompanionTarget

    last = record.last_apply(state)
    if last is None:
        raise Refused(f"{state}: no successful apply recorded here; run `patcher apply` first, then `patcher keep`")
    options = _chosen([tuple(o) for o in last["options"]], limit)
    kinds = {record.kind_of(o) for o, _ in options}
    previous = record.kept(state)
    command, env = record.patcher_command()
    same = previous and previous["command"] == command and previous["env"] == env
    settings = {"command": command, "env": env, "stateDir": str(state),
                "installedTimestamp": previous["installedTimestamp"] if same else int(time.time() * 1000)}
    folders = companion_folders(options, say)
    catalog = Catalog()
    (patch,), _ = select(catalog, "companion", [], Path.cwd())
    doc = {"options": [list(o) for o in options], "patches": {k: v for k, v in last["patches"].items() if k in kinds},
           "flags": last.get("flags", {}),
           "command": command, "env": env, "installedTimestamp": settings["installedTimestamp"],
           "companions": [str(f) for f in folders], "companion": patch.ref}
    # The record first: a companion never runs without one (and is put back as it was if the install fails).
    record.save_kept(state, doc)
    try:
        messages = apply_targets([Run(CompanionTarget(str(f), state, say, settings=settings), [patch]) for f in folders], state)
    except BaseException:
        record.save_kept(state, previous) if previous else record.forget_kept(state)
        raise
    left = []
    for old in (previous or {}).get("companions", []):
        if canonical_root(Path(old)) not in {canonical_root(f) for f in folders}:
            try:
                messages.append(CompanionTarget(old, state, say).revert(force=False))
            except PatcherError as exc:  # (still installed: kept in the record, so `keep --off` takes it out)
                left.append(old)
                messages.append(f"the companion kept before in {old} stays: {exc}")
    if left:
        record.save_kept(state, dict(doc, companions=doc["companions"] + left))
    kept = ", ".join(f"{o} {v}" if v else o for o, v in options)
    return messages + [f"kept: {kept}; `patcher apply --kept` runs at every start of the editor (reload the window, "
                       "or start the editor again, to start the companion now)"]


def keep_off(state: Path, say) -> list[str]:
    """Remove every companion and the kept record."""
    from patcher.targets.companion import CompanionTarget

    doc = record.kept(state)
    if doc is None:
        return [f"nothing is kept in {state}"]
    messages = []
    for folder in doc.get("companions", []):
        try:
            messages.append(CompanionTarget(folder, state, say).revert(force=False))
        except PatcherError:
            record.save_kept(state, dict(doc, companions=doc["companions"][doc["companions"].index(folder):]))
            raise
    record.forget_kept(state)
    return messages + [f"nothing is kept any more in {state}"]
