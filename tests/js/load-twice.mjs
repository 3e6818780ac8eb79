// node load-twice.mjs BUNDLE module|commonjs: evaluate the bundle twice (as a second loader
// would) and report how deeply child_process.spawnSync ends up wrapped.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [bundle, kind] = process.argv.slice(2);
const require = createRequire(import.meta.url);
if (kind === "module") {
  await import(pathToFileURL(bundle).href + "?first");
  await import(pathToFileURL(bundle).href + "?second");
} else {
  require(bundle);
  delete require.cache[require.resolve(bundle)];
  require(bundle);
}
const MARK = Symbol.for("patcher.cursor.spawn-env-hook");
let depth = 0;
for (let f = require("node:child_process").spawnSync; f && f[MARK]; f = f[MARK]) depth++;
process.stdout.write(JSON.stringify({ depth }));
