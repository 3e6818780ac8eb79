"use strict";
var cp = require("child_process");
var LineBuffer = class {
  constructor() {
    this.buf = "";
  }
  append(s) {
    this.buf += s;
  }
};
function killTree(p) {
  p.kill();
}
async function goTest(testconfig) {
  return new Promise((resolve) => {
    const tp = cp.spawn("go", ["test", "-json"], { cwd: testconfig.dir });
    const outBuf = new LineBuffer();
    const errBuf = new LineBuffer();
    tp.stdout.on("data", (chunk) => outBuf.append(chunk.toString()));
    tp.stderr.on("data", (chunk) => errBuf.append(chunk.toString()));
    tp.on("close", (code) => resolve(code === 0));
  });
}
function spawnDlvDapServerProcess(launchAttachArgs, host, port, log, logErr, logConsole) {
  return new Promise((resolve) => {
    const p = cp.spawn(launchAttachArgs.dlvToolPath, ["dap"], { stdio: ["pipe", "pipe", "pipe", "pipe"] });
    p.stdout.on("data", (chunk) => {
      const msg = chunk.toString();
      log(msg);
    });
    p.stderr.on("data", (chunk) => {
      logErr(chunk.toString());
    });
    p.stdio[3]?.on("data", (chunk) => {
      logConsole(chunk.toString());
    });
    resolve(p);
  });
}
function goList(cwd) {
  const child = cp.spawn("go", ["list"], { cwd });
  const chunks = [];
  child.stdout.on("data", (stdout) => {
    chunks.push(stdout);
  });
  child.on("close", () => chunks.join("").toString());
  let stderr = "";
  child.stderr.on("data", (data) => stderr += data);
}
function processTree(pid) {
  const ps = cp.spawn("ps", ["-o", "pid", String(pid)]);
  ps.stdout.on("data", function(data) {
    var data = data.toString("ascii");
    killTree(data);
  });
}
class Session {
  start(inStream) {
    inStream.on("data", (data) => this.handle(data));
    this.child.stdout.on("data", (data) => this.handle(data));
  }
}
module.exports = { goTest, spawnDlvDapServerProcess, goList, processTree, Session };
