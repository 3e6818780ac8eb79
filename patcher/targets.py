"""Every kind of target, by the name manifests use for it (`target = ...`)."""

from patcher.cursortarget import CursorTarget
from patcher.gotarget import GoTarget
from patcher.pwshtarget import PwshTarget
from patcher.settingstarget import SettingsTarget

TARGETS = {"go": GoTarget, "cursor": CursorTarget, "settings": SettingsTarget, "pwsh": PwshTarget}
