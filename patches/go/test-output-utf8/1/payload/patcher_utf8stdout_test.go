// This file is not part of the Go distribution: patcher adds it to cmd/go
// through a build overlay (patch go/test-output-utf8@1).  Run it with
//   go test -overlay <overlay.json> cmd/go/internal/test -run PatcherUTF8

package test

import (
	"bytes"
	"math/rand"
	"os"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

type patcherRecorder struct {
	mu     sync.Mutex
	writes [][]byte
}

func (r *patcherRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, append([]byte(nil), p...))
	return len(p), nil
}

func (r *patcherRecorder) all() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Join(r.writes, nil)
}

// patcherCuts: offsets of a stream where a decoder may cut it without
// splitting a character; invalid bytes count as one-byte units.
func patcherCuts(data []byte) []bool {
	cuts := make([]bool, len(data)+1)
	cuts[0] = true
	for i := 0; i < len(data); {
		_, size := utf8.DecodeRune(data[i:])
		i += size
		cuts[i] = true
	}
	return cuts
}

func TestPatcherUTF8WriterRandomSplits(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pieces := [][]byte{[]byte("a"), []byte("漢"), []byte("😀"), []byte("\n"), {0xff}, {0xe4, 0xb8}, {0x80}, []byte("é"), bytes.Repeat([]byte("字"), 3000)}
	for iter := 0; iter < 1000; iter++ {
		var stream []byte
		for n := rng.Intn(60); n > 0; n-- {
			stream = append(stream, pieces[rng.Intn(len(pieces))]...)
		}
		rec := &patcherRecorder{}
		w := &patcherUTF8Writer{out: rec}
		for rest := stream; len(rest) > 0; {
			k := 1 + rng.Intn(min(len(rest), 20000))
			if n, err := w.Write(rest[:k]); n != k || err != nil {
				t.Fatalf("Write returned %d, %v; want %d, nil", n, err, k)
			}
			rest = rest[k:]
		}
		w.flush(true)
		if got := rec.all(); !bytes.Equal(got, stream) {
			t.Fatalf("iteration %d: output differs from input (%d vs %d bytes)", iter, len(got), len(stream))
		}
		cuts, pos := patcherCuts(stream), 0
		for i, wr := range rec.writes {
			pos += len(wr)
			if !cuts[pos] {
				t.Fatalf("iteration %d: write %d ends at offset %d, inside a character", iter, i, pos)
			}
		}
	}
}

func TestPatcherUTF8WriterFlushesAtNewline(t *testing.T) {
	rec := &patcherRecorder{}
	w := &patcherUTF8Writer{out: rec}
	w.Write([]byte("line one\n漢"[:len("line one\n漢")-1]))
	if got := string(rec.all()); got != "line one\n" {
		t.Fatalf("after a newline: got %q, want the complete line out and the partial character held", got)
	}
	w.Write(append([]byte("漢")[2:], '\n'))
	if got := string(rec.all()); got != "line one\n漢\n" {
		t.Fatalf("got %q", got)
	}
}

func TestPatcherUTF8WriterPartialLineStreams(t *testing.T) {
	rec := &patcherRecorder{}
	w := &patcherUTF8Writer{out: rec}
	w.Write([]byte("progress..."))
	deadline := time.Now().Add(5 * time.Second)
	for string(rec.all()) != "progress..." {
		if time.Now().After(deadline) {
			t.Fatalf("a partial line was not written within 5s (got %q)", rec.all())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPatcherUTF8WriterInvalidPassesAtOnce(t *testing.T) {
	rec := &patcherRecorder{}
	w := &patcherUTF8Writer{out: rec}
	w.Write([]byte{0xe4, 0xb8})
	w.Write([]byte{'x', '\n'}) // now known invalid: must go out, unchanged
	if got := rec.all(); !bytes.Equal(got, []byte{0xe4, 0xb8, 'x', '\n'}) {
		t.Fatalf("got % x", got)
	}
}

func TestPatcherUTF8WriterFinalFlushKeepsIncompleteTail(t *testing.T) {
	rec := &patcherRecorder{}
	w := &patcherUTF8Writer{out: rec}
	w.Write([]byte("end \xf0\x9f"))
	w.flush(true)
	if got := rec.all(); !bytes.Equal(got, []byte("end \xf0\x9f")) {
		t.Fatalf("got % x; the held bytes must not be dropped", got)
	}
}

func TestPatcherUTF8StdoutOnlyWrapsStdout(t *testing.T) {
	var buf bytes.Buffer
	if patcherUTF8Stdout(&buf) != &buf {
		t.Fatal("a buffer must be returned unchanged")
	}
	if patcherUTF8Stdout(os.Stderr) != os.Stderr {
		t.Fatal("os.Stderr must be returned unchanged")
	}
	if patcherUTF8Stdout(os.Stdout) != patcherUTF8Out {
		t.Fatal("os.Stdout must be wrapped")
	}
	t.Setenv(patcherUTF8Env, "0")
	if patcherUTF8Stdout(os.Stdout) != os.Stdout {
		t.Fatal("GOTEST_UTF8=0 must turn the wrapping off")
	}
}
