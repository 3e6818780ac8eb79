"""What patcher reads from go is read as UTF-8, the way go writes it to a
pipe on every system, and not in the locale's encoding, which on Windows is
the ANSI code page (GBK on a Chinese Windows) unless Python runs in UTF-8
mode.  Python is run here in a real GBK locale (made with localedef) to be
the Python of a Chinese Windows; a stand-in `go` answers with the UTF-8 of a
GOROOT under a CJK folder."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ODD_DIR, REPO

STANDIN_GO = """#!{python}
import os, sys
# The paths' own bytes, which are UTF-8 (os.fsencode undoes this process's GBK locale): what go
# writes on Windows, where a path is Unicode whatever the code pages.
# (From its own path: read_settings passes go no variable of ours.)
goroot = os.fsencode(os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[0]))))
if sys.argv[1:] == ["env", "GOROOT"]:
    sys.stdout.buffer.write(goroot + b"\\n")
elif sys.argv[1:3] == ["version", "-m"]:
    sys.stdout.buffer.write(os.fsencode(sys.argv[3]) + b": go1.25.5\\n\\tpath\\tcmd/go\\n\\tbuild\\tGOOS=windows\\n"
                            b"\\tbuild\\tGOARCH=amd64\\n\\tbuild\\t-trimpath=true\\n")
else:
    sys.exit(2)
"""

ASK = """
import json, locale, sys
from pathlib import Path
from patcher.targets.go.build import _path_goroot, read_settings
from patcher.targets.go.goroot import goroot_of
go = Path(sys.argv[1])
settings = read_settings(go, go.parent.parent)
print(json.dumps({"locale": locale.getpreferredencoding(False), "goroot_of": str(goroot_of(go)),
                  "path_goroot": str(_path_goroot()), "settings": [settings.env, settings.flags]}))
"""


@pytest.fixture(scope="module")
def gbk_locale(tmp_path_factory):
    """LOCPATH and LC_ALL of a zh_CN.GBK locale (glibc's localedef, Debian's locales data)."""
    if not shutil.which("localedef"):
        pytest.skip("no localedef (Debian package libc-bin)")
    where = tmp_path_factory.mktemp("locale")
    proc = subprocess.run(["localedef", "-i", "zh_CN", "-f", "GBK", str(where / "zh_CN.GBK")],
                          capture_output=True, text=True)
    if not (where / "zh_CN.GBK").exists():
        pytest.skip(f"cannot make a GBK locale here (Debian package locales): {proc.stderr.strip()}")
    return {"LOCPATH": str(where), "LC_ALL": "zh_CN.GBK", "PYTHONUTF8": "0"}


def test_go_answers_are_read_as_utf8_in_a_gbk_locale(tmp_path, gbk_locale):
    goroot = tmp_path / "张三" / ODD_DIR / "go"  # "Go 工具链 root": its UTF-8 is not even valid GBK
    go = goroot / "bin" / "go"
    go.parent.mkdir(parents=True)
    go.write_text(STANDIN_GO.format(python=sys.executable), encoding="utf-8")
    go.chmod(0o755)
    env = dict(os.environ, PYTHONPATH=str(REPO), PATH=f"{go.parent}{os.pathsep}{os.environ['PATH']}", **gbk_locale)
    proc = subprocess.run([sys.executable, "-c", ASK, str(go)], capture_output=True, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    got = json.loads(proc.stdout)
    assert got["locale"].lower() == "gbk", "the test's own premise: Python reads pipes in GBK here"
    assert got["goroot_of"] == str(goroot) and got["path_goroot"] == str(goroot)
    assert got["settings"] == [{"GOOS": "windows", "GOARCH": "amd64"}, ["-trimpath"]]
