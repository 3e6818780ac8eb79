"""The `patcher` command line.

Commands only parse options, pick the target and the patches, and print;
the work is in the target modules.  Every failure ends with one line on
stderr (`patcher: <reason>`) and a documented exit status:
0 success, 1 refused (bad input, changed file, unsupported release...),
2 usage error, 70 internal error (a bug: set PATCHER_DEBUG=1 for the traceback).
"""

import json
import os
import traceback
from pathlib import Path

import click

from patcher import __version__, interrupt
from patcher.catalog.pins import PINS_FILE
from patcher.cli import patches
from patcher.cli.ui import STATE_COLOURS, end_progress, paint, progress_printer
from patcher.errors import EXIT_INTERNAL, EXIT_USAGE, PatcherError, UsageError
from patcher.state.statedir import resolve_state_dir
from patcher.targets import make_targets, patch_kind, target_class

# Everything else is imported inside the command that needs it: `patcher
# --help` and `status` must not pay for a parser or a build driver.


def _say(message: str) -> None:
    click.echo(message, err=True)


state_dir_option = click.option("--state-dir", type=click.Path(file_okay=False), envvar="PATCHER_STATE_DIR",
                                help="Where journals, backups and overlays live (default: per-user state directory; env PATCHER_STATE_DIR).")
go_src_option = click.option("--go-src", "go_src", type=click.Path(), metavar="DIR|auto",
                             help="The GOROOT to patch (has VERSION, src/cmd/go, bin/go), or auto (the GOROOT of the go first on PATH).")
cursor_option = click.option("--cursor", "cursor", metavar="DIR|auto",
                             help="The editor's resources/app, its install folder, or auto (default install locations).")
go_ext_option = click.option("--go-ext", "go_ext", metavar="DIR|auto",
                             help="An installed Go extension (golang.go) folder, or auto (the one each Cursor / VS Code "
                                  "extensions folder loads, local and remote).")
lock_wait_option = click.option("--wait", "lock_wait", type=float, default=30.0, show_default=True,
                                help="Seconds to wait for another patcher run on the same target.")


settings_option = click.option("--settings", "settings", metavar="FILE|auto",
                               help="The editor's user settings.json, or auto (Cursor's, per OS).")
ps_profile_option = click.option("--ps-profile", "ps_profile", metavar="FILE|auto",
                                 help="A PowerShell profile, or auto ($PROFILE of PowerShell 7).")
go_toolchains_option = click.option("--go-toolchains", is_flag=True,
                                    help="Every Go toolchain in the module cache (`go env GOMODCACHE`): what GOTOOLCHAIN=auto runs.")
def target_options(command):
    """The options that name targets, in the order every command lists them."""
    for option in reversed((go_src_option, cursor_option, go_ext_option, settings_option, ps_profile_option,
                            go_toolchains_option)):
        command = option(command)
    return command


MISSING_TARGET = "missing --go-src, --go-toolchains, --cursor, --go-ext, --settings or --ps-profile: say what to work on"


def _given(go_src=None, cursor=None, go_ext=None, settings=None, ps_profile=None,
           go_toolchains=False) -> list[tuple[str, str]]:
    """The targets named on the command line, as (kind, argument), in a fixed order."""
    toolchains = None
    if go_toolchains:
        from patcher.targets.go.toolchains import module_cache

        toolchains = str(module_cache())
    return [(kind, arg) for kind, arg in (("go", go_src), ("go-toolchains", toolchains), ("cursor", cursor),
                                          ("goext", go_ext), ("settings", settings), ("pwsh", ps_profile)) if arg]


def _targets(given: list[tuple[str, str]], state_dir, lock_wait=0.0, progress=None, strict=False) -> list[tuple[str, object]]:
    """(kind, target) for every target given; `--go-ext auto` may name several."""
    return make_targets(given, resolve_state_dir(state_dir), _say, lock_wait, {"go": {"progress": progress, "strict": strict}})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="patcher")
def cli():
    """Versioned, hash-checked, reversible patches for the Go toolchain, the
    Cursor editor, its settings and the PowerShell profile."""


@cli.command()
@target_options
@click.option("--env", "env_items", multiple=True, metavar="NAME=VALUE",
              help="Also set this variable in the editor and its children / Windows terminals (repeatable; kept for later applies).")
@click.option("--patch", "patch_refs", multiple=True, metavar="ID@VER",
              help=f"Apply this patch version (repeatable). Default: the pins of {PINS_FILE} (here or in the nearest parent), else every default patch.")
@click.option("--dry-run", is_flag=True, help="Print the unified diff of every file it would write; change nothing.")
@click.option("--force", is_flag=True, help="Patch files whose sha256 is not the known upstream one / a signed app bundle.")
@click.option("--strict", is_flag=True, help="Go: refuse a release this patcher has no fingerprints for (instead of applying it as unverified).")
@click.option("--lock-file", type=click.Path(dir_okay=False), help=f"Pin file to use (default: {PINS_FILE} here or in the nearest parent).")
@click.option("--kept", is_flag=True, help="Re-apply what `patcher keep` keeps, where an update undid it (what the companion runs at every editor start).")
@click.option("--json", "as_json", is_flag=True, help="With --kept: print the run's summary as one JSON line.")
@state_dir_option
@lock_wait_option
def apply(go_src, cursor, go_ext, settings, ps_profile, go_toolchains, env_items, patch_refs, dry_run, force, strict,
          lock_file, kept, as_json, state_dir, lock_wait):
    """Apply patches to every target given, as one transaction."""
    given = _given(go_src, cursor, go_ext, settings, ps_profile, go_toolchains)
    if kept:
        if given or patch_refs or env_items or dry_run or force or strict or lock_file:
            raise UsageError("--kept takes no targets, patches or other options (the kept apply's are recorded): it "
                             "applies what `patcher keep` keeps")
        from patcher.keep import kept as kept_run

        summary = kept_run.run(resolve_state_dir(state_dir), _say, lock_wait)
        for r in summary["reapplied"]:
            click.echo(r["what"])
        for f in summary["failed"]:
            _say(f"patcher: {f['what']}: {f['reason']}")
        if as_json:
            # ASCII: the companion reads this through a pipe, which Python writes in the ANSI code page on Windows.
            click.echo(json.dumps(summary))
        elif not summary["reapplied"] and not summary["failed"]:
            click.echo(f"nothing to re-apply: {len(summary['unchanged'])} kept target(s) still patched")
        raise click.exceptions.Exit(1 if summary["failed"] else 0)
    if as_json:
        raise UsageError("--json goes with --kept")
    if not given:
        if env_items:
            raise UsageError("--env needs --cursor or --settings (the variables are set by the editor hook or settings)")
        raise UsageError("missing --go-src: give the GOROOT to patch (the directory with VERSION, src/ and bin/, e.g. ~/go or $(go env GOROOT))")
    from patcher.catalog.catalog import Catalog, check_queries
    from patcher.catalog.pins import select
    from patcher.state.runner import Run, apply_targets
    from patcher.targets.editor.target import parse_env

    env = parse_env(list(env_items)) if env_items else None
    # Only the chosen patches' queries are compiled (`patcher lock` and `patcher test` check them all).
    catalog = Catalog(compile_queries=False)
    lock_path = Path(lock_file) if lock_file else None
    progress = None if dry_run else progress_printer()
    # The patch choice (pins, references) is checked before any target is read.
    selected = {kind: select(catalog, kind, list(patch_refs), Path.cwd(), lock_path)
                for kind in dict.fromkeys(patch_kind(k) for k, _ in given)}
    for patches_of_kind, _ in selected.values():
        for patch in patches_of_kind:
            check_queries(patch.manifest, patch.directory)
            _ = patch.content_sha256  # hashed now, right after its manifest was read (the journal records it)
    targets = _targets(given, state_dir, lock_wait, progress, strict)
    chosen = [(t, *selected[kind]) for kind, t in targets]
    if dry_run:
        for target, patches, source in chosen:
            click.echo(target.dry_run(patches, force, env), nl=False)
            _say(f"pins: {source}")
            _say(f"dry run: {', '.join(p.ref for p in patches)}; nothing changed")
        return
    runs = [Run(t, p, force, env) for t, p, _ in chosen]
    try:
        messages = apply_targets(runs, resolve_state_dir(state_dir))
    finally:
        end_progress(progress)
    from patcher.keep import record

    # What `patcher keep` would keep: these targets and pins, and the options it was given.
    record.remember_apply(resolve_state_dir(state_dir), record.options_of(given, targets),
                          {kind: p for kind, (p, _) in selected.items()}, {"force": force, "strict": strict})
    # Where the choice of patches came from; said once the apply worked, so a
    # refusal stays one line.
    for source in dict.fromkeys(source for _, source in selected.values()):
        _say(f"pins: {source}")
    for m in messages or ["nothing to apply: the targets given name no install"]:
        click.echo(m)


@cli.command()
@target_options
@click.option("--force", is_flag=True, help="Forget patcher's record of files changed since apply (an update, an edit) and leave them as they are; restore the rest.")
@state_dir_option
@lock_wait_option
def revert(go_src, cursor, go_ext, settings, ps_profile, go_toolchains, force, state_dir, lock_wait):
    """Undo everything apply did, byte for byte."""
    given = _given(go_src, cursor, go_ext, settings, ps_profile, go_toolchains)
    if not given:
        raise UsageError(MISSING_TARGET)
    for _, target in _targets(given, state_dir, lock_wait):
        click.echo(target.revert(force))


@cli.command()
@target_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see README for the schema).")
@state_dir_option
def status(go_src, cursor, go_ext, settings, ps_profile, go_toolchains, as_json, state_dir):
    """Per patch: applied / not applied / drifted / broken / not applicable.
    Without target options: every target `patcher keep` keeps."""
    from patcher.catalog.catalog import Catalog
    from patcher.keep import record

    given = _given(go_src, cursor, go_ext, settings, ps_profile, go_toolchains)
    try:
        kept = record.kept(resolve_state_dir(state_dir))
    except PatcherError as exc:
        if not given:
            raise
        # Only which of the named targets are kept depends on it: their status does not.
        _say(f"note: {exc}")
        kept = None
    if not given and not kept:
        raise UsageError(MISSING_TARGET + " (or run `patcher keep`: status then shows what is kept)")
    catalog = Catalog(compile_queries=False)
    unreachable = []  # kept targets that no longer name an install (said, not fatal: the rest is shown)
    if given:
        targets = _targets(given, state_dir)
    else:
        targets = []
        for option in kept["options"]:
            try:
                targets += _targets(record.given_of([option]), state_dir)
            except PatcherError as exc:
                unreachable.append((option, str(exc)))
    kept_options = {tuple(o) for o in kept["options"]} if kept else set()
    reports = [dict(t.status(catalog), kept=t.kept_as() in kept_options) for _, t in targets]
    if as_json:
        doc = reports[0] if len(reports) == 1 and given else {"schema": 1, "targets": reports}
        if not given:
            doc["kept"] = dict(kept, unreachable=[{"option": o, "reason": why} for o, why in unreachable])
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    for report in reports:
        release = report.get("release") and report["release"] + (", unverified" if report.get("unverified") else "")
        click.echo(f"{target_class(report['target']).NAME} {report['root']}" + (f" ({release})" if release else ""))
        width = max((len(p["ref"]) for p in report["patches"]), default=0)
        for p in report["patches"]:
            state = paint(p["state"], STATE_COLOURS.get(p["state"], "bold"))
            click.echo(f"  {p['ref']:<{width}}  {state}" + (f"  ({p['reason']})" if p["reason"] else ""))
        if report.get("overlay"):
            click.echo(f"overlay: {report['overlay']}")
        if report.get("recorded_in"):
            click.echo(f"recorded in: {report['recorded_in']}")
        if report.get("env"):
            click.echo("env: " + " ".join(f"{k}={v}" for k, v in sorted(report["env"].items())))
        if report["kept"]:
            click.echo("kept: re-applied by `patcher apply --kept` at every editor start (`patcher keep --off` stops it)")
    if kept:
        what = ", ".join(f"{o} {v}" if v else o for o, v in kept["options"])
        click.echo(f"kept by `patcher keep`: {what}; companion in {', '.join(kept['companions'])}")
        for (option, value), why in unreachable:
            click.echo(f"  {option} {value or ''}: {why}")
        last = record.last_kept_run(resolve_state_dir(state_dir))
        if last:
            click.echo(f"last `apply --kept`: {last}")


@cli.command()
@target_options
@click.option("--off", is_flag=True, help="Remove the companion extensions and the record: nothing is kept any more.")
@state_dir_option
def keep(go_src, cursor, go_ext, settings, ps_profile, go_toolchains, off, state_dir):
    """Stay patched through updates: keep the targets and pins of the last apply
    (the target options keep only those), and install a companion extension in
    each editor concerned that runs `patcher apply --kept` at every start."""
    from patcher.keep import companion, record

    state = resolve_state_dir(state_dir)
    # Each target option names its target as apply's record does (an install found by auto, a folder's parent...).
    given = _given(go_src, cursor, go_ext, settings, ps_profile, go_toolchains)
    limit = record.options_of(given, _targets(given, state_dir))
    if off:
        if limit:
            raise UsageError("--off takes no target options: it removes everything kept")
        messages = companion.keep_off(state, _say)
    else:
        messages = companion.keep(state, limit, _say)
    for m in messages:
        click.echo(m)


@cli.command()
@go_src_option
@state_dir_option
@lock_wait_option
def rebuild(go_src, state_dir, lock_wait):
    """Rebuild the patched go command from the recorded overlay."""
    if not go_src:
        raise UsageError("missing --go-src: give the GOROOT whose patched go command to rebuild")
    progress = progress_printer()
    try:
        ((_, target),) = _targets([("go", go_src)], state_dir, lock_wait, progress)
        from patcher.catalog.catalog import Catalog

        message = target.rebuild(Catalog(compile_queries=False))  # (rebuild's plan compiles what it uses)
    finally:
        end_progress(progress)
    click.echo(message)


@cli.command()
@go_src_option
@cursor_option
@go_ext_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see README for the schema).")
@state_dir_option
def doctor(go_src, cursor, go_ext, as_json, state_dir):
    """Check for every known trap between the patches and UTF-8 output, with its fix.

    Without --go-src, the GOROOT of the go on PATH is checked; without
    --go-ext, every Go extension `--go-ext auto` finds.  Exit status 1 when a
    problem was found.
    """
    from patcher import doctor as checks
    from patcher.catalog.catalog import Catalog

    state = resolve_state_dir(state_dir)
    findings = checks.diagnose(go_src, cursor, state, Catalog(compile_queries=False), dict(os.environ), Path.cwd(), say=_say,
                               go_ext=go_ext)
    ok, problems = checks.findings_summary(findings)
    if as_json:
        click.echo(json.dumps({"schema": 1, "ok": problems == 0, "findings": [f.to_json() for f in findings]},
                              indent=2, ensure_ascii=False))
    else:
        for f in findings:
            mark = paint("[ok]", "green") if f.ok else paint("[!!]", "red")
            click.echo(f"{mark} {f.title}")
            if f.detail:  # also for an ok finding: e.g. where the record of a patched GOROOT is
                click.echo(f"     {f.detail}")
            if not f.ok:
                click.echo(f"     fix: {f.fix}")
        click.echo(f"{ok} ok, {problems} problem{'s' if problems != 1 else ''}")
    if problems:
        raise click.exceptions.Exit(1)


# The commands about patches themselves (no target): list, test, lock.
cli.add_command(patches.list_)
cli.add_command(patches.test_)
cli.add_command(patches.lock)


def main(argv=None) -> None:
    """The program: run one command and exit with its status.  A SIGINT at
    any instant gives one line and 130 (patcher.interrupt has the phases)."""
    interrupt.running()
    try:
        code = _run(argv)
        interrupt.finishing()
    except interrupt.Interrupted:
        interrupt.finishing()
        _say(f"patcher: interrupted; {interrupt.RECOVERS}")
        code = interrupt.EXIT_INTERRUPTED
    interrupt.exit_now(code)


def _run(argv) -> int:
    """One command; every failure as one line on stderr; the exit status.

    Not click's standalone mode with our errors as click.ClickException: click
    prints its own usage errors on several lines ("Usage: …", "Try …",
    "Error: …") and turns Ctrl-C into "Aborted!", while patcher promises one
    line, `patcher: <file>: <reason>`, for every failure (README "Commands and
    exit status"), and exit 130 through patcher.interrupt.  And patcher's
    errors are raised by the engine and state layers, which should not depend
    on the command-line library: errors.py carries the exit status instead."""
    try:
        # Without standalone mode click returns (not raises) the status of an Exit.
        status = cli.main(args=argv, prog_name="patcher", standalone_mode=False)
        return status if isinstance(status, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        _say(f"patcher: {exc.format_message()}" + (f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""))
        return EXIT_USAGE
    except click.Abort:  # click's own abort (an EOFError inside click; a Ctrl-C is interrupt.Interrupted)
        _say("patcher: aborted")
        return interrupt.EXIT_INTERRUPTED
    except PatcherError as exc:
        if interrupt.signalled():  # our Interrupted, turned into another error on the way up
            raise interrupt.Interrupted() from None
        _say(f"patcher: {exc}")
        return exc.exit_code
    except SystemExit as exc:  # a library's sys.exit: keep its status
        return exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # a bug: say so in one line
        if interrupt.signalled():
            raise interrupt.Interrupted() from None
        if os.environ.get("PATCHER_DEBUG"):
            traceback.print_exc()
        _say(f"patcher: internal error: {type(exc).__name__}: {exc} (set PATCHER_DEBUG=1 for a traceback)")
        return EXIT_INTERNAL
