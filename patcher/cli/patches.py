"""The commands about the patches themselves, no target needed: `list`,
`test` (a patch's own before/after cases) and `lock` (pin versions)."""

import json
from pathlib import Path

import click

from patcher.catalog.pins import PINS_FILE
from patcher.cli.ui import paint
from patcher.errors import UsageError


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_(as_json):
    """The known patches as ID@VER, with targets and supported releases."""
    from patcher.catalog.catalog import Catalog
    from patcher.targets.editor.roles import ROLES as CURSOR_ROLES
    from patcher.targets.go.goroot import describe_lines
    from patcher.targets.goext.roles import ROLES as GOEXT_ROLES

    roles = {"cursor": CURSOR_ROLES, "goext": GOEXT_ROLES}

    rows = []
    for p in Catalog(compile_queries=False).all():
        m = p.manifest
        rows.append({"ref": m.ref, "id": m.id, "version": m.version, "target": m.target, "default": m.default,
                     "releases": list(m.releases), "files": sorted(m.languages), "adds": [a.path for a in m.adds],
                     "switches": m.switches, "summary": m.summary, "content_sha256": p.content_sha256,
                     "withdrawn": p.withdrawn or None})
    if as_json:
        click.echo(json.dumps({"schema": 1, "patches": rows}, indent=2, ensure_ascii=False))
        return
    for r in rows:
        releases = describe_lines(r["releases"]) if r["releases"] else "any release"
        click.echo(f"{r['ref']}  [{r['target']}; {releases}]{'' if r['default'] else ' (opt-in)'}"
                   + (f" (withdrawn: {r['withdrawn']})" if r["withdrawn"] else ""))
        click.echo(f"    {r['summary']}")
        for f in r["files"]:
            click.echo(f"    edits {roles.get(r['target'], {}).get(f, f)}")
        for f in r["adds"]:
            click.echo(f"    adds  {f}")
        for name, what in r["switches"].items():
            click.echo(f"    {name}: {what}")


@click.command(name="test")
@click.argument("patch_dirs", nargs=-1, metavar="[PATCH_DIR]...", type=click.Path(exists=True, file_okay=False))
def test_(patch_dirs):
    """Run patches' own before/after cases (default: every patch in the catalog).

    PATCH_DIR is a patch version directory, <namespace>/<name>/<version>,
    in this catalog or anywhere else.  Exit status 1 when a case fails.
    """
    from patcher.targets import cases as casetest

    results = casetest.run_patches(casetest.select(list(patch_dirs)))
    for r in results:
        mark = paint("ok  ", "green") if r.ok else paint("FAIL", "red")
        click.echo(f"{mark} {r.patch}: {r.case}" + ("" if r.ok else f": {r.detail}"))
    failed = sum(not r.ok for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("refs", nargs=-1, metavar="[ID@VER]...")
@click.option("--lock-file", type=click.Path(dir_okay=False), default=None,
              help=f"The pin file to write (default: the {PINS_FILE} found here or in a parent, else ./{PINS_FILE}).")
def lock(refs, lock_file):
    """Pin patch versions: record their content hash in patcher.lock
    (without ID@VER: refresh the pins already there)."""
    from patcher.catalog.catalog import Catalog
    from patcher.catalog.pins import find_pins_file, read_lock, write_lock

    catalog = Catalog()
    path = Path(lock_file) if lock_file else (find_pins_file(Path.cwd()) or Path.cwd() / PINS_FILE)
    refs = list(refs) or sorted(read_lock(path))  # (a file that does not exist yet pins nothing)
    if not refs:
        raise UsageError(f"no patches given and no pins in {path}: name them, e.g. `patcher lock go/test-output-utf8@1`")
    click.echo(f"wrote {write_lock(path, catalog, refs)} ({len(refs)} patches)")
