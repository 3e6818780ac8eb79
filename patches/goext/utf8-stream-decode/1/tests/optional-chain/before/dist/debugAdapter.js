"use strict";
var import_child_process = require("child_process");
var Delve = class {
  launch(program, args) {
    this.debugProcess = (0, import_child_process.spawn)(program, args);
    this.debugProcess.stderr?.on("data", (chunk) => {
      const str = chunk.toString();
      if (this.onstderr) {
        this.onstderr(str);
      }
    });
    this.debugProcess.stdout?.on("data", (chunk) => {
      const str = chunk.toString();
      if (this.onstdout) {
        this.onstdout(str);
      }
    });
  }
};
module.exports = { Delve };
