#!/usr/bin/env python3
"""A runnable code-server from npm, for the tests of `patcher keep` (issue 17).

    python scripts/codeserver.py fetch [VERSION]      # prints the code-server executable
    python scripts/codeserver.py vsix EXT_DIR OUT.vsix
    python scripts/codeserver.py demo [VERSION]       # install tests/fixtures/ext-sample, open the
                                                      # workbench in headless chromium, wait for activate()

scripts/corpus.py only extracts files from the npm tarball; this one runs the
release's own postinstall (`npm install`), which builds its native modules
with node-gyp against node's own headers (nodesource ships /usr/include/node,
so nothing is downloaded for them).  Needs g++, make, python3 and, for the
`kerberos` module, libkrb5-dev (`apt-get install libkrb5-dev`).  Two steps of
that postinstall would download from outside the registries; both are fed
locally instead (see _seed_ripgrep and npm_config_yes below).  Prebuilt
binaries (argon2, kerberos) are tried from GitHub first: those attempts fail
here and the modules are compiled from source instead, which is expected.

4.100.3 (VS Code 1.100.3) is the newest release that asks for node 20: 4.103.2
on ask for 22, 4.133.0 on for 24, and the postinstall refuses another major.
fetch(force_node=True) sets FORCE_NODE_VERSION to get past that, but on node 20
4.117.0's extension host then needs NODE_OPTIONS=--experimental-websocket (no
global WebSocket) and 4.139.1's VS Code does not load at all.
"""

import json
import os
import platform
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VERSION = "4.100.3"
SAMPLE = REPO / "tests" / "fixtures" / "ext-sample"


class CodeServerError(Exception):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("PATCHER_CODESERVER_CACHE") or REPO / ".cache" / "code-server")


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=False, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, **kw)


def _npm_pack(spec: str, into: Path) -> Path:
    proc = _run(["npm", "pack", spec, "--json", "--pack-destination", into], timeout=900)
    if proc.returncode != 0:
        raise CodeServerError(f"npm pack {spec} failed: {proc.stderr.strip()[-500:]}")
    return into / json.loads(proc.stdout)[0]["filename"]


def _member(tgz: Path, name: str) -> str:
    with tarfile.open(tgz, "r:gz") as tar:
        return tar.extractfile(f"package/{name}").read().decode("utf-8")


def _seed_ripgrep(code_server_tgz: Path, tmp: Path) -> None:
    """@vscode/ripgrep's postinstall downloads rg from GitHub, unless the asset is
    already in its cache, $TMPDIR/vscode-ripgrep-cache-<pkg version>/.  Put a tarball
    of the local rg there (Debian `ripgrep`; a stub when missing: the tests never search).
    Releases on @vscode/ripgrep-universal (4.133 on) ship rg inside the npm package."""
    shrink = json.loads(_member(code_server_tgz, "lib/vscode/npm-shrinkwrap.json"))
    if "node_modules/@vscode/ripgrep" not in shrink["packages"]:
        return
    version = shrink["packages"]["node_modules/@vscode/ripgrep"]["version"]
    rg_tgz = _npm_pack(f"@vscode/ripgrep@{version}", tmp)
    m = re.search(r"const VERSION = '([^']+)'", _member(rg_tgz, "lib/postinstall.js"))
    if not m:
        raise CodeServerError(f"@vscode/ripgrep@{version}: no VERSION in lib/postinstall.js")
    arch = {"x86_64": "x86_64", "aarch64": "aarch64"}[platform.machine()]
    asset = tmp / f"vscode-ripgrep-cache-{version}" / f"ripgrep-{m.group(1)}-{arch}-unknown-linux-musl.tar.gz"
    asset.parent.mkdir(parents=True, exist_ok=True)
    rg = tmp / "rg"
    if shutil.which("rg"):
        shutil.copy(shutil.which("rg"), rg)
    else:
        rg.write_text("#!/bin/sh\necho 'rg: stub (scripts/codeserver.py)' >&2\nexit 2\n")
        rg.chmod(0o755)
    with tarfile.open(asset, "w:gz") as tar:
        tar.add(rg, "rg")


def cli_env(user_data_dir: Path, env: dict | None = None) -> dict:
    """Whatever --user-data-dir says, code-server writes config.yaml into
    $XDG_CONFIG_HOME/code-server, its own logs into $XDG_DATA_HOME/code-server and a
    device id into $XDG_CACHE_HOME/Microsoft: keep them all out of the real home."""
    env = dict(os.environ if env is None else env)
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
        env[var] = str(Path(user_data_dir) / ".xdg" / sub)
    return env


def version_of(code_server: Path) -> str:
    """`--version`, once VS Code itself is seen to load: --version is answered by
    code-server's own wrapper and passes even where VS Code cannot start (4.139.1 on
    node 20: no module.registerHooks); --list-extensions loads VS Code's CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        env = cli_env(Path(tmp))
        for args in (["--list-extensions", "--extensions-dir", Path(tmp) / "ext", "--user-data-dir", tmp],
                     ["--version"]):
            proc = _run([code_server, *args], env=env, timeout=120)
            if proc.returncode != 0:
                raise CodeServerError(f"{code_server} {args[0]} failed: {(proc.stdout + proc.stderr).strip()[-500:]}")
    return proc.stdout.strip().splitlines()[-1]


def fetch(version: str = DEFAULT_VERSION, force_node: bool = False) -> Path:
    """Install code-server@version into .cache/code-server/<version> (idempotent);
    the path of its bin/code-server.  force_node: let a release that asks for
    another node major install on this one (unsupported upstream)."""
    dest = cache_dir() / version
    exe = dest / "node_modules" / ".bin" / "code-server"
    if (dest / ".complete").exists():
        return exe
    if not Path("/usr/include/gssapi/gssapi.h").exists():
        raise CodeServerError("code-server's kerberos module needs gssapi.h: apt-get install libkrb5-dev")
    for tool in ("g++", "make", "python3", "npm"):
        if not shutil.which(tool):
            raise CodeServerError(f"building code-server's native modules needs {tool}")
    shutil.rmtree(dest, ignore_errors=True)
    tmp = dest / ".tmp"
    tmp.mkdir(parents=True)
    t0 = time.monotonic()
    tgz = _npm_pack(f"code-server@{version}", tmp)
    _seed_ripgrep(tgz, tmp)
    (dest / "package.json").write_text('{"private": true}\n')
    env = dict(os.environ, TMPDIR=str(tmp),
               # root: the postinstall insists on it (it reads $npm_config_unsafe_perm)
               npm_config_unsafe_perm="true",
               # node-pty's postinstall runs `npx node-gyp`, which asks before fetching
               # node-gyp from the registry; with no stdin it gives up and fails.
               npm_config_yes="true")
    if force_node:
        env["FORCE_NODE_VERSION"] = re.match(r"v(\d+)", _run(["node", "--version"]).stdout).group(1)
    with open(dest / "install.log", "w") as log:
        proc = subprocess.run(["npm", "install", str(tgz), "--no-audit", "--no-fund", "--foreground-scripts"],
                              cwd=dest, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                              timeout=1800, check=False)
    if proc.returncode != 0:
        raise CodeServerError(f"npm install code-server@{version} failed: see {dest / 'install.log'}")
    got = version_of(exe)
    shutil.rmtree(tmp)
    (dest / ".complete").write_text(f"{got}\ninstalled in {time.monotonic() - t0:.0f}s\n")
    return exe


# --- VSIX -------------------------------------------------------------------

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same folder gives the same bytes
_TYPES = {".js": "application/javascript", ".cjs": "application/javascript", ".json": "application/json",
          ".md": "text/markdown", ".txt": "text/plain", ".vsixmanifest": "text/xml"}


def _manifest(pkg: dict) -> str:
    # The fields vsce writes that say who the extension is; VS Code itself reads
    # only extension/package.json, but the marketplace format wants this file.
    a = lambda v: quoteattr(str(v))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011" xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">
  <Metadata>
    <Identity Language="en-US" Id={a(pkg["name"])} Version={a(pkg["version"])} Publisher={a(pkg["publisher"])} />
    <DisplayName>{escape(pkg.get("displayName", pkg["name"]))}</DisplayName>
    <Description xml:space="preserve">{escape(pkg.get("description", ""))}</Description>
    <Properties>
      <Property Id="Microsoft.VisualStudio.Code.Engine" Value={a(pkg["engines"]["vscode"])} />
      <Property Id="Microsoft.VisualStudio.Code.ExecutesCode" Value={a("true" if pkg.get("main") else "false")} />
    </Properties>
  </Metadata>
  <Installation>
    <InstallationTarget Id="Microsoft.VisualStudio.Code"/>
  </Installation>
  <Dependencies/>
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true" />
  </Assets>
</PackageManifest>
"""


def build_vsix(ext_dir: Path, out_path: Path) -> Path:
    """Zip ext_dir (package.json at its top) the way vsce lays a VSIX out:
    extension.vsixmanifest, [Content_Types].xml, extension/<every file>."""
    ext_dir, out_path = Path(ext_dir), Path(out_path)
    pkg = json.loads((ext_dir / "package.json").read_text(encoding="utf-8"))
    files = sorted(p for p in ext_dir.rglob("*") if p.is_file())
    rels = [p.relative_to(ext_dir).as_posix() for p in files]
    defaults = sorted({Path(r).suffix.lower() for r in rels if Path(r).suffix} | {".vsixmanifest"})
    types = "".join(f'<Default Extension="{s}" ContentType="{_TYPES.get(s, "application/octet-stream")}"/>'
                    for s in defaults)
    types += "".join(f'<Override PartName={quoteattr("/extension/" + r)} ContentType="application/octet-stream"/>'
                     for r in rels if not Path(r).suffix)
    content_types = ('<?xml version="1.0" encoding="utf-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
                     f'package/2006/content-types">{types}</Types>')

    def add(z, name, data, mode=0o644):
        info = zipfile.ZipInfo(name, _ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = (stat.S_IFREG | mode) << 16  # VS Code's extractor keeps these modes
        z.writestr(info, data)

    out_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_path, "w") as z:
        add(z, "extension.vsixmanifest", _manifest(pkg))
        add(z, "[Content_Types].xml", content_types)
        for path, rel in zip(files, rels):
            add(z, f"extension/{rel}", path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    return out_path


# --- the CLI ----------------------------------------------------------------

def install_extension(code_server: Path, vsix_or_dir: Path, extensions_dir: Path, user_data_dir: Path,
                      *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`code-server --install-extension`; runs offline (no gallery request for a VSIX).
    extra: e.g. "--force" to reinstall the same version."""
    return _run([code_server, "--install-extension", vsix_or_dir, "--extensions-dir", extensions_dir,
                 "--user-data-dir", user_data_dir, *extra], env=cli_env(user_data_dir, env), timeout=300)


def uninstall_extension(code_server: Path, ext_id: str, extensions_dir: Path, user_data_dir: Path,
                        env: dict | None = None) -> subprocess.CompletedProcess:
    return _run([code_server, "--uninstall-extension", ext_id, "--extensions-dir", extensions_dir,
                 "--user-data-dir", user_data_dir], env=cli_env(user_data_dir, env), timeout=300)


# --- a running workbench ----------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """End proc and everything it started (its own session: the extension host,
    chromium's renderers), by its process group only."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        except ProcessLookupError:
            pass
    for f in (proc.stdout, proc.stderr):
        if f:
            f.close()


def start_server(code_server: Path, extensions_dir: Path, user_data_dir: Path, folder: Path | None = None,
                 env: dict | None = None, port: int | None = None, log: Path | None = None,
                 workspace_trust: bool = True, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """Start code-server; (process, workbench URL) once it answers /healthz.
    Workspace trust stays on, as in a real editor: a folder opens in restricted mode
    (no one is there to click "Trust") and the extension host then activates no
    extension without capabilities.untrustedWorkspaces.supported (ext-sample has it);
    workspace_trust=False passes --disable-workspace-trust."""
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [code_server, "--auth", "none", "--bind-addr", f"127.0.0.1:{port}", "--extensions-dir", extensions_dir,
           "--user-data-dir", user_data_dir, "--disable-telemetry", "--disable-update-check"]
    if not workspace_trust:
        cmd.append("--disable-workspace-trust")
    if folder:
        cmd.append(folder)
        url += "?" + urllib.parse.urlencode({"folder": str(folder)})
    out = open(log or Path(user_data_dir) / "server.log", "ab")
    proc = subprocess.Popen([str(c) for c in cmd], env=cli_env(user_data_dir, env), stdin=subprocess.DEVNULL,
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    out.close()
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                raise CodeServerError(f"code-server did not come up on port {port}")
            time.sleep(0.2)


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise CodeServerError("no chromium: apt-get install chromium")
    return exe


def open_workbench(url: str, profile_dir: Path, log: Path | None = None) -> subprocess.Popen:
    """Headless chromium on the workbench: loading it connects to the server, which
    starts the extension host.  It stays open until stop()."""
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
           f"--user-data-dir={profile_dir}", url]
    # crashpad keeps its database in $XDG_CONFIG_HOME/chromium whatever --user-data-dir says
    env = dict(os.environ, XDG_CONFIG_HOME=str(Path(profile_dir) / ".config"),
               XDG_CACHE_HOME=str(Path(profile_dir) / ".cache"))
    out = open(log or Path(profile_dir).with_suffix(".log"), "ab")
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    out.close()
    return proc


def wait_for(predicate, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def demo(version: str = DEFAULT_VERSION, runs: int = 1) -> int:
    """Install ext-sample with --install-extension, open the workbench, time activate()."""
    exe = fetch(version)
    print(version_of(exe))
    failures = 0
    for i in range(runs):
        with tempfile.TemporaryDirectory(prefix="codeserver-demo-") as tmp:
            tmp = Path(tmp)
            vsix = build_vsix(SAMPLE, tmp / "ext-sample.vsix")
            proc = install_extension(exe, vsix, tmp / "ext", tmp / "ud")
            print(proc.stdout.strip())
            (tmp / "ws").mkdir()
            marker = tmp / "activated"
            t0 = time.monotonic()
            server, url = start_server(exe, tmp / "ext", tmp / "ud", tmp / "ws",
                                       env=dict(os.environ, EXT_SAMPLE_MARKER=str(marker)))
            t1 = time.monotonic()
            browser = open_workbench(url, tmp / "chrome")
            try:
                ok = wait_for(lambda m=marker: m.exists() and m.stat().st_size > 0, 120)
                t2 = time.monotonic()
            finally:
                stop(browser)
                stop(server)
            if ok:
                print(f"run {i + 1}: server up {t1 - t0:.1f}s, activate() {t2 - t1:.1f}s after chromium started: "
                      f"{marker.read_text().strip()}")
            else:
                failures += 1
                print(f"run {i + 1}: no activation in 120s; server log:\n{(tmp / 'ud' / 'server.log').read_text()}")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["fetch"]:
        print(fetch(*argv[1:2]))
    elif argv[:1] == ["vsix"] and len(argv) == 3:
        print(build_vsix(Path(argv[1]), Path(argv[2])))
    elif argv[:1] == ["demo"]:
        return demo(*(argv[1:2] or [DEFAULT_VERSION]), runs=int(argv[2]) if len(argv) > 2 else 1)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except CodeServerError as e:
        print(f"codeserver: {e}", file=sys.stderr)
        sys.exit(1)
