#!/usr/bin/env python3
"""Real VS Code builds from the npm registry, for the editor tests.

    python scripts/corpus.py fetch [VERSION...]   # code-server builds (default: all in the manifest)
    python scripts/corpus.py path VERSION         # prints the cached lib/vscode of one build
    python scripts/corpus.py manifest VERSION...  # (re)generate tests/corpus/code-server.json

Every code-server release ships a VS Code server build under
package/lib/vscode/: a real pty host and a real minified ES-module entry
(out/server-main.js).  `npm pack code-server@VERSION` fetches the release
(~45 MB); only the files in FILES are extracted into .cache/corpus (or
$PATCHER_CORPUS_CACHE) and checked against the sha256 in the committed
manifest; the tarball is deleted.  The release ships no node_modules: the
node-pty version its npm-shrinkwrap.json pins is fetched the same way
(`npm pack node-pty@X`) and its own files (package.json, the Windows agent,
the Windows prebuilds when the release has them) are cached beside it, so a
test can lay out the install `npm install` would give.

The manifest's facts (VS Code version, node-pty version, winpty yes/no) are
measured here with plain text checks, independently of patcher's own code:
winpty exists when the pty host picks its backend name between "conpty" and
"winpty" AND node-pty's lib/windowsPtyAgent.js still loads a winpty native
module (node-pty 1.2.0-beta.7 removed it; beta.6 and every 1.1.x have it).
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / "tests" / "corpus" / "code-server.json"
VSCODE = "lib/vscode"
PTY_HOST = f"{VSCODE}/out/vs/platform/terminal/node/ptyHostMain.js"
SERVER_MAIN = f"{VSCODE}/out/server-main.js"
FILES = [PTY_HOST, SERVER_MAIN, f"{VSCODE}/package.json", f"{VSCODE}/product.json", f"{VSCODE}/npm-shrinkwrap.json"]
# node-pty's own files that say whether it has a winpty backend.
NODE_PTY_FILES = ["package.json", "lib/windowsPtyAgent.js"]
NODE_PTY_WINDOWS = ["conpty.node", "winpty.dll", "winpty-agent.exe", "pty.node"]
NODE_PTY_PREBUILDS = "prebuilds/win32-x64"


class CorpusError(Exception):
    """A build cannot be fetched or is not the one the manifest describes."""


def cache_dir() -> Path:
    return Path(os.environ.get("PATCHER_CORPUS_CACHE") or REPO / ".cache" / "corpus")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def _npm_pack(spec: str, into: Path) -> Path:
    """`npm pack SPEC` into a directory; the tarball's path."""
    into.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", str(into)], capture_output=True,
                          text=True, timeout=900)
    if proc.returncode != 0:
        raise CorpusError(f"corpus: npm pack {spec} failed: {proc.stderr.strip()[-500:]}")
    return into / json.loads(proc.stdout)[0]["filename"]


def _extract(tgz: Path, members: list[str], dest: Path, optional: bool = False) -> list[str]:
    """Extract package/<member> for each member into dest/<member>; the ones found."""
    found = []
    with tarfile.open(tgz, "r:gz") as tar:
        wanted = {f"package/{m}": m for m in members}
        for info in tar:
            rel = wanted.get(info.name)
            if rel is None or not info.isfile():
                continue
            out = dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(info) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
            found.append(rel)
    missing = sorted(set(members) - set(found))
    if missing and not optional:
        raise CorpusError(f"corpus: {tgz.name} lacks {', '.join(missing)}")
    return sorted(found)


def _fetch_node_pty(version: str) -> Path:
    dest = cache_dir() / f"node-pty-{version}"
    if not (dest / ".complete").exists():
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            tgz = _npm_pack(f"node-pty@{version}", Path(tmp))
            stage = Path(tmp) / "files"
            _extract(tgz, NODE_PTY_FILES, stage)
            _extract(tgz, [f"{NODE_PTY_PREBUILDS}/{n}" for n in NODE_PTY_WINDOWS], stage, optional=True)
            (stage / ".complete").write_text("")
            shutil.rmtree(dest, ignore_errors=True)
            os.replace(stage, dest)
    return dest


def _verify(base: Path, expected: dict[str, str], what: str) -> None:
    for rel, digest in expected.items():
        path = base / rel
        if not path.is_file() or sha256(path) != digest:
            raise CorpusError(f"corpus: {path}: sha256 differs from the manifest ({what}); delete {base} to fetch again")


def _fetch_code_server(version: str) -> Path:
    dest = cache_dir() / f"code-server-{version}"
    if not (dest / ".complete").exists():
        cache_dir().mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            tgz = _npm_pack(f"code-server@{version}", Path(tmp))
            stage = Path(tmp) / "files"
            _extract(tgz, FILES, stage)
            (stage / ".complete").write_text("")
            shutil.rmtree(dest, ignore_errors=True)
            os.replace(stage, dest)
    return dest


def fetch(build: dict) -> tuple[Path, Path]:
    """The cached code-server build and its node-pty files (fetched on first use, checked every time)."""
    cs = _fetch_code_server(build["version"])
    _verify(cs, build["files"], f"code-server@{build['version']}")
    pty = _fetch_node_pty(build["node_pty"])
    _verify(pty, build["node_pty_files"], f"node-pty@{build['node_pty']}")
    return cs, pty


def lay_out(build: dict, root: Path, with_node_pty: bool = True) -> Path:
    """The build laid out under root as `npm install` would (node-pty's own files
    under the app's node_modules, unless not wanted); returns the app (lib/vscode)."""
    cs, pty = fetch(build)
    for rel in build["files"]:
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cs / rel, dest)
    app = root / VSCODE
    if with_node_pty:
        for rel in build["node_pty_files"]:
            dest = app / "node_modules" / "node-pty" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(pty / rel, dest)
    return app


def build(version: str) -> dict:
    """The manifest entry of one code-server version."""
    for b in load_manifest()["builds"]:
        if b["version"] == version:
            return b
    raise CorpusError(f"corpus: code-server@{version} is not in {MANIFEST}")


# -- measuring the facts (plain text checks, not patcher's code) -------------
_CHOOSER = re.compile(rb"""\?\s*["']conpty["']\s*:\s*["']winpty["']""")


def measure(cs: Path, pty: Path) -> dict:
    vscode = json.loads((cs / VSCODE / "package.json").read_text(encoding="utf-8"))
    shrink = json.loads((cs / VSCODE / "npm-shrinkwrap.json").read_text(encoding="utf-8"))
    pinned = shrink["packages"]["node_modules/node-pty"]["version"]
    host = (cs / PTY_HOST).read_bytes()
    agent = (pty / "lib/windowsPtyAgent.js").read_bytes()
    chooser = bool(_CHOOSER.search(host))
    agent_winpty = b"winptyNative" in agent
    prebuilds = sorted(p.name for p in (pty / NODE_PTY_PREBUILDS).glob("*")) if (pty / NODE_PTY_PREBUILDS).is_dir() else []
    return {"vscode": vscode["version"], "node_pty": pinned, "pty_host_chooses_backend": chooser,
            "node_pty_agent_has_winpty": agent_winpty, "node_pty_windows_prebuilds": prebuilds,
            "esm": vscode.get("type") == "module", "winpty": chooser and agent_winpty}


def regenerate(versions: list[str], defaults: list[str]) -> dict:
    builds = []
    for version in versions:
        shutil.rmtree(cache_dir() / f"code-server-{version}", ignore_errors=True)  # measure what npm has now
        cs = _fetch_code_server(version)
        shrink = json.loads((cs / VSCODE / "npm-shrinkwrap.json").read_text(encoding="utf-8"))
        pty = _fetch_node_pty(shrink["packages"]["node_modules/node-pty"]["version"])
        facts = measure(cs, pty)
        files = {rel: sha256(cs / rel) for rel in FILES}
        np_files = {p.relative_to(pty).as_posix(): sha256(p) for p in sorted(pty.rglob("*")) if p.is_file()
                    and p.name != ".complete"}
        builds.append({"package": f"code-server@{version}", "version": version, **facts,
                       "default": version in defaults, "files": files, "node_pty_files": np_files})
        print(f"{version}: VS Code {facts['vscode']}, node-pty {facts['node_pty']}, winpty {facts['winpty']}", file=sys.stderr)
    return {"schema": 1, "about": "code-server releases from npm: VS Code server builds (facts measured by scripts/corpus.py)",
            "builds": builds}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("fetch", "path", "manifest"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return _run(argv[0], argv[1:])
    except CorpusError as exc:
        print(exc, file=sys.stderr)
        return 1


def _run(cmd: str, args: list[str]) -> int:
    if cmd == "manifest":
        defaults = [a[1:] for a in args if a.startswith("+")]
        versions = [a.lstrip("+") for a in args]
        doc = regenerate(versions, defaults)
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        MANIFEST.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        return 0
    builds = {b["version"]: b for b in load_manifest()["builds"]}
    for version in args or list(builds):
        if version not in builds:
            raise CorpusError(f"corpus: code-server {version} is not in {MANIFEST}")
        cs, _ = fetch(builds[version])
        if cmd == "path":
            print(cs / VSCODE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
