"""The command line: exit statuses, one-line errors, list/lock output."""

import json

from conftest import REPO, run_patcher


def one_line_error(proc, status, text):
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    assert proc.stderr == f"patcher: {text}\n"
    assert proc.stdout == ""


def test_missing_go_src():
    one_line_error(run_patcher("apply"), 2,
                   "missing --go-src: give the GOROOT to patch (the directory with VERSION, src/ and bin/, e.g. ~/go or $(go env GOROOT))")


def test_folder_that_is_not_a_goroot(tmp_path):
    one_line_error(run_patcher("apply", "--go-src", tmp_path, "--state-dir", tmp_path / "s"), 1,
                   f"{tmp_path}: not a GOROOT (no VERSION, src/cmd/go, bin); give the directory `go env GOROOT` prints")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_unknown_option_is_a_one_line_usage_error():
    proc = run_patcher("apply", "--frobnicate")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "No such option" in proc.stderr and "--frobnicate" in proc.stderr


def test_unknown_patch_is_a_usage_error(tmp_path):
    one_line_error(run_patcher("apply", "--go-src", tmp_path, "--patch", "go/nope@1"), 2,
                   "unknown patch go/nope@1 (see `patcher list`)")


def test_list_names_refs_targets_and_releases():
    out = run_patcher("list", check=True).stdout
    assert "go/test-output-utf8@1  [go; go1.21–go1.27]" in out
    assert "edits src/cmd/go/internal/test/test.go" in out
    assert "GOTEST_BOM" in out and "GOTEST_UTF8" in out
    doc = json.loads(run_patcher("list", "--json", check=True).stdout)
    assert doc["schema"] == 1
    bom = next(r for r in doc["patches"] if r["ref"] == "go/testmain-bom@1")
    assert bom["target"] == "go" and bom["releases"][0] == "1.21" and len(bom["content_sha256"]) == 64
    assert bom["files"] == ["src/cmd/go/internal/load/test.go", "src/cmd/go/internal/test/test.go"]


def test_lock_command_pins_what_it_is_given_and_never_reads_a_makefile(tmp_path):
    (tmp_path / "Makefile").write_text("PATCHES := go/testmain-bom@1\n")
    proc = run_patcher("lock", cwd=tmp_path)
    assert proc.returncode == 2 and "no patches given and no pins in" in proc.stderr
    proc = run_patcher("lock", "go/testmain-bom@1", cwd=tmp_path, check=True)
    assert f"wrote {tmp_path / 'patcher.lock'} (1 patches)" in proc.stdout
    assert '"go/testmain-bom@1" = "sha256:' in (tmp_path / "patcher.lock").read_text()


def test_pinned_patch_with_changed_content_is_refused_before_the_target_is_read(tmp_path):
    (tmp_path / "patcher.lock").write_text('[patches]\n"go/testmain-bom@1" = "sha256:' + "1" * 64 + '"\n')
    proc = run_patcher("apply", "--go-src", tmp_path / "no-such-goroot", cwd=tmp_path)
    assert proc.returncode == 1
    assert "go/testmain-bom@1 is pinned at sha256 111111111111…" in proc.stderr


def test_version_and_help():
    assert run_patcher("--version", check=True).stdout.startswith("patcher, version ")
    assert "apply" in run_patcher("--help", check=True).stdout


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme.split("\n## ", 1)[0], "README opens with the test command"
    assert "make test" in ci


def test_shell_completion_as_documented():
    proc = run_patcher("apply", env={"_PATCHER_COMPLETE": "bash_complete", "COMP_WORDS": "patcher apply --cur", "COMP_CWORD": "2"})
    assert proc.stdout.split() == ["plain,--cursor"]
    script = run_patcher(env={"_PATCHER_COMPLETE": "bash_source"}).stdout
    assert "_patcher_completion()" in script and "complete -o nosort -F _patcher_completion patcher" in script


LOADED = """
import sys
from patcher.cli.app import _run
status = _run(sys.argv[1:])
heavy = sorted(m for m in ("tree_sitter", "filelock", "asyncio") if m in sys.modules)
sys.stderr.write("loaded: " + " ".join(heavy) + "\\n")
sys.exit(status)
"""


def test_help_list_and_status_do_not_load_the_parser_or_the_lock_library(tmp_path):
    """What `status` and `--help` import is most of their time (issue 12: status < 0.15 s)."""
    import subprocess
    import sys

    import bundlegen

    app = bundlegen.make_app(tmp_path / "c", shape="esm", winpty=True, esm_bytes=50_000)
    settings, profile = tmp_path / "settings.json", tmp_path / "profile.ps1"
    settings.write_text('{\n  // mine\n  "editor.fontSize": 14,\n}\n')  # JSONC: the tree-sitter reader
    targets = ["--cursor", str(app), "--settings", str(settings), "--ps-profile", str(profile)]
    run_patcher("apply", *targets, "--state-dir", tmp_path / "s", check=True)
    for argv in (["--help"], ["list"], ["status", *targets, "--state-dir", str(tmp_path / "s")]):
        proc = subprocess.run([sys.executable, "-c", LOADED, *argv], capture_output=True, text=True, cwd=REPO)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.splitlines()[-1] == "loaded: ", (argv, proc.stderr)
    # ...while apply does load them (the check above can fail).
    proc = subprocess.run([sys.executable, "-c", LOADED, "apply", "--cursor", str(app), "--state-dir", str(tmp_path / "s")],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.stderr.splitlines()[-1] == "loaded: filelock tree_sitter", proc.stderr
