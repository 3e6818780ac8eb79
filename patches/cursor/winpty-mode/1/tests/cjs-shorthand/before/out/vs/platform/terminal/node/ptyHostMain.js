"use strict";const g=require("node-pty");function X(cols,rows,useWinpty){return g.spawn("sh",[],{cols,rows,useConpty:!useWinpty})}
