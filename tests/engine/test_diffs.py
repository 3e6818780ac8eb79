from patcher.engine.diffs import unified


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


def test_context_lines_of_a_minified_file_are_clipped_and_the_diff_says_so():
    # A hook inserted after a licence comment whose last line carries the whole bundle.
    head = "/*!----\n * Licence\n *----*/"
    code = "var a=1;" * 100_000
    old = (head + code + "\n").encode()
    new = (head + "\n(function(){ /* hook */ })();\n" + code + "\n").encode()
    d = unified("out/main.js", old, new)
    assert len(d) < 2500
    assert d.startswith("(clipped: lines longer than 400 characters are shown only within 120 characters of the change;")
    assert "\n+(function(){ /* hook */ })();\n" in d
    changed = [ln for ln in d.splitlines() if ln[:1] in "-+" and not ln.startswith(("---", "+++"))]
    assert changed == ["- *----*/" + "var a=1;" * 15 + "…", "+ *----*/", "+(function(){ /* hook */ })();",
                       "+" + "var a=1;" * 15 + "…"], "each side: 120 characters around the change"


def test_long_unchanged_context_line_shows_the_end_nearest_the_change():
    long_line = "x" * 1000 + "END\n"
    old = ("short 1\n" + long_line + "old\n").encode()
    new = ("short 1\n" + long_line + "new\n").encode()
    d = unified("f.js", old, new)
    assert " …" + "x" * 117 + "END\n-old\n+new\n" in d and "(clipped:" in d


def test_short_diffs_are_not_marked_clipped():
    assert "clipped" not in unified("a", b"x\n", b"y\n")
