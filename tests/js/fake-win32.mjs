// node --import ./fake-win32.mjs: the process believes it runs on Windows 10
// build 19045 (ConPTY-capable), so a pty host computes the options it would
// use there.
import os from "node:os";
import module from "node:module";

Object.defineProperty(process, "platform", { value: "win32" });
os.release = () => "10.0.19045";
module.syncBuiltinESMExports();
