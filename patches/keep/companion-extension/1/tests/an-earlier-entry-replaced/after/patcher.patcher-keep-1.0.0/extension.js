// patcher: keep/companion-extension@1, installed by `patcher keep` (removed by `patcher keep --off`).
// At every start of the editor (onStartupFinished) it runs `patcher apply --kept`, which re-applies the
// kept patches whose files an update replaced and changes nothing otherwise, in its own process: the
// editor's start never waits for it. When something was re-applied it says what, and what the user must
// do to use it; a failure is shown once (the same failure again is only logged by patcher).
"use strict";
const childProcess = require("child_process");
const fs = require("fs");
const path = require("path");

// What `patcher keep` wrote beside this file: which patcher to run, exactly, and with which state directory.
function settings() {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "keep.json"), "utf8"));
}

// What the user must do for each kind of target re-applied, to use it.
const TO_USE = {
  goext: "reload the window",
  cursor: "restart the editor",
  go: "open a new terminal",
  settings: "open a new terminal",
  pwsh: "open a new terminal",
};

function runKept(keep) {
  return new Promise((resolve) => {
    // --wait: every window of every editor starts a companion; one of them may be rebuilding go.
    const args = keep.command.slice(1).concat(["apply", "--kept", "--json", "--wait", "300", "--state-dir", keep.stateDir]);
    // UTF-8 both ways: Python would write the pipe in the ANSI code page on Windows (paths like C:\Users\张三).
    const env = Object.assign({}, process.env, keep.env || {}, { PYTHONUTF8: "1", PYTHONIOENCODING: "utf-8" });
    // Not the extension host's own ELECTRON_RUN_AS_NODE etc.: patcher starts node and go itself.
    delete env.ELECTRON_RUN_AS_NODE;
    childProcess.execFile(keep.command[0], args, { env, windowsHide: true, timeout: 15 * 60 * 1000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        let summary = null;
        const last = String(stdout).trim().split(/\r?\n/).pop();
        try {
          summary = JSON.parse(last);
        } catch (_) {
          summary = null;
        }
        resolve({ error, summary, stderr: String(stderr).trim() });
      });
  });
}

function describe(reapplied) {
  const what = reapplied.map((r) => r.what).join("; ");
  const todo = [...new Set(reapplied.map((r) => TO_USE[r.kind] || "restart the editor"))];
  return { text: `patcher re-applied its patches after an update: ${what}. To use them: ${todo.join(", ")}.`,
           reload: reapplied.some((r) => r.kind === "goext") };
}

async function report(vscode, context, result) {
  const failed = result.summary ? result.summary.failed : null;
  if (result.summary && result.summary.reapplied.length) {
    const { text, reload } = describe(result.summary.reapplied);
    const choice = await vscode.window.showInformationMessage(text, ...(reload ? ["Reload Window"] : []));
    if (choice === "Reload Window") {
      await vscode.commands.executeCommand("workbench.action.reloadWindow");
    }
  }
  const problem = failed && failed.length ? failed.map((f) => f.what + ": " + f.reason).join("; ")
    : (result.summary ? null : (result.stderr || String(result.error || "no answer")).split(/\r?\n/).pop());
  if (!problem) {
    await context.globalState.update("patcher.keep.lastFailure", undefined);
    return;
  }
  if (context.globalState.get("patcher.keep.lastFailure") === problem) {
    return; // shown before: once is enough (patcher's own log has every run)
  }
  await context.globalState.update("patcher.keep.lastFailure", problem);
  vscode.window.showWarningMessage(`patcher could not re-apply its patches: ${problem}`);
}

function activate(context) {
  const vscode = require("vscode");
  // Not awaited: the extension host goes on at once; the returned promise is only there for whoever wants it.
  const done = (async () => {
    try {
      await report(vscode, context, await runKept(settings()));
    } catch (err) {
      try {
        await report(vscode, context, { error: err, summary: null, stderr: String(err && err.message) });
      } catch (_) {
        // never let the companion disturb the editor
      }
    }
  })();
  return { done };
}

function deactivate() {}

module.exports = { activate, deactivate };
