"""Every kind of target, by the name manifests use for it (`target = ...`).

Imported on first use: `patcher --help` or `list` need none of them, and
each pulls in what its own work needs (a parser, a build driver).
"""

import importlib

_CLASSES = {"go": "patcher.targets.go.target:GoTarget", "cursor": "patcher.targets.editor.target:CursorTarget",
            "goext": "patcher.targets.goext.target:GoExtTarget", "companion": "patcher.targets.companion:CompanionTarget",
            "settings": "patcher.targets.settings:SettingsTarget", "pwsh": "patcher.targets.pwsh:PwshTarget"}
KINDS = tuple(_CLASSES)
# Arguments that name several targets of a kind at once: `--go-toolchains` (its module cache)
# names every Go toolchain in it.
GROUPS = {"go-toolchains": ("go", "patcher.targets.go.toolchains:expand")}


def target_class(kind: str):
    module, name = _CLASSES[kind].split(":")
    return getattr(importlib.import_module(module), name)


def patch_kind(kind: str) -> str:
    """The kind of patches a (possibly grouped) kind of argument takes."""
    return GROUPS[kind][0] if kind in GROUPS else kind


def _group_expander(kind: str):
    module, name = GROUPS[kind][1].split(":")
    return getattr(importlib.import_module(module), name)


def make_targets(given: list[tuple[str, str]], state_dir, say, lock_wait: float = 0.0, extra: dict | None = None) -> list:
    """(kind, target) for each (kind, command-line argument); an argument may
    name several targets (`--go-ext auto`, a GROUPS kind), each said in a note,
    and a target named twice (`--go-src auto` and `--go-toolchains` naming the
    same toolchain) is taken once.  `extra`: more constructor arguments per
    kind (e.g. the go build's progress)."""
    from patcher.state.statedir import canonical_root

    out, seen = [], set()
    for kind, arg in given:
        real = patch_kind(kind)
        cls = target_class(real)
        names = _group_expander(kind)(arg, say) if kind in GROUPS else cls.expand(arg, say)
        for one in names:
            target = cls(one, state_dir, say=say, lock_wait=lock_wait, **(extra or {}).get(real, {}))
            key = (real, canonical_root(target.state_key))
            if key not in seen:
                seen.add(key)
                out.append((real, target))
    return out
