// patcher: goext/utf8-stream-decode@1: a child process's output reaches the listeners below in chunks that
// end anywhere, even inside a character, and each listener turned its chunk into text on its own (U+FFFD
// where a character was cut). Wrapped in __patcherUtf8Chunks, every stream keeps one UTF-8 state: a chunk
// is handed on up to its last whole character, the start of a cut character waits for the rest, and at
// the end of the stream whatever is still waiting is handed on (so bytes that never complete still show
// as U+FFFD). The listener still gets Buffers, with the same bytes in the same order; only where chunks
// end moves. `patcher revert --go-ext` removes this.
function __patcherUtf8Chunks(listener) {
  var held = null;
  var hooked = false;
  return function (chunk) {
    var stream = this;
    if (!Buffer.isBuffer(chunk) || !stream || typeof stream.prependListener !== "function") {
      return listener.apply(this, arguments); // already text (setEncoding), or not called by a stream
    }
    if (!hooked) {
      hooked = true;
      // First among the stream's own end/close listeners, so whoever waits for the end has seen it all.
      var flush = function () {
        if (held !== null) {
          var rest = held;
          held = null;
          listener.call(stream, rest);
        }
      };
      stream.prependListener("end", flush);
      stream.prependListener("close", flush);
    }
    var data = held === null ? chunk : Buffer.concat([held, chunk]);
    var cut = __patcherUtf8Whole(data);
    held = cut < data.length ? Buffer.from(data.subarray(cut)) : null;
    if (cut === 0) {
      return undefined; // nothing whole yet
    }
    return listener.call(stream, cut === data.length ? data : data.subarray(0, cut));
  };
}

// How many bytes of b end on a character boundary: all of them, unless b ends with the first 1-3 bytes of
// a well-formed multi-byte character (a lead byte, then only the continuation bytes it allows). Anything
// else (ASCII, a complete character, bytes that can never become one) is not held back: invalid bytes are
// handed on as soon as they are known to be invalid, exactly as a whole-stream decode would see them.
function __patcherUtf8Whole(b) {
  var n = b.length;
  for (var k = 1; k <= 3 && k <= n; k++) {
    var c = b[n - k];
    if (c >= 0x80 && c <= 0xbf) {
      continue; // a continuation byte: its lead is further back
    }
    var need = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (need <= k) {
      return n; // complete, or not the start of a multi-byte character
    }
    if (k >= 2) {
      var second = b[n - k + 1];
      var lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
      var hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
      if (second < lo || second > hi) {
        return n; // can never complete: hand it on now
      }
    }
    return n - k;
  }
  return n;
}
