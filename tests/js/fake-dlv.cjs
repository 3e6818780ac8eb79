#!/usr/bin/env node
// fake-dlv: a stand-in for `dlv dap` that the Go extension's spawnDlvDapServerProcess() can start.
//
// Like dlv, it prints "DAP server listening at: HOST:PORT" (from --listen=) on stdout, which the extension waits
// for. Then it writes CJK/emoji text on stdout, stderr and fd 3 (the --log-dest=3 pipe, when open) in pieces that
// each end INSIDE a character, pausing between writes so that the reader gets every piece as a chunk of its own,
// and exits 0. With $FAKEDLV_RECORD set to a directory, it also writes there the exact bytes it wrote to each
// stream (stdout.bin, stderr.bin, fd3.bin), so a test compares the debug console with them decoded whole.
'use strict';
const fs = require('fs');
const path = require('path');

const PAUSE_MS = 25;
const PIECES = 8;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// The text of one stream: numbered lines mixing 3- and 4-byte characters.
function text(stream) {
  const lines = [];
  for (let i = 0; i < 12; i++) lines.push(`${stream} ${i}: 调试输出 中文 😀 漢字仮名 🚀 한국어 ünïcödé ${'测试'.repeat(i + 1)}\n`);
  return Buffer.from(lines.join(''), 'utf8');
}

// Cut points: about PIECES pieces, each cut one byte after the start of a multi-byte character, so every piece
// but the last ends inside a character.
function cuts(buf) {
  const starts = [];
  for (let i = 0; i < buf.length; i++) if (buf[i] >= 0xc0) starts.push(i);
  const out = [];
  for (let k = 1; k < PIECES; k++) out.push(starts[Math.floor((k * starts.length) / PIECES)] + 1);
  return out;
}

function fdOpen(fd) {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

function main(argv) {
  const listen = (argv.find((a) => a.startsWith('--listen=')) || '--listen=127.0.0.1:0').slice('--listen='.length);
  const streams = [['stdout', 1], ['stderr', 2]];
  if (fdOpen(3)) streams.push(['fd3', 3]);
  const written = Object.fromEntries(streams.map(([name]) => [name, []]));
  const write = (name, fd, buf) => {
    fs.writeSync(fd, buf);
    written[name].push(buf);
  };

  write('stdout', 1, Buffer.from(`DAP server listening at: ${listen}\n`));
  sleep(PAUSE_MS * 2);
  const plan = streams.map(([name, fd]) => {
    const buf = text(name);
    const at = [0, ...cuts(buf), buf.length];
    return { name, fd, pieces: at.slice(1).map((end, k) => buf.subarray(at[k], end)) };
  });
  // Interleaved, as dlv's own output and the debuggee's are.
  for (let k = 0; k < PIECES; k++) {
    for (const { name, fd, pieces } of plan) {
      write(name, fd, pieces[k]);
      sleep(PAUSE_MS);
    }
  }
  const record = process.env.FAKEDLV_RECORD;
  if (record) {
    for (const [name, bufs] of Object.entries(written)) fs.writeFileSync(path.join(record, `${name}.bin`), Buffer.concat(bufs));
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
