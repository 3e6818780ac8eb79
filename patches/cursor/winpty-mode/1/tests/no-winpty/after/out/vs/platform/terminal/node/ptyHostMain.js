import{spawn as g}from"node-pty";function X(e,s){return{name:s,cols:e.cols,rows:e.rows,useConptyDll:!1}}
