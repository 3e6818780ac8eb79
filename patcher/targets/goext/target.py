"""The Go extension (golang.go) target: an installed extension folder.

Patches edit its bundles in place (see jsbundle.py and inplace.py): the
bundle package.json's "main" names (role @main, dist/goMain.js) and the
legacy debug adapter, package.json's debugger program (role @debugadapter,
dist/debugAdapter.js; a release without one has no such role).  Extension
bundles change with every release, so, as for the editor, there is no list
of known hashes: a bundle is accepted when every anchor matches as the patch
says and the result passes `node --check`, run first with the runtime of the
extension host that loads the folder.  An update installs a new folder, which
is a new target: unpatched until applied.
"""

from pathlib import Path

from patcher.errors import NotApplicable
from patcher.targets.goext import locate
from patcher.targets.goext.roles import CASE_PATHS
from patcher.targets.inplace import Say
from patcher.targets.jsbundle import BundleTarget, package_file, read_package_json


class GoExtTarget(BundleTarget):
    KIND = "goext"
    OPTION = "--go-ext"
    NAME = "Go extension"
    MARKS = (b"patcher: goext/",)  # what every goext patch's inserted code says first
    MARKED_ROLES = ("@main", "@debugadapter")
    RESTORE_ADVICE = "reinstall the Go extension to get the original back"
    USES_ENV = False
    CASE_PATHS = CASE_PATHS

    def __init__(self, arg: str, state_dir: Path, say: Say = lambda s: None, lock_wait: float = 0.0):
        installed = locate.find_extension(arg)
        super().__init__(installed.folder, state_dir, say, lock_wait)
        self.version = installed.version

    @staticmethod
    def expand(arg: str, say: Say) -> list[str]:
        return locate.expand(arg, say)

    def kept_as(self) -> tuple[str, str | None]:
        """The extensions folder, not this folder: an update installs the next one beside it."""
        return "--go-ext", str(self.root.parent)

    def release(self) -> str | None:
        return f"golang.go {self.version}"

    def _find_role(self, name: str) -> str:
        doc = read_package_json(self.root, locate.WHAT)
        if name == "@main":
            return package_file(self.root, doc.get("main"), '"main"', "the extension's bundle", "the extension folder")
        if name == "@debugadapter":
            debuggers = (doc.get("contributes") or {}).get("debuggers") if isinstance(doc.get("contributes"), dict) else None
            programs = [d.get("program") for d in debuggers or [] if isinstance(d, dict) and d.get("program")]
            if not programs:
                raise NotApplicable(f"{self.root / 'package.json'}: names no debug adapter program (no legacy adapter)")
            if len(set(programs)) > 1:
                raise NotApplicable(f"{self.root / 'package.json'}: names several debug adapter programs "
                                    f"({', '.join(sorted(set(programs)))}); cannot tell which is the legacy adapter")
            return package_file(self.root, programs[0], "contributes.debuggers[].program", "the legacy debug adapter",
                                "the extension folder")
        raise self.unknown_role(name)

    def runtime_candidates(self) -> list[Path]:
        return locate.host_runtimes(self.root)
