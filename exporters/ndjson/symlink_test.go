//go:build unix

package ndjson

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plantLink replaces path with a symbolic link to a file of the victim's,
// and returns the victim's path and contents.
func plantLink(t *testing.T, path string) (string, string) {
	t.Helper()
	victim := filepath.Join(t.TempDir(), "victim.db")
	const content = "a file the service can write but must not touch\n"
	if err := os.WriteFile(victim, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	return victim, content
}

func untouched(t *testing.T, victim, content string) {
	t.Helper()
	got, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != content {
		t.Errorf("the file the link points at was written: %d bytes, want the %d it had", len(got), len(content))
	}
}

// A symbolic link planted in place of the trace file, before start, while
// running or after a rotation, is never followed: the export fails naming
// the path, and the file it points at is left as it was.
func TestASymlinkInPlaceOfTheTraceFileIsNotFollowed(t *testing.T) {
	ctx := context.Background()
	t.Run("before start", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "http_traces.ndjson")
		victim, content := plantLink(t, path)
		if _, err := New(WithPath(path)); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("New on a planted link: err = %v, want one naming the path as a symbolic link", err)
		}
		untouched(t, victim, content)
	})

	t.Run("while running", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "http_traces.ndjson")
		e, err := New(WithPath(path))
		if err != nil {
			t.Fatal(err)
		}
		defer e.Shutdown(ctx)
		if err := e.ExportSpans(ctx, httpSpans(0, 10)); err != nil {
			t.Fatal(err)
		}
		victim, content := plantLink(t, path)
		if err := e.ExportSpans(ctx, httpSpans(10, 10)); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("export after a link was planted: err = %v, want one naming %s", err, path)
		}
		e.ForceFlush(ctx)
		untouched(t, victim, content)
	})

	t.Run("after a rotation", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "http_traces.ndjson")
		e, err := New(WithPath(path), WithMaxSizeMB(1), WithMaxBackups(10))
		if err != nil {
			t.Fatal(err)
		}
		defer e.Shutdown(ctx)
		if err := e.ExportSpans(ctx, httpSpans(0, 4000)); err != nil { // more than 1 MiB
			t.Fatal(err)
		}
		if files := logFiles(t, path); len(files) < 2 {
			t.Fatalf("files %v: want a rotation", files)
		}
		victim, content := plantLink(t, path)
		if err := e.ExportSpans(ctx, httpSpans(4000, 4000)); err == nil {
			t.Errorf("export after a link was planted in place of the rotated file succeeded")
		}
		e.ForceFlush(ctx)
		untouched(t, victim, content)
	})
}
