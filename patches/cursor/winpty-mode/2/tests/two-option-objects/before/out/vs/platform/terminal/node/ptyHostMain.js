import{spawn as g}from"node-pty";const k=e=>e.useConpty?"conpty":"winpty";function A(e){return{cols:e.c,rows:e.r,useConpty:!0}}function B(e){return{cols:e.c,rows:e.r,useConpty:!1}}export{A,B,k};
