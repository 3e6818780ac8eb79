// This file is not part of the Go distribution: patcher adds it to cmd/go
// through a build overlay (patch go/test-output-utf8@1).

package test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"sync"
	"time"
	"unicode/utf8"

	"cmd/go/internal/base"
)

// GOTEST_UTF8=0 turns the wrapping off at run time.
const patcherUTF8Env = "GOTEST_UTF8"

const (
	// Large enough to hold a few pipe reads (os/exec copies 32 KiB at a time)
	// so long lines go out in fewer writes.
	patcherUTF8BufSize = 64 << 10
	// A partial line (no newline yet) is written after this long, so progress
	// output without newlines still streams.
	patcherUTF8Delay = 50 * time.Millisecond
)

// There is one go command stdout, so there is one writer for it, shared by
// every test run that streams to it.
var patcherUTF8Out = &patcherUTF8Writer{out: os.Stdout}

func init() {
	// base.Exit (every normal exit, base.Fatalf included) runs these; a
	// character held back at that point is written as is, never dropped.
	base.AtExit(patcherUTF8Flush)
}

// patcherUTF8Stdout returns what go test should copy test output into in
// place of w.  Only the go command's own os.Stdout is wrapped: any other
// writer (the -json converter, a buffer) is returned unchanged.
func patcherUTF8Stdout(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); !ok || f != os.Stdout || os.Getenv(patcherUTF8Env) == "0" {
		return w
	}
	return patcherUTF8Out
}

// patcherUTF8Flush writes out everything held back, including an incomplete
// character at the very end of a stream.
func patcherUTF8Flush() {
	patcherUTF8Out.flush(true)
}

// patcherUTF8Writer never ends a write to out inside a multi-byte UTF-8
// character.  Everything it passes to its bufio.Writer ends on a character
// boundary, so every write bufio makes does too.
type patcherUTF8Writer struct {
	mu    sync.Mutex
	out   io.Writer
	bw    *bufio.Writer
	tail  []byte // start of a character whose remaining bytes have not arrived
	timer *time.Timer
	armed bool
}

func (w *patcherUTF8Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.bw == nil {
		w.bw = bufio.NewWriterSize(w.out, patcherUTF8BufSize)
	}
	data := p
	if len(w.tail) > 0 {
		data = append(w.tail[:len(w.tail):len(w.tail)], p...) // a copy: p is the caller's
	}
	n := patcherUTF8Complete(data)
	if err := w.emit(data[:n]); err != nil {
		return 0, err
	}
	w.tail = append(w.tail[:0], data[n:]...)
	return len(p), nil
}

// emit passes whole characters to bufio and decides when they go out.
func (w *patcherUTF8Writer) emit(chunk []byte) error {
	if len(chunk) == 0 {
		return nil
	}
	// Let bufio either take all of chunk or write it out whole: it would
	// otherwise fill up with part of chunk and flush mid-character.
	if len(chunk) > w.bw.Available() && w.bw.Buffered() > 0 {
		if err := w.bw.Flush(); err != nil {
			return err
		}
	}
	if _, err := w.bw.Write(chunk); err != nil {
		return err
	}
	if bytes.IndexByte(chunk, '\n') >= 0 {
		w.disarm()
		return w.bw.Flush()
	}
	if w.bw.Buffered() > 0 && !w.armed {
		w.armed = true
		if w.timer == nil {
			w.timer = time.AfterFunc(patcherUTF8Delay, func() { w.flush(false) })
		} else {
			w.timer.Reset(patcherUTF8Delay)
		}
	}
	return nil
}

func (w *patcherUTF8Writer) disarm() {
	if w.armed {
		w.timer.Stop()
		w.armed = false
	}
}

// flush writes what bufio holds; at the end of a stream (final) also the
// held-back bytes of a character that never completed.
func (w *patcherUTF8Writer) flush(final bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed = false
	if w.timer != nil && final {
		w.timer.Stop()
	}
	if w.bw == nil {
		return
	}
	if w.bw.Flush() == nil && final && len(w.tail) > 0 {
		w.out.Write(w.tail)
		w.tail = w.tail[:0]
	}
}

// patcherUTF8Complete returns the length of the longest prefix of b that
// does not end inside a character: it excludes a trailing incomplete
// sequence that could still become valid.  Invalid bytes count as complete,
// so they pass through at once.
func patcherUTF8Complete(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}
