"""What an apply to a GOROOT will do, computed in memory: the target sources
verified against their fingerprints (or found unverified), every patch run
over them, and the overlay files that result.  Nothing is written here."""

from dataclasses import dataclass, field

from patcher.catalog.catalog import Patch
from patcher.engine.apply import EngineResult, apply_patches
from patcher.engine.diffs import unified
from patcher.errors import Refused
from patcher.state.treepaths import inside
from patcher.targets.go.goroot import GoRoot, check_supported, fingerprints, unverified_reason, verify_fingerprint


@dataclass
class Plan:
    goroot: GoRoot
    patches: list[Patch]
    result: EngineResult
    source_hashes: dict[str, str] = field(default_factory=dict)
    unverified: str | None = None  # why the sources are not verified upstream files, if they are not

    def overlay_files(self) -> dict[str, bytes]:
        files = {rel: r.patched for rel, r in self.result.files.items()}
        files.update({rel: a.data for rel, a in self.result.added.items()})
        return files

    def diff(self) -> str:
        parts = [unified(rel, r.original, r.patched) for rel, r in sorted(self.result.files.items())]
        parts += [unified(rel, None, a.data) for rel, a in sorted(self.result.added.items())]
        return "".join(parts)


def make_plan(goroot: GoRoot, patches: list[Patch], force: bool, strict: bool = False) -> Plan:
    if not patches:
        raise Refused("no Go patch selected")
    check_supported(goroot, [(p.ref, p.manifest.releases) for p in patches])
    hashes: dict[str, str] = {}
    unverified: list[str] = []

    def read(rel: str) -> bytes:
        inside(goroot.root, rel)
        try:
            data = goroot.path(rel).read_bytes()
        except FileNotFoundError:
            raise Refused(f"{goroot.label(rel)}: missing (incomplete GOROOT?)") from None
        except OSError as exc:
            raise Refused(f"{goroot.label(rel)}: cannot read ({exc.strerror})") from None
        hashes[rel], verified = verify_fingerprint(goroot, rel, data, force, strict)
        if not verified:
            unverified.append(rel)
        return data

    result = apply_patches(patches, read, lambda f: f, goroot.label)
    for rel in result.added:
        if goroot.path(rel).exists():
            raise Refused(f"{goroot.label(rel)}: already exists; the patch would add a file by that name")
    why = None
    if unverified and goroot.version in fingerprints().get("releases", {}):
        why = (f"{', '.join(unverified)}: sha256 not the upstream one for {goroot.version}"
               + (", patched with --force" if force else ""))
    elif unverified:
        why = unverified_reason(goroot)
    return Plan(goroot, patches, result, hashes, why)
