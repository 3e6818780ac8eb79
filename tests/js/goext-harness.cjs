#!/usr/bin/env node
// goext-harness: runs a real golang.go bundle's OWN goTest() or spawnDlvDapServerProcess() in plain node and records
// the text the user would read (the test output channel, the debug console).
//
//   node goext-harness.cjs gotest EXT_DIR RESULT.json SPEC.json
//   node goext-harness.cjs dlv    EXT_DIR RESULT.json SPEC.json
//
// EXT_DIR is an installed golang.go folder (package.json + its "main" bundle). The bundle is not changed: a copy is
// loaded from a temp dir with one line appended that exports the functions (they are module-level in the esbuild
// bundle, so a line at its end sees them), and require("vscode") gets tests/js/vscode-standin.cjs.
//
// SPEC (JSON) for gotest: {dir, settings: {"go.testFlags": [...]}, functions: [...], reference: true}
//   goTest() gets what the extension's own "test function at cursor" builds: goConfig = the "go" configuration,
//   flags = the bundle's getTestFlags(goConfig), isMod, background. With `reference`, the go test command goTest
//   spawned is run again here and ALL its bytes decoded at once: the text a whole reader shows.
// SPEC for dlv: {dir, dlvToolPath, env: {...}, host, port}
//
// The result goes to RESULT.json, not stdout: under Wine, a Windows node's stdout is not usable as a pipe.
'use strict';
const cp = require('child_process');
const fs = require('fs');
const Module = require('module');
const os = require('os');
const path = require('path');
const { makeVscode } = require('./vscode-standin.cjs');

const EXPORTED = ['goTest', 'getTestFlags', 'spawnDlvDapServerProcess'];
const countFffd = (s) => (s.match(/\uFFFD/g) || []).length;

// Loads a copy of the extension's main bundle with the harness export appended.
function loadBundle(extDir, settings, workspaceFolder) {
  const packageJson = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8'));
  const main = path.join(extDir, packageJson.main || 'extension.js');
  const text = fs.readFileSync(main, 'utf8');
  const copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'goext-harness-'));
  const copy = path.join(copyDir, path.relative(extDir, main));
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  // typeof: a build without one of the functions still loads; the mode that needs it says so.
  const exportLine = `module.exports.__patcherHarness = { ${EXPORTED.map((n) => `${n}: typeof ${n} === "function" ? ${n} : undefined`).join(', ')} };`;
  // On a line of its own: the bundle ends with comments (license notes), possibly without a final newline.
  fs.writeFileSync(copy, `${text}\n;${exportLine}\n`);

  const vscode = makeVscode({ bundleText: text, extension: { dir: extDir, packageJson }, settings, workspaceFolder });
  const originalLoad = Module._load;
  Module._load = function (request, parent, isMain) {
    if (request === 'vscode') return vscode.module;
    return originalLoad.call(this, request, parent, isMain);
  };
  try {
    const loaded = require(copy);
    return { version: packageJson.version, fns: loaded.__patcherHarness, vscode };
  } finally {
    fs.rmSync(copyDir, { recursive: true, force: true }); // loaded: node needs the file no more
  }
}

// Whether a chunk ends inside a UTF-8 character (its last lead byte still waits for continuation bytes).
function endsInsideCharacter(buf) {
  for (let i = buf.length - 1; i >= 0 && i >= buf.length - 4; i--) {
    const b = buf[i];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return buf.length - i < need;
  }
  return false;
}

// Per output stream of a child: how many chunks the reader got, how many ended inside a character. Seen by a
// listener of our own, attached before the bundle's: what node delivers, whatever the bundle does with it.
function countReads(child) {
  const reads = {};
  (child.stdio || []).forEach((stream, fd) => {
    if (fd === 0 || !stream || typeof stream.on !== 'function') return;
    const r = (reads[['stdin', 'stdout', 'stderr'][fd] || `fd${fd}`] = { chunks: 0, cut: 0, bytes: 0 });
    stream.on('data', (chunk) => {
      r.chunks += 1;
      if (typeof chunk === 'string') r.strings = true; // decoded before any listener: nothing to count
      else { r.bytes += chunk.length; if (endsInsideCharacter(chunk)) r.cut += 1; }
    });
  });
  return reads;
}

// Every child process the bundle starts (observed, not changed), so the test knows what the bundle really ran and
// how its output was read.
function recordSpawns() {
  const spawns = [];
  const original = cp.spawn;
  cp.spawn = function (file, args, options) {
    const child = original.apply(this, arguments);
    spawns.push({ file, args: Array.isArray(args) ? [...args] : [], cwd: options?.cwd, env: options?.env, child, reads: countReads(child) });
    return child;
  };
  return { spawns, restore: () => { cp.spawn = original; } };
}

// What the result says of each spawn (the env is left out: it is the caller's, plus GOPATH).
const described = (spawns) => spawns.map(({ file, args, cwd, reads }) => ({ file, args, cwd, reads }));

// Runs a command and decodes everything it wrote only at the end, as a correct reader shows it.
function runWhole(file, args, cwd, env) {
  return new Promise((resolve, reject) => {
    const p = cp.spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    p.stdout.on('data', (c) => out.push(c));
    p.stderr.on('data', (c) => err.push(c));
    p.on('error', (e) => reject(new Error(`reference run of ${file}: ${e}`)));
    p.on('close', (code) => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code }));
  });
}

// From here on, the stand-in's records say what the function called next reads (not what loading the bundle read).
function forgetReads(bundle) {
  bundle.vscode.touched.clear();
  bundle.vscode.configReads.clear();
}

async function modeGotest(bundle, spec) {
  const { goTest, getTestFlags } = bundle.fns;
  if (!goTest || !getTestFlags) throw new Error(`golang.go ${bundle.version}: goTest/getTestFlags not found in the bundle`);
  const vscode = bundle.vscode.module;
  const goConfig = vscode.workspace.getConfiguration('go');
  const channel = vscode.window.createOutputChannel('Go Tests (harness)');
  const testconfig = {
    goConfig,
    dir: spec.dir,
    flags: getTestFlags(goConfig),
    functions: spec.functions,
    isMod: true,
    background: true,
    outputChannel: channel,
  };
  const testconfigReads = new Set();
  const traced = new Proxy(testconfig, { get: (t, prop) => { if (typeof prop === 'string') testconfigReads.add(prop); return t[prop]; } });
  forgetReads(bundle);
  const rec = recordSpawns();
  let returned;
  try {
    returned = await goTest(traced);
  } finally {
    rec.restore();
  }
  const goTestSpawn = rec.spawns.find((s) => s.args[0] === 'test');
  const result = {
    flags: testconfig.flags,
    returned,
    channel: channel.text,
    fffd: countFffd(channel.text),
    clears: channel.clears,
    testconfigReads: [...testconfigReads].sort(),
    spawns: described(rec.spawns),
  };
  if (spec.reference) {
    if (!goTestSpawn) throw new Error(`golang.go ${bundle.version}: goTest started no go test (${JSON.stringify(result.spawns)})`);
    result.reference = await runWhole(goTestSpawn.file, goTestSpawn.args, goTestSpawn.cwd, goTestSpawn.env);
  }
  return result;
}

async function modeDlv(bundle, spec) {
  const { spawnDlvDapServerProcess } = bundle.fns;
  if (!spawnDlvDapServerProcess) throw new Error(`golang.go ${bundle.version}: spawnDlvDapServerProcess not found in the bundle`);
  const calls = []; // [kind, text] in the order the bundle called them: the debug console
  let exited;
  // The bundle's own 'close' handler says this last, after every stdio stream of dlv has ended.
  const done = new Promise((resolve) => { exited = resolve; });
  const record = (kind) => (s) => {
    calls.push([kind, s]);
    if (kind === 'logConsole' && /^dlv dap \(\d+\) (exited|was killed|terminated)/.test(s)) exited();
  };
  const [log, logErr, logConsole] = ['log', 'logErr', 'logConsole'].map(record);
  const launchAttachArgs = {
    request: 'launch',
    dlvToolPath: spec.dlvToolPath,
    env: spec.env || {},
    __buildDir: spec.dir, // the directory dlv runs in (else the workspace folder)
  };
  forgetReads(bundle);
  const rec = recordSpawns();
  let child;
  try {
    child = await spawnDlvDapServerProcess(launchAttachArgs, spec.host || '127.0.0.1', spec.port || 0, log, logErr, logConsole);
  } finally {
    rec.restore();
  }
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('dlv stand-in did not exit within 60 s')), 60000))]);
  const text = (kind) => calls.filter((c) => c[0] === kind).map((c) => c[1]).join('');
  const all = calls.map((c) => c[1]).join('');
  return {
    pid: child?.pid,
    calls,
    log: text('log'),
    logErr: text('logErr'),
    logConsole: text('logConsole'),
    fffd: countFffd(all),
    spawns: described(rec.spawns),
  };
}

async function main(argv) {
  const [mode, extDir, resultPath, specPath] = argv;
  if (!['gotest', 'dlv'].includes(mode) || !extDir || !resultPath || !specPath) {
    process.stderr.write('usage: goext-harness.cjs gotest|dlv EXT_DIR RESULT.json SPEC.json\n');
    return 2;
  }
  const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
  const result = { mode, extDir };
  let bundle;
  try {
    bundle = loadBundle(path.resolve(extDir), spec.settings || {}, spec.workspaceFolder);
    result.version = bundle.version;
    Object.assign(result, mode === 'gotest' ? await modeGotest(bundle, spec) : await modeDlv(bundle, spec));
    result.stubsUsed = [...bundle.vscode.touched].sort();
    result.configReads = [...bundle.vscode.configReads].sort();
  } catch (e) {
    result.error = e && e.stack ? e.stack : String(e);
  }
  fs.writeFileSync(resultPath, JSON.stringify(result));
  return result.error ? 1 : 0;
}

// process.exit: the bundle's load leaves timers and handles behind that would keep node alive.
main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { process.stderr.write(`${e.stack || e}\n`); process.exit(1); });
