"""The `patcher` command line.

Commands only parse options, pick the target and the patches, and print;
the work is in the target modules.  Every failure ends with one line on
stderr (`patcher: <reason>`) and a documented exit status:
0 success, 1 refused (bad input, changed file, unsupported release...),
2 usage error, 70 internal error (a bug: set PATCHER_DEBUG=1 for the traceback).
"""

import json
import os
import sys
import traceback
from pathlib import Path

import click

from patcher import __version__
from patcher.catalog import Catalog
from patcher.errors import EXIT_INTERNAL, EXIT_USAGE, PatcherError, UsageError
from patcher.goroot import describe_lines
from patcher.gotarget import GoTarget
from patcher.pins import LOCK_NAME, read_makefile_pins, select, write_lock
from patcher.statedir import resolve_state_dir


def _say(message: str) -> None:
    click.echo(message, err=True)


def _progress_printer():
    """A live "building go… 12s" line on a terminal; nothing in logs or CI."""
    if not sys.stderr.isatty():
        return None

    def show(seconds: float) -> None:
        sys.stderr.write(f"\rbuilding go with the overlay… {seconds:4.0f}s")
        sys.stderr.flush()
    return show


def _end_progress(progress) -> None:
    if progress:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


state_dir_option = click.option("--state-dir", type=click.Path(file_okay=False), envvar="PATCHER_STATE_DIR",
                                help="Where journals, backups and overlays live (default: per-user state directory; env PATCHER_STATE_DIR).")
go_src_option = click.option("--go-src", "go_src", type=click.Path(), metavar="DIR",
                             help="The GOROOT to patch (has VERSION, src/cmd/go, bin/go).")
lock_wait_option = click.option("--wait", "lock_wait", type=float, default=30.0, show_default=True,
                                help="Seconds to wait for another patcher run on the same target.")


def _go_target(go_src, state_dir, lock_wait=0.0, progress=None) -> GoTarget:
    if not go_src:
        raise UsageError("missing --go-src: give the GOROOT to patch (the directory with VERSION, src/ and bin/, e.g. ~/go or $(go env GOROOT))")
    return GoTarget(go_src, resolve_state_dir(state_dir), say=_say, progress=progress, lock_wait=lock_wait)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="patcher")
def cli():
    """Versioned, hash-checked, reversible patches for the Go toolchain."""


@cli.command()
@go_src_option
@click.option("--patch", "patch_refs", multiple=True, metavar="ID@VER",
              help="Apply this patch version (repeatable). Default: the pins in ./patcher.lock or ./Makefile, else every default patch.")
@click.option("--dry-run", is_flag=True, help="Print the unified diff of every file it would write; change nothing.")
@click.option("--force", is_flag=True, help="Patch files whose sha256 is not the known upstream one.")
@click.option("--lock-file", type=click.Path(dir_okay=False), help=f"Lock file to check pins against (default ./{LOCK_NAME}).")
@state_dir_option
@lock_wait_option
def apply(go_src, patch_refs, dry_run, force, lock_file, state_dir, lock_wait):
    """Apply patches to a GOROOT: overlay, rebuild cmd/go, install bin/go."""
    catalog = Catalog()
    patches, source = select(catalog, "go", list(patch_refs), Path.cwd(), Path(lock_file) if lock_file else None)
    progress = None if dry_run else _progress_printer()
    target = _go_target(go_src, state_dir, lock_wait, progress)
    if dry_run:
        click.echo(target.dry_run(patches, force), nl=False)
        _say(f"dry run: {', '.join(p.ref for p in patches)} ({source}); nothing changed")
        return
    try:
        message = target.apply(patches, force)
    finally:
        _end_progress(progress)
    click.echo(message)


@cli.command()
@go_src_option
@click.option("--force", is_flag=True, help="Restore the originals even over files changed since apply.")
@state_dir_option
@lock_wait_option
def revert(go_src, force, state_dir, lock_wait):
    """Undo everything apply did to a GOROOT, byte for byte."""
    click.echo(_go_target(go_src, state_dir, lock_wait).revert(force))


@cli.command()
@go_src_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see README for the schema).")
@state_dir_option
def status(go_src, as_json, state_dir):
    """Per patch: applied / not applied / drifted / broken."""
    report = _go_target(go_src, state_dir).status(Catalog())
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"GOROOT {report['root']} ({report['release']})")
    width = max((len(p["ref"]) for p in report["patches"]), default=0)
    for p in report["patches"]:
        click.echo(f"  {p['ref']:<{width}}  {p['state']}" + (f"  ({p['reason']})" if p["reason"] else ""))
    if report["overlay"]:
        click.echo(f"overlay: {report['overlay']}")


@cli.command()
@go_src_option
@state_dir_option
@lock_wait_option
def rebuild(go_src, state_dir, lock_wait):
    """Rebuild the patched go command from the recorded overlay."""
    progress = _progress_printer()
    try:
        message = _go_target(go_src, state_dir, lock_wait, progress).rebuild(Catalog())
    finally:
        _end_progress(progress)
    click.echo(message)


@cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_(as_json):
    """The known patches as ID@VER, with targets and supported releases."""
    rows = []
    for p in Catalog().all():
        m = p.manifest
        rows.append({"ref": m.ref, "id": m.id, "version": m.version, "target": m.target, "default": m.default,
                     "releases": list(m.releases), "files": sorted(m.languages), "adds": [a.path for a in m.adds],
                     "switches": m.switches, "summary": m.summary, "content_sha256": p.content_sha256})
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        releases = describe_lines(r["releases"]) if r["releases"] else "any release"
        click.echo(f"{r['ref']}  [{r['target']}; {releases}]{'' if r['default'] else ' (opt-in)'}")
        click.echo(f"    {r['summary']}")
        for f in r["files"]:
            click.echo(f"    edits {f}")
        for f in r["adds"]:
            click.echo(f"    adds  {f}")
        for name, what in r["switches"].items():
            click.echo(f"    {name}: {what}")


@cli.command()
@click.argument("refs", nargs=-1, metavar="[ID@VER]...")
@click.option("--lock-file", type=click.Path(dir_okay=False), default=LOCK_NAME, show_default=True)
def lock(refs, lock_file):
    """Record the content hash of pinned patches (default: the Makefile's PATCHES)."""
    catalog = Catalog()
    refs = list(refs)
    if not refs:
        refs = read_makefile_pins(Path.cwd() / "Makefile") or []
        if not refs:
            raise UsageError("no patches given and no PATCHES := ... line in ./Makefile")
    click.echo(f"wrote {write_lock(Path(lock_file), catalog, refs)} ({len(refs)} patches)")


def main(argv=None) -> None:
    try:
        cli.main(args=argv, prog_name="patcher", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        _say(f"patcher: {exc.format_message()}" + (f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""))
        sys.exit(EXIT_USAGE)
    except click.Abort:
        _say("patcher: aborted")
        sys.exit(130)
    except PatcherError as exc:
        _say(f"patcher: {exc}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _say("patcher: interrupted; the next run recovers from the journal")
        sys.exit(130)
    except Exception as exc:  # a bug: say so in one line
        if os.environ.get("PATCHER_DEBUG"):
            traceback.print_exc()
        _say(f"patcher: internal error: {type(exc).__name__}: {exc} (set PATCHER_DEBUG=1 for a traceback)")
        sys.exit(EXIT_INTERNAL)
    sys.exit(0)
