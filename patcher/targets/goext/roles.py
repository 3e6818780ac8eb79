"""The file roles of a Go extension target (`file = "@main"` in a manifest):
what each is, and where it sits in a patch's before/after cases.  A module of
its own, without a parser, so `patcher list` can describe them cheaply."""

ROLES = {
    "@main": 'the Go extension\'s bundle (package.json "main", normally dist/goMain.js)',
    "@debugadapter": "the Go extension's legacy debug adapter (package.json's debugger program, normally "
                     "dist/debugAdapter.js)",
}

# Where each role sits in a patch's before/after cases (`patcher test`).
CASE_PATHS = {"@main": "dist/goMain.js", "@debugadapter": "dist/debugAdapter.js"}
