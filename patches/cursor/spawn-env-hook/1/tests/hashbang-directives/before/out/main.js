#!/usr/bin/env node
// a comment
"use strict";
'use asm';
require("./bootstrap");
