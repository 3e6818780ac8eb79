// companion-activate.cjs EXTENSION_DIR STATE_FILE OUT_FILE: loads an installed companion extension (patcher's own
// keep/companion, as `patcher keep` put it in an extensions folder) with a stand-in `vscode` module, calls its
// activate() as the extension host would at onStartupFinished, waits for the run it starts, and writes what the
// user was shown (information and warning messages, commands run) to OUT_FILE as JSON. STATE_FILE holds the
// extension's globalState between runs, as the editor keeps it between starts.
"use strict";
const fs = require("fs");
const Module = require("module");
const path = require("path");

const [extDir, stateFile, outFile] = process.argv.slice(2);
const shown = { info: [], warnings: [], commands: [] };
const stored = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, "utf8")) : {};
const vscode = {
  window: {
    showInformationMessage: async (text, ...items) => { shown.info.push({ text, items }); return items[0]; },
    showWarningMessage: async (text, ...items) => { shown.warnings.push({ text, items }); return undefined; },
  },
  commands: { executeCommand: async (id) => { shown.commands.push(id); } },
};
const load = Module._load;
Module._load = function (request, parent, isMain) {
  return request === "vscode" ? vscode : load.call(this, request, parent, isMain);
};
const context = {
  globalState: {
    get: (key) => stored[key],
    update: async (key, value) => {
      if (value === undefined) delete stored[key]; else stored[key] = value;
      fs.writeFileSync(stateFile, JSON.stringify(stored));
    },
  },
  subscriptions: [],
};
const pkg = JSON.parse(fs.readFileSync(path.join(extDir, "package.json"), "utf8"));
const started = Date.now();
const api = require(path.join(extDir, pkg.main)).activate(context);
const returnedAfter = Date.now() - started;  // activate must not wait for patcher
Promise.resolve(api && api.done).then(() => {
  fs.writeFileSync(outFile, JSON.stringify({ activationEvents: pkg.activationEvents, returnedAfterMs: returnedAfter, ...shown }));
});
