// Appended to the prologue of a real ES-module entry (everything up to the end
// of the inserted hook) by tests/targets/editor/test_corpus.py: the rest of the real file is
// not run (it would start a server; node --check covers it).  Reports what the
// main process sees and what a child started through a named import of
// child_process with an explicit env sees.
import { spawnSync as __probeSpawnSync } from "child_process";
import { writeFileSync as __probeWrite } from "fs";
const __probeMark = Symbol.for("patcher.cursor.spawn-env-hook");
const __probeChild = __probeSpawnSync(process.execPath, ["-e", "process.stdout.write(JSON.stringify(process.env))"],
  { env: { PATH: process.env.PATH || "" }, encoding: "utf8" });
__probeWrite(process.env.PATCHER_PROBE_REPORT, JSON.stringify({
  main: process.env,
  child: JSON.parse(__probeChild.stdout),
  wrapped: typeof __probeSpawnSync[__probeMark],
}));
