"""The file roles of an editor target (`file = "@main"` in a manifest): what
each is, and where it sits in a patch's before/after cases.  A module of its
own, without a parser, so `patcher list` can describe them cheaply."""

PTY_HOST_DEFAULT = "out/vs/platform/terminal/node/ptyHostMain.js"

ROLES = {
    "@main": 'the main bundle (package.json "main", normally out/main.js)',
    "@ptyhost": f"the pty host bundle (found by structure, normally {PTY_HOST_DEFAULT})",
    "@ptyhost-with-winpty": "the pty host, when the install's node-pty has a winpty backend (else not applicable, "
                            "with node-pty's evidence)",
}

# Where each role sits in a patch's before/after cases (`patcher test`).
CASE_PATHS = {"@main": "out/main.js", "@ptyhost": PTY_HOST_DEFAULT, "@ptyhost-with-winpty": PTY_HOST_DEFAULT}
