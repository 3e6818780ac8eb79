// A stand-in for the `vscode` module, good enough to load a real golang.go bundle in plain node and call its
// goTest() and spawnDlvDapServerProcess().
//
// Why every name: esbuild's __toESM/__toModule/__importStar copy the OWN keys of what require("vscode") returns,
// once, when the bundle loads. A name the stand-in does not have at that moment is undefined for the bundle
// forever, and `class X extends vscode.TreeItem` or `vscode.window.createOutputChannel(...)` at load time throws.
// So every name the bundle's text reads on a vscode import is defined up front as a generic auto-stub, and real
// behaviour is given only where goTest() and the dlv-dap spawn depend on it: output channels that record what the
// user reads, the configuration (package.json's defaults plus the user's settings), no active editor, the
// extension itself.
'use strict';

// `alias.name` and `alias.name.member` for every variable bound to require("vscode") in the bundle. Matches inside
// string literals (e.g. "code.visualstudio.com" for an alias `code`) only add harmless extra names.
function scanVscodeNames(bundleText) {
  const aliases = new Set();
  for (const m of bundleText.matchAll(/\b([A-Za-z_$][\w$]*)\s*=\s*(?:__toESM\(|__toModule\(|__importStar\()?require\("vscode"\)/g)) {
    aliases.add(m[1]);
  }
  const names = new Map();
  if (!aliases.size) return names;
  const alt = [...aliases].map((a) => a.replace(/\$/g, '\\$')).join('|');
  const access = new RegExp(`(?<![\\w$.])(?:${alt})\\.([A-Za-z_$][\\w$]*)(?:\\.([A-Za-z_$][\\w$]*))?`, 'g');
  for (const m of bundleText.matchAll(access)) {
    if (!names.has(m[1])) names.set(m[1], new Set());
    if (m[2]) names.get(m[1]).add(m[2]);
  }
  return names;
}

// A value that can be read, called, constructed and extended, whose every property is another auto-stub.
// `touched` collects the paths the bundle really used (reported, so a change between builds shows).
function autoStub(path, touched) {
  const values = new Map();
  const target = function () {};
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (values.has(prop)) return values.get(prop);
      if (prop === 'prototype') return t.prototype; // a real object, so `extends` and instanceof work
      if (prop === 'then') return undefined; // not a thenable: `await stub` must not wait forever
      if (prop === Symbol.toPrimitive) return () => `[vscode stand-in ${path}]`;
      if (prop === Symbol.iterator) return function* () {};
      if (typeof prop === 'symbol') return undefined;
      if (prop === 'call' || prop === 'apply' || prop === 'bind') return Reflect.get(t, prop, receiver);
      const child = autoStub(`${path}.${prop}`, touched);
      touched.add(`${path}.${prop}`);
      values.set(prop, child);
      return child;
    },
    set(t, prop, value) {
      values.set(prop, value);
      return true;
    },
    has(t, prop) {
      return values.has(prop) || prop in t;
    },
    apply() {
      touched.add(`${path}()`);
      return autoStub(`${path}()`, touched);
    },
    construct(t, args, newTarget) {
      touched.add(`new ${path}`);
      return stubInstance(Object.create(newTarget.prototype), `${path}#`, touched);
    },
  });
}

// An instance of an auto-stub class (or of a bundle class extending one): its own fields and methods are real,
// anything else is an auto-stub.
function stubInstance(obj, path, touched) {
  return new Proxy(obj, {
    get(t, prop, receiver) {
      if (prop in t || typeof prop === 'symbol') return Reflect.get(t, prop, receiver);
      if (prop === 'then') return undefined;
      const child = autoStub(`${path}${prop}`, touched);
      touched.add(`${path}${prop}`);
      t[prop] = child;
      return child;
    },
  });
}

// The channel the user reads: `text` is what it shows since its last clear().
function recorderChannel(name) {
  const ch = {
    name,
    text: '',
    clears: 0,
    logged: [],
    append(s) { ch.text += s; },
    appendLine(s) { ch.text += `${s}\n`; },
    replace(s) { ch.text = s; },
    clear() { ch.text = ''; ch.clears += 1; },
    show() {},
    hide() {},
    dispose() {},
  };
  // A LogOutputChannel ({log: true}) is also written through these; kept apart from `text`.
  for (const level of ['trace', 'debug', 'info', 'warn', 'error']) ch[level] = (...a) => ch.logged.push([level, a.join(' ')]);
  ch.onDidChangeLogLevel = () => ({ dispose() {} });
  ch.logLevel = 2;
  return ch;
}

// VS Code's rule for a setting declared without a default: the default of its type.
function typeDefault(type) {
  const t = Array.isArray(type) ? type[0] : type;
  return { boolean: false, number: 0, integer: 0, string: '', array: [], object: {} }[t] ?? null;
}

// section -> {key: default} from the extension's package.json contributes.configuration (an object or an array).
function declaredDefaults(packageJson) {
  let conf = packageJson.contributes?.configuration ?? [];
  if (!Array.isArray(conf)) conf = [conf];
  const out = {};
  for (const block of conf) {
    for (const [key, spec] of Object.entries(block.properties ?? {})) {
      out[key] = 'default' in spec ? spec.default : typeDefault(spec.type);
    }
  }
  return out;
}

// A WorkspaceConfiguration: get/has/inspect/update, and the section's values as properties (the bundle reads both
// `cfg.get("goroot")` and `goConfig["testFlags"]`). Every key read is added to `reads` ("go.testFlags").
function makeConfiguration(section, defaults, settings, reads) {
  const prefix = section ? `${section}.` : '';
  const values = {};
  for (const source of [defaults, settings]) {
    for (const [key, value] of Object.entries(source)) {
      if (key.startsWith(prefix)) values[key.slice(prefix.length)] = structuredClone(value);
    }
  }
  const lookup = (key) => {
    reads.add(prefix + key);
    return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : undefined;
  };
  const methods = {
    get: (key, def) => (lookup(key) === undefined ? def : lookup(key)),
    has: (key) => lookup(key) !== undefined,
    inspect: (key) => ({ key: prefix + key, defaultValue: defaults[prefix + key], globalValue: settings[prefix + key] }),
    update: async () => {},
  };
  return new Proxy(values, {
    get(t, prop) {
      if (typeof prop !== 'string') return undefined;
      if (Object.prototype.hasOwnProperty.call(methods, prop)) return methods[prop];
      return lookup(prop);
    },
  });
}

class EventEmitter {
  constructor() {
    this.listeners = [];
    this.event = (listener, thisArg) => {
      const entry = thisArg ? listener.bind(thisArg) : listener;
      this.listeners.push(entry);
      return new Disposable(() => { this.listeners = this.listeners.filter((l) => l !== entry); });
    };
  }
  fire(value) { for (const l of [...this.listeners]) l(value); }
  dispose() { this.listeners = []; }
}

class Disposable {
  constructor(fn) { this.fn = fn; }
  dispose() { if (this.fn) this.fn(); this.fn = undefined; }
  static from(...items) { return new Disposable(() => items.forEach((d) => d && d.dispose && d.dispose())); }
}

class CancellationTokenSource {
  constructor() {
    const emitter = new EventEmitter();
    this.emitter = emitter;
    this.token = { isCancellationRequested: false, onCancellationRequested: emitter.event };
  }
  cancel() { this.token.isCancellationRequested = true; this.emitter.fire(); }
  dispose() { this.emitter.dispose(); }
}

function fileUri(fsPath) {
  return {
    scheme: 'file', authority: '', path: fsPath, query: '', fragment: '', fsPath,
    toString: () => `file://${fsPath}`,
    with(change) { return fileUri(change.path ?? fsPath); },
  };
}

// The stand-in: {module, channels, touched, configReads}. `extension` = {dir, packageJson}; `settings` = the user's settings
// ({"go.testFlags": ["-v"]}); `workspaceFolder` = a folder path or undefined (no folder open).
function makeVscode({ bundleText, extension, settings = {}, workspaceFolder }) {
  const touched = new Set();
  const mod = {};
  for (const [name, members] of scanVscodeNames(bundleText)) {
    mod[name] = autoStub(name, touched);
    for (const member of members) void mod[name][member]; // created now: a member read later is the same object
  }
  touched.clear(); // what the bundle reads from here on is what it really used
  for (const base of ['window', 'workspace', 'extensions', 'env', 'Uri', 'debug', 'commands', 'languages']) {
    if (!(base in mod)) mod[base] = autoStub(base, touched);
  }

  const channels = [];
  const configReads = new Set();
  const defaults = declaredDefaults(extension.packageJson);
  const extensionId = `${extension.packageJson.publisher}.${extension.packageJson.name}`;
  const folder = workspaceFolder ? { uri: fileUri(workspaceFolder), name: 'workspace', index: 0 } : undefined;

  Object.assign(mod, { EventEmitter, Disposable, CancellationTokenSource });
  // The version the extension declares it needs (engines.vscode), so version checks take their normal branch.
  mod.version = String(extension.packageJson.engines?.vscode ?? '1.0.0').replace(/^[^\d]*/, '');
  mod.Uri.file = fileUri;

  const { window, workspace, extensions, env } = mod;
  window.createOutputChannel = (name) => { const ch = recorderChannel(name); channels.push(ch); return ch; };
  window.activeTextEditor = undefined; // no editor open: the bundle then takes the configuration of no document
  window.visibleTextEditors = [];
  window.terminals = [];
  workspace.getConfiguration = (section) => makeConfiguration(section ?? '', defaults, settings, configReads);
  workspace.workspaceFolders = folder ? [folder] : undefined;
  workspace.getWorkspaceFolder = () => folder;
  workspace.textDocuments = [];
  workspace.isTrusted = true;
  const self = { id: extensionId, extensionPath: extension.dir, extensionUri: fileUri(extension.dir), packageJSON: extension.packageJson, isActive: true };
  extensions.getExtension = (id) => (id === extensionId ? self : undefined);
  extensions.all = [self];
  env.appName = 'Visual Studio Code';
  env.language = 'en';
  env.isTelemetryEnabled = false;
  env.machineId = 'someValue.machineId';
  env.remoteName = undefined;
  return { module: mod, channels, touched, configReads };
}

module.exports = { makeVscode, scanVscodeNames };
