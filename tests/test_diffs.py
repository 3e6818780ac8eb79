from patcher.diffs import unified


def test_unified_diff_has_hunks_and_paths():
    d = unified("src/a.go", b"a\nb\nc\n", b"a\nB\nc\n")
    assert d.startswith("--- a/src/a.go\n+++ b/src/a.go\n@@ -1,3 +1,3 @@\n")
    assert "-b\n+B\n" in d


def test_added_file_diffs_against_dev_null():
    d = unified("src/new.go", None, b"package x\n")
    assert d.startswith("--- /dev/null\n+++ b/src/new.go\n@@ -0,0 +1 @@\n+package x\n")


def test_huge_minified_line_is_clipped_around_the_change():
    old = ("x" * 500_000 + "useConpty:a" + "y" * 500_000).encode()
    new = ("x" * 500_000 + "useConpty:(W?false:a)" + "y" * 500_000).encode()
    d = unified("out/p.js", old, new)
    assert len(d) < 2000
    assert "useConpty:(W?false:a)" in d and "\\ No newline at end of file" in d
