// Runs the goext/utf8-stream-decode payload (the file given as argv[2]) on real node streams and prints
// one JSON object per scenario: what the wrapped listener received, next to what a whole decode gives.
// Used by tests/targets/goext/test_utf8chunks.py; nothing here knows the expected answers.
"use strict";
const fs = require("fs");
const { Readable } = require("stream");
const cp = require("child_process");

const payload = fs.readFileSync(process.argv[2], "utf8");
const wrap = new Function("Buffer", "require", payload + "\nreturn __patcherUtf8Chunks;")(Buffer, require);

// A readable that delivers exactly these chunks, one per tick (so each is one 'data' event).
function source(chunks, encoding) {
  let i = 0;
  const r = new Readable({ read() {} });
  if (encoding) r.setEncoding(encoding);
  const next = () => {
    if (i < chunks.length) {
      r.push(Buffer.from(chunks[i++]));
      setImmediate(next);
    } else {
      r.push(null);
    }
  };
  setImmediate(next);
  return r;
}

function run(chunks, encoding) {
  return new Promise((resolve) => {
    const s = source(chunks, encoding);
    const got = { calls: 0, text: "", types: [], bytes: [], textAtEnd: null };
    // Registered before the wrapped listener: must still see everything (the flush goes first).
    s.on("end", () => { got.textAtEnd = got.text; });
    s.on("data", wrap(function (c) {
      got.calls++;
      got.types.push(Buffer.isBuffer(c) ? "buffer" : typeof c);
      got.text += c.toString();
      if (Buffer.isBuffer(c)) got.bytes.push(...c);
    }));
    s.on("close", () => resolve(got));
  });
}

async function main() {
  const scenarios = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
  const out = [];
  for (const sc of scenarios) {
    const chunks = sc.chunks.map((h) => Buffer.from(h, "hex"));
    const whole = Buffer.concat(chunks);
    const got = await run(chunks, sc.encoding);
    out.push({ name: sc.name, got, perChunk: chunks.map((c) => c.toString()).join(""), whole: whole.toString(),
               wholeHex: whole.toString("hex") });
  }
  // Not called by a stream (no `this`): the listener gets the chunk as it is.
  let direct = null;
  wrap((c) => { direct = Buffer.isBuffer(c) ? c.toString("hex") : c; }).call(undefined, Buffer.from([0xe6, 0xbc]));
  out.push({ name: "direct", direct });
  // A real child process writing a character in two writes, 50 ms apart: two reads on our side.
  const child = cp.spawn(process.execPath, ["-e",
    "process.stdout.write(Buffer.from([0xe6,0xbc]));setTimeout(()=>process.stdout.write(Buffer.from([0xa2,0x0a])),50)"]);
  const seen = [];
  child.stdout.on("data", wrap((c) => seen.push(c.toString("hex"))));
  await new Promise((r) => child.on("close", r));
  out.push({ name: "child", seen });
  process.stdout.write(JSON.stringify(out));
}
main();
