"""Realistic editor bundles, written here (no editor code is copied).

Shapes follow ../shared/notes/targets.md:
* ESM main (VS Code >= 1.94, Cursor): package.json "type": "module"; one
  minified ES module of 1-2 MB starting with a license comment and an IIFE
  registering Sentry debug ids, then `import{spawn as Q3}from"child_process"`,
  `import*as qo from"child_process"`, `import{app as _3,...}from"electron"`,
  `import.meta`, `?.`, `??`, class fields.
* CommonJS main (VS Code 1.2x-1.93): "use strict" first, a small loader that
  requires the rest.
* pty host: builds node-pty options {name,cwd,env,cols,rows,useConpty:X,...};
  with a winpty backend, or (VS Code >= 1.110) without (a constant "conpty"
  backend, the word winpty only in a release-notes link); minified, or
  unminified with shorthand properties ({ name, cwd, env, cols, rows,
  useConpty, useConptyDll }).
* node_modules/node-pty: its package.json version and a Windows agent
  (lib/windowsPtyAgent.js) that loads conpty, and winpty when the release
  has it (node-pty 1.1.x; 1.2.0-beta.7 removed it).
* product.json: JSON, or (older Cursor) with // comments and trailing commas.

Each bundle's own code, when PATCHER_FIXTURE_REPORT names a file, writes a
JSON report: its environment, and what a child started through the bundle's
own child_process bindings with an explicit {env: {PATH}} sees.
"""

import json
import random
from pathlib import Path

LICENSE = "/*!--------------------------------------------------------\n * Fixture editor bundle written for patcher's tests (MIT).\n *--------------------------------------------------------*/"
SENTRY_IIFE = ('!function(){try{var e="undefined"!=typeof window?window:"undefined"!=typeof global?global:'
               '"undefined"!=typeof globalThis?globalThis:"undefined"!=typeof self?self:{},n=(new e.Error).stack;'
               'n&&(e._sentryDebugIds=e._sentryDebugIds||{},e._sentryDebugIds[n]="6f2c1e0a-8d4b-4c55-9d1e-3b7f0a9c2e11",'
               'e._sentryDebugIdIdentifier="sentry-dbid-6f2c1e0a-8d4b-4c55-9d1e-3b7f0a9c2e11")}catch(e){}}();')
CHILD_ENV = "process.stdout.write(JSON.stringify(process.env))"
WATCHED = ["PYTHONIOENCODING", "PYTHONUTF8", "PATCHER_WINPTY", "FIXTURE_EXTRA", "LANG_TEST"]


# Bindings the bundles' own code uses; filler must not redeclare them.
RESERVED = {"Q3", "Q4", "qo", "_3", "E3", "W1", "Pa", "Ro", "R", "P", "c1", "c2", "pe", "ge", "wf", "Ge", "Xo", "Bk",
            "e", "t", "n", "o", "r", "do", "if", "in", "for", "let", "new", "try", "var", "int", "of", "as"}


_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$"
_REST = _FIRST + "0123456789"


def _ident(k: int) -> str:
    """The k-th short identifier (a minifier's naming), skipping reserved ones."""
    while True:
        name, k0 = _FIRST[k % len(_FIRST)], k // len(_FIRST)
        while k0:
            name += _REST[k0 % len(_REST)]
            k0 //= len(_REST)
        if name not in RESERVED:
            return name
        k += 1_000_003


def _filler(rng: random.Random, target_bytes: int, esm: bool = True) -> str:
    """Minified-looking code that parses as a module and does nothing when run.
    Every declared name is unique; the others are property or label names."""
    parts, size, k = [], 0, 100
    while size < target_bytes:
        k += 1
        a = _ident(k)
        b, c, d = (_ident(rng.randrange(100, 5000)) for _ in range(3))
        kind = k % 9
        if kind == 0:
            s = f"var {a}=class{{#x=0;static y=1;{b}=null;constructor(e,t){{this.{b}=e??t;this.z=e?.o?.[t]}}get v(){{return this.#x}}#p(e){{return e?.()??this.#x}}}};"
        elif kind == 1:
            s = f"function {a}(e,t){{return e?.map(n=>n*t)??[]}}"
        elif kind == 2:
            s = f"const {a}=[`{b}-${{1+2}}-${{typeof globalThis.{c}}}`,/[\\w$]+(?:\\.[a-z]{{2,}})?/giu];"
        elif kind == 3:
            s = f"async function {a}(e){{for await(const t of e??[])try{{await t}}catch{{break}}}}"
        elif kind == 4:
            meta = "import.meta.url" if esm else "__filename"
            s = f"let {a}={{...{{x:1}},[`k${{0}}`]:2n,y:1_000,get z(){{return {meta}}}}};"
        elif kind == 5:
            s = f"function*{a}(e){{yield*e;const{{x:t,...n}}=e??{{}};return[t,n]}}"
        elif kind == 6:
            s = f"var {a}=(e,t=0)=>e?.[t]?.toString?.()??\"\\u6f22\\u5b57\";"
        elif kind == 7:
            s = f"const {a}=Object.freeze({{a:\"{b}\",b:'{c}',c:[1,2,3].filter(e=>e>1).length}});"
        else:
            s = f"function {a}(){{let e=0;e??=1;e||=2;e&&=3;{d}:for(;;){{if(e>0)break {d}}}return e}}"
        parts.append(s)
        size += len(s)
    return "".join(parts)


def _report_code(spawn_sync: str, namespace: str, write_file: str) -> str:
    """The bundle's own code reporting what it and its children see."""
    watched = json.dumps(WATCHED)
    pick = f"(e=>Object.fromEntries({watched}.map(k=>[k,e[k]])))"
    return (f"{{const R=process.env.PATCHER_FIXTURE_REPORT;if(R){{const P={pick};"
            f"const c1={spawn_sync}(process.execPath,[\"-e\",{json.dumps(CHILD_ENV)}],{{env:{{PATH:process.env.PATH}}}});"
            f"const c2={namespace}.execFileSync(process.execPath,[\"-e\",{json.dumps(CHILD_ENV)}],{{env:{{PATH:process.env.PATH,PYTHONUTF8:\"0\"}}}});"
            f"{write_file}(R,JSON.stringify({{ran:!0,main:P(process.env),child:P(JSON.parse(String(c1.stdout))),"
            f"childOwnEnv:P(JSON.parse(String(c2))),wrapped:typeof {spawn_sync}[Symbol.for(\"patcher.cursor.spawn-env-hook\")]}}))}}}}")


def esm_main(target_bytes: int = 1_500_000, seed: int = 1) -> str:
    rng = random.Random(seed)
    head = (LICENSE + "\n" + SENTRY_IIFE +
            'import{spawn as Q3,spawnSync as Q4}from"child_process";import*as qo from"child_process";'
            'import{app as _3,utilityProcess as E3}from"electron";import{writeFileSync as W1}from"fs";'
            'import*as Pa from"path";')
    app = ('const Ro=Pa.dirname(new URL(import.meta.url).pathname);'
           '_3.whenReady?.().then(()=>{_3.emit?.("ready")});' + _report_code("Q4", "qo", "W1"))
    return head + _filler(rng, target_bytes) + app + "\n//# sourceMappingURL=main.js.map\n"


def cjs_main(seed: int = 2) -> str:
    rng = random.Random(seed)
    return (LICENSE + "\n" + '"use strict";' +
            'const e=require("path"),{spawnSync:t}=require("child_process"),n=require("child_process"),'
            'o=require("fs"),r=require("electron");' + _filler(rng, 20_000, esm=False) +
            'r.app.whenReady?.().then(()=>{});' + _report_code("t", "n", "o.writeFileSync") +
            "\n//# sourceMappingURL=main.js.map\n")


def ptyhost(winpty: bool = True, esm: bool = True, seed: int = 3, unminified: bool = False) -> str:
    """A pty host bundle; its report shows the node-pty options it would use."""
    if unminified:
        return ptyhost_unminified(winpty)
    rng = random.Random(seed)
    imports = ('import*as pe from"os";import{spawn as ge}from"node-pty";import{writeFileSync as wf}from"fs";' if esm else
               '"use strict";const pe=require("os"),{spawn:ge}=require("node-pty"),{writeFileSync:wf}=require("fs");')
    build = "function Ge(){const e=pe.release().split(\".\");return parseInt(e[2]??\"0\",10)}"
    if winpty:
        options = ("function Xo(e,s,r,n){return{name:s,cwd:r,env:n,cols:e.cols,rows:e.rows,"
                   "useConpty:e.windowsEnableConpty&&process.platform===\"win32\"&&Ge()>=18309,"
                   "useConptyDll:e.windowsUseConptyDll&&process.platform===\"win32\",conptyInheritCursor:!1}}"
                   "const Bk=e=>e.useConpty?\"conpty\":\"winpty\";")
    else:
        # As from VS Code 1.110: useConpty still passed, the backend a constant,
        # "winpty" only in a link to the release notes of its removal.
        options = ("function Xo(e,s,r,n){return{name:s,cwd:r,env:n,cols:e.cols,rows:e.rows,"
                   "useConpty:e.windowsEnableConpty&&process.platform===\"win32\"&&Ge()>=18309,"
                   "useConptyDll:e.windowsUseConptyDll&&process.platform===\"win32\"}}const Bk=e=>\"conpty\";"
                   "const Yk=\"https://code.visualstudio.com/updates/v1_109#_removal-of-winpty-support\";")
    report = ('{const R=process.env.PATCHER_FIXTURE_REPORT;if(R){const o=Xo({cols:80,rows:24,windowsEnableConpty:!0,'
              'windowsUseConptyDll:!1},"xterm-256color","/","{}");wf(R,JSON.stringify({options:o,backend:Bk(o)}))}}')
    return LICENSE + "\n" + imports + _filler(rng, 60_000, esm) + build + options + report + "\n"


def ptyhost_unminified(winpty: bool = True) -> str:
    """An unminified ES-module pty host: shorthand properties, tabs, comments."""
    backend = ("'useConpty' in this._ptyOptions && this._ptyOptions.useConpty ? 'conpty' : 'winpty'" if winpty
               else "'conpty'")
    return f"""{LICENSE}
import * as os from 'os';
import {{ writeFileSync }} from 'fs';

function getWindowsBuildNumber() {{
	const parts = os.release().split('.');
	return parseInt(parts[2] ?? '0', 10);
}}

export class TerminalProcess {{
	constructor(options, name, cwd, env, cols, rows) {{
		const useConpty = options.windowsEnableConpty && process.platform === 'win32' && getWindowsBuildNumber() >= 18309;
		const useConptyDll = useConpty && options.windowsUseConptyDll;
		this._ptyOptions = {{
			name,
			cwd,
			env,
			cols,
			rows,
			useConpty,
			useConptyDll,
			// Do not redraw the whole viewport on launch
			conptyInheritCursor: useConpty && !!options.initialText
		}};
	}}

	getWindowsPty() {{
		return {{ backend: {backend}, buildNumber: getWindowsBuildNumber() }};
	}}
}}

const report = process.env.PATCHER_FIXTURE_REPORT;
if (report) {{
	const proc = new TerminalProcess({{ windowsEnableConpty: true, windowsUseConptyDll: false }}, 'xterm-256color', '/', {{}}, 80, 24);
	writeFileSync(report, JSON.stringify({{ options: proc._ptyOptions, backend: proc.getWindowsPty().backend }}));
}}
"""


def node_pty_agent(winpty: bool) -> str:
    """node-pty's Windows agent, in the shape of its compiled lib/windowsPtyAgent.js."""
    winpty_load = ("    } else {\n        if (!winptyNative) {\n"
                   "            winptyNative = utils_1.loadNativeModule('pty').module;\n        }\n" if winpty else "")
    return ("\"use strict\";\nvar utils_1 = require(\"./utils\");\nvar conptyNative;\n"
            + ("var winptyNative;\n" if winpty else "")
            + "function WindowsPtyAgent(useConpty) {\n    if (useConpty) {\n        if (!conptyNative) {\n"
            "            conptyNative = utils_1.loadNativeModule('conpty').module;\n        }\n"
            + winpty_load + "    }\n}\nexports.WindowsPtyAgent = WindowsPtyAgent;\n")


def jsonc_product(product: dict) -> str:
    """product.json as older Cursor releases wrote it: // comments and trailing commas."""
    text = json.dumps(product, indent="\t")
    text = text.replace('\t"checksums": {', '\t// Checked at startup: a changed file makes the editor report a corrupt install\n\t"checksums": {', 1)
    text = text.replace('"\n\t}', '",\n\t}')  # trailing comma inside checksums
    return "// Product configuration (fixture)\n" + text[:-2] + ",\n}"


ELECTRON_STUB_ESM = """export const app = { whenReady: () => Promise.resolve(), emit: () => {} };
export const utilityProcess = { fork: () => ({}) };
export default { app, utilityProcess };
"""
ELECTRON_STUB_CJS = "exports.app = { whenReady: () => Promise.resolve(), emit() {} }; exports.utilityProcess = { fork: () => ({}) };\n"
NODE_PTY_STUB = "exports.spawn = () => { throw new Error('node-pty stub') };\n"


def make_app(root: Path, shape: str = "esm", winpty: bool = True, crlf: bool = False, esm_bytes: int = 1_500_000,
             checksums: bool = True, main: str = "./out/main.js", unminified_pty: bool = False,
             product_comments: bool = False, node_pty: str | None = None) -> Path:
    """Write an editor install's resources/app under root; returns that directory.
    node_pty: the node-pty version installed (default: one with winpty iff winpty)."""
    app = Path(root) / "resources" / "app"
    out = app / "out"
    (out / "vs" / "platform" / "terminal" / "node").mkdir(parents=True, exist_ok=True)
    esm = shape == "esm"
    main_js = esm_main(esm_bytes) if esm else cjs_main()
    pty_js = ptyhost(winpty=winpty, esm=esm, unminified=unminified_pty)
    if crlf:
        main_js, pty_js = main_js.replace("\n", "\r\n"), pty_js.replace("\n", "\r\n")
    main_path = app / main.removeprefix("./")
    main_path.parent.mkdir(parents=True, exist_ok=True)
    main_path.write_bytes(main_js.encode("utf-8"))
    pty_path = out / "vs" / "platform" / "terminal" / "node" / "ptyHostMain.js"
    pty_path.write_bytes(pty_js.encode("utf-8"))
    package = {"name": "cursor", "version": "1.7.0", "main": main, "desktopName": "cursor.desktop"}
    if esm:
        package["type"] = "module"
    (app / "package.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    product = {"nameShort": "Cursor", "applicationName": "cursor", "dataFolderName": ".cursor", "quality": "stable"}
    if checksums:
        from patcher.state.hashing import sha256_b64_unpadded
        product["checksums"] = {
            "vs/workbench/workbench.desktop.main.js": "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg",
            "vs/platform/terminal/node/ptyHostMain.js": sha256_b64_unpadded(pty_path.read_bytes()),
        }
    (app / "product.json").write_text((jsonc_product(product) if product_comments else json.dumps(product, indent="\t")) + "\n",
                                      encoding="utf-8")
    electron = app / "node_modules" / "electron"
    electron.mkdir(parents=True, exist_ok=True)
    (electron / "package.json").write_text(json.dumps({"name": "electron", "main": "index.js"}))
    (electron / "index.js").write_text(ELECTRON_STUB_CJS)
    pty = app / "node_modules" / "node-pty"
    pty.mkdir(parents=True, exist_ok=True)
    version = node_pty or ("1.1.0-beta34" if winpty else "1.2.0-beta.10")
    (pty / "package.json").write_text(json.dumps({"name": "node-pty", "version": version, "main": "index.js"}))
    (pty / "index.js").write_text(NODE_PTY_STUB)
    (pty / "lib").mkdir(exist_ok=True)
    (pty / "lib" / "windowsPtyAgent.js").write_text(node_pty_agent(winpty))
    return app
