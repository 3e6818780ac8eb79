"""Every kind of target, by the name manifests use for it (`target = ...`).

Imported on first use: `patcher --help` or `list` need none of them, and
each pulls in what its own work needs (a parser, a build driver).
"""

import importlib

_CLASSES = {"go": "patcher.gotarget:GoTarget", "cursor": "patcher.cursortarget:CursorTarget",
            "settings": "patcher.settingstarget:SettingsTarget", "pwsh": "patcher.pwshtarget:PwshTarget"}
KINDS = tuple(_CLASSES)


def target_class(kind: str):
    module, name = _CLASSES[kind].split(":")
    return getattr(importlib.import_module(module), name)
