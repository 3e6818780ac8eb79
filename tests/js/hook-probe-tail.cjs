// The CommonJS twin of hook-probe-tail.mjs (a CommonJS entry's prologue + hook, then this).
;(function () {
  const { spawnSync } = require("child_process");
  const mark = Symbol.for("patcher.cursor.spawn-env-hook");
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(JSON.stringify(process.env))"],
    { env: { PATH: process.env.PATH || "" }, encoding: "utf8" });
  require("fs").writeFileSync(process.env.PATCHER_PROBE_REPORT, JSON.stringify({
    main: process.env,
    child: JSON.parse(child.stdout),
    wrapped: typeof spawnSync[mark],
  }));
})();
