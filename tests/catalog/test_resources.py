"""An installed wheel (not this checkout) carries the catalog and the fingerprints."""

import subprocess
import sys

from conftest import REPO


def test_wheel_install_finds_patches_and_fingerprints(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-1500:]
    assert "Package would be ignored" not in build.stderr
    (wheel,) = wheels.glob("patcher-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import patcher, json; from patcher.catalog.catalog import Catalog; from patcher.targets.go.goroot import fingerprints;"
            "print(json.dumps([patcher.__file__, [p.ref for p in Catalog().all()], len(fingerprints()['releases'])]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-1500:]
    import json
    location, refs, releases = json.loads(out.stdout)
    assert location.startswith(str(target)), "the installed copy, not the checkout"
    from patcher.catalog.catalog import Catalog
    assert refs == [p.ref for p in Catalog().all()], "every patch of the checkout's catalog is in the wheel"
    assert len(refs) >= 8
    assert releases >= 26
