/* crlf */
"use strict";
require("./x");
