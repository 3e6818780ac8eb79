// node --require ./freeze-child-process.cjs: child_process cannot be
// modified, so the spawn hook's wrapping throws, as it would in a locked-down
// runtime; the editor must start anyway.
Object.freeze(require("child_process"));
