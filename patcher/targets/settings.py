"""The editor's user settings.json as a target (patches of kind "settings").

A settings patch names members to set (see manifest.Member); they are set
with jsonc.py, which keeps comments, trailing commas and the user's
formatting.  The result is checked to mean exactly the old settings with
those members set.  A settings.json that does not exist yet is created.
"""

import copy

from patcher.catalog.catalog import Patch
from patcher.engine import jsonc
from patcher.engine.text import check_utf8
from patcher.errors import Refused
from patcher.targets.editor.locate import find_settings
from patcher.targets.inplace import SingleFileTarget


def wanted_members(patch: Patch, env: dict) -> list[tuple[list[str], object]]:
    """(key path, value) pairs a settings patch sets, given the --env values."""
    out = []
    m = patch.manifest
    for member in m.members:
        if member.from_param:
            table = dict(m.params.get(member.from_param) or {}, **(env if member.from_param == "env" else {}))
            out += [(list(member.path) + [k], v) for k, v in sorted(table.items())]
        else:
            out.append((list(member.path), member.value))
    return out


def _deep_set(doc: dict, path: list[str], value) -> None:
    for key in path[:-1]:
        if not isinstance(doc.get(key), dict):
            doc[key] = {}
        doc = doc[key]
    doc[path[-1]] = value


def apply_members(original: bytes | None, members: list[tuple[list[str], object]], label: str) -> bytes:
    """The new settings.json bytes; refused unless they mean the old settings plus the members."""
    base = original if original is not None else b"{\n}\n"
    check_utf8(base, label)
    new = jsonc.set_members(base, members, label)
    expected = copy.deepcopy(jsonc.load(base, label))
    if not isinstance(expected, dict):
        raise Refused(f"{label}: the top level is not an object")
    for path, value in members:
        _deep_set(expected, path, value)
    if jsonc.load(new, label) != expected:  # pragma: no cover - jsonc.set_members is tested to prevent this
        raise Refused(f"{label}: the edited settings would not mean what was intended; nothing written")
    return new


class SettingsTarget(SingleFileTarget):
    KIND = "settings"
    OPTION = "--settings"
    NAME = "settings file"
    locate = staticmethod(find_settings)

    @staticmethod
    def edit(original: bytes | None, patches: list[Patch], env: dict, label: str) -> bytes:
        return apply_members(original, [m for p in patches for m in wanted_members(p, env)], label)

    @staticmethod
    def describe(original: bytes | None, patches: list[Patch], env: dict) -> str:
        count = sum(len(wanted_members(p, env)) for p in patches)
        return f"{count} settings" + ("" if original is not None else ", new file")
