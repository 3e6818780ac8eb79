"use strict";
var net = require("net");
var Client = class {
  connect(port) {
    this.socket = net.connect(port);
    this.socket.on("data", (data) => this.handleData(data));
  }
};
module.exports = { Client };
