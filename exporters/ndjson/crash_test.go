package ndjson

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// crashChildEnv, when set to a path, makes the test binary export to that
// path in a loop instead of running tests.
const crashChildEnv = "SLOGUARD_NDJSON_CRASH_CHILD"

func crashChild(path string) {
	e, err := New(WithPath(path), WithMaxSizeMB(1), WithMaxBackups(1000))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	const batch = 256
	for seq := 0; ; seq += batch {
		if err := e.ExportSpans(context.Background(), httpSpans(seq, batch)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
}

// TestCrashLeavesAtMostTheLastLineTorn kills a process with SIGKILL while it
// exports and rotates, then reads what it left: every line whole but perhaps
// the very last, and no span missing before it.
func TestCrashLeavesAtMostTheLastLineTorn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "http_traces.ndjson")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	const enough = 3 << 20 // three rotations at 1 MiB
	waitFor(t, "the child to write 3 MiB", time.Minute, func() bool {
		select {
		case err := <-exited:
			t.Fatalf("child exited before it was killed: %v\n%s", err, stderr.Bytes())
		default:
		}
		var total int64
		for _, f := range logFiles(t, path) {
			if fi, err := os.Stat(f); err == nil {
				total += fi.Size()
			}
		}
		return total >= enough
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited

	files := logFiles(t, path)
	if len(files) < 4 {
		t.Fatalf("want at least 3 rotated files and the current one, got %v", files)
	}
	next := 0
	for i, f := range files {
		recs, st := readFile(t, f)
		if st.TornLastLine {
			if i != len(files)-1 {
				t.Errorf("%s (rotated) ends with a torn line of %d bytes", f, st.TornBytes)
			}
			t.Logf("the kill left a torn last line of %d bytes", st.TornBytes)
		}
		for _, r := range recs {
			if got := seqOf(t, r); got != next {
				t.Fatalf("%s: span %d follows span %d: spans lost or repeated", f, got, next-1)
			}
			next++
		}
	}
	t.Logf("%d spans in %d files survived the kill", next, len(files))
}
