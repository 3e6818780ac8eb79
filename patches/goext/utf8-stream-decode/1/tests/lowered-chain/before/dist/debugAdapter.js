var import_child_process = require("child_process");
var Delve = class {
  launch(program, args) {
    var _a, _b;
    this.debugProcess = (0, import_child_process.spawn)(program, args);
    (_a = this.debugProcess.stderr) == null ? void 0 : _a.on("data", (chunk) => {
      const str = chunk.toString();
      if (this.onstderr) {
        this.onstderr(str);
      }
    });
    (_b = this.debugProcess.stdout) == null ? void 0 : _b.on("data", (chunk) => {
      const str = chunk.toString();
      if (this.onstdout) {
        this.onstdout(str);
      }
    });
  }
};
module.exports = { Delve };
