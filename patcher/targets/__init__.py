"""Every kind of target, by the name manifests use for it (`target = ...`).

Imported on first use: `patcher --help` or `list` need none of them, and
each pulls in what its own work needs (a parser, a build driver).
"""

import importlib

_CLASSES = {"go": "patcher.targets.go.target:GoTarget", "cursor": "patcher.targets.editor.target:CursorTarget",
            "goext": "patcher.targets.goext.target:GoExtTarget",
            "settings": "patcher.targets.settings:SettingsTarget", "pwsh": "patcher.targets.pwsh:PwshTarget"}
KINDS = tuple(_CLASSES)


def target_class(kind: str):
    module, name = _CLASSES[kind].split(":")
    return getattr(importlib.import_module(module), name)
