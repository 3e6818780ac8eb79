#!/usr/bin/env node
// chunkreader.cjs PAYLOAD -- CMD ARGS...: runs CMD with its stdout and stderr piped into node, and reads every
// chunk twice: decoded on its own (chunk.toString(), as the Go extension's goTest() does unpatched) and through
// the goext/utf8-stream-decode payload's __patcherUtf8Chunks (PAYLOAD: its utf8chunks.js), as the patched
// extension does.  Prints one JSON line: chunks, U+FFFD of each reader, U+FFFD of a decode of all bytes at once,
// and whether the patched reader's text equals that whole decode.  Exit status: CMD's.
"use strict";
const fs = require("fs");
const cp = require("child_process");

const [payload, sep, ...cmd] = process.argv.slice(2);
if (!payload || sep !== "--" || !cmd.length) {
  console.error("usage: chunkreader.cjs PAYLOAD -- CMD ARGS...");
  process.exit(2);
}
const wrap = new Function("Buffer", "require", fs.readFileSync(payload, "utf8") + "\nreturn __patcherUtf8Chunks;")(Buffer, require);
const child = cp.spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
const raw = { stdout: [], stderr: [] };
const perChunk = { stdout: "", stderr: "" };
const whole = { stdout: "", stderr: "" };
for (const name of ["stdout", "stderr"]) {
  child[name].on("data", (c) => { raw[name].push(c); perChunk[name] += c.toString(); });
  child[name].on("data", wrap((c) => { whole[name] += c.toString(); }));
}
child.on("error", (e) => { console.error(`chunkreader: ${e.message}`); process.exit(2); });
child.on("close", (code) => {
  const n = (s) => (s.match(/\uFFFD/g) || []).length;
  const all = { stdout: Buffer.concat(raw.stdout).toString(), stderr: Buffer.concat(raw.stderr).toString() };
  console.log(JSON.stringify({
    chunks: raw.stdout.length + raw.stderr.length,
    bytes: Buffer.concat(raw.stdout).length + Buffer.concat(raw.stderr).length,
    fffd_per_chunk: n(perChunk.stdout) + n(perChunk.stderr),
    fffd_patched_reader: n(whole.stdout) + n(whole.stderr),
    fffd_whole: n(all.stdout) + n(all.stderr),
    patched_reader_is_whole: whole.stdout === all.stdout && whole.stderr === all.stderr,
    exit: code,
  }));
  process.exit(code ?? 1);
});
