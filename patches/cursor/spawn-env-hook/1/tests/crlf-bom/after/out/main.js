/* crlf */
"use strict";
(function (require) {
  // patcher: cursor/spawn-env-hook@1. Sets environment variables for the
  // editor and every process it starts. Guarded: on any failure it undoes
  // what it did, says so once on stderr, and the editor starts as if unpatched.
  "use strict";
  var MARK = Symbol.for("patcher.cursor.spawn-env-hook");
  if (globalThis[MARK]) return;
  globalThis[MARK] = true;
  var VARS = {"PYTHONIOENCODING":"utf-8","PYTHONUTF8":"1"};
  var NAMES = ["spawn", "spawnSync", "fork", "exec", "execSync", "execFile", "execFileSync"];
  var cp, done = [];
  try {
    var names = Object.keys(VARS);
    var windows = process.platform === "win32";
    var value = function (name) {
      return process.env[name] !== undefined ? process.env[name] : VARS[name];
    };
    // Does an explicit env already set this variable? (case-blind on Windows)
    var sets = function (env, name) {
      if (Object.prototype.hasOwnProperty.call(env, name)) return true;
      if (!windows) return false;
      var lower = name.toLowerCase();
      return Object.keys(env).some(function (k) { return k.toLowerCase() === lower; });
    };
    // The options object is the first plain object after the command
    // (arrays are argument lists; a function is the callback, after options).
    var withVars = function (args) {
      for (var i = 1; i < args.length; i++) {
        var a = args[i];
        if (a === null || a === undefined || Array.isArray(a)) continue;
        if (typeof a !== "object") return args;
        if (!a.env || typeof a.env !== "object") return args;
        var missing = names.filter(function (n) { return !sets(a.env, n); });
        if (!missing.length) return args;
        var env = Object.assign({}, a.env);
        missing.forEach(function (n) { env[n] = value(n); });
        var copy = Array.prototype.slice.call(args);
        copy[i] = Object.assign({}, a, { env: env });
        return copy;
      }
      return args;
    };
    cp = require("child_process");
    var custom = require("util").promisify.custom;
    NAMES.forEach(function (name) {
      var orig = cp[name];
      if (typeof orig !== "function" || orig[MARK]) return;
      var wrapped = function () { return orig.apply(this, withVars(arguments)); };
      Object.defineProperty(wrapped, MARK, { value: orig });
      Object.defineProperty(wrapped, "name", { value: orig.name });
      Object.defineProperty(wrapped, "length", { value: orig.length });
      if (typeof orig[custom] === "function") {
        var origCustom = orig[custom];
        Object.defineProperty(wrapped, custom, { value: function () { return origCustom.apply(this, withVars(arguments)); } });
      }
      cp[name] = wrapped;
      done.push([name, orig]);
    });
    // ES module bundles import child_process functions by name: make those
    // bindings see the wrappers too.
    require("module").syncBuiltinESMExports();
    names.forEach(function (n) { if (process.env[n] === undefined) process.env[n] = VARS[n]; });
  } catch (e) {
    try {
      done.forEach(function (d) { cp[d[0]] = d[1]; });
      require("module").syncBuiltinESMExports();
    } catch (_) {}
    try { process.stderr.write("patcher: cursor/spawn-env-hook@1 is disabled: " + ((e && e.message) || e) + "\n"); } catch (_) {}
  }
})(require);
require("./x");
