package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo/sqlite"
)

func TestOneWriterPerDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "slo.db")
	w := open(t, path)

	_, err := sqlite.Open(path)
	if !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("second writer Open: err = %v, want ErrLocked", err)
	}
	for _, want := range []string{dir, fmt.Sprintf("process %d", os.Getpid()), sqlite.LockFile} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("second writer's error %q does not name %q", err, want)
		}
	}
	// another store file in the same directory is the same directory.
	if _, err := sqlite.Open(filepath.Join(dir, "other.db")); !errors.Is(err, sqlite.ErrLocked) {
		t.Errorf("a writer of another file in the locked directory: err = %v, want ErrLocked", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused writer created its store file")
	}

	// readers take no lock.
	r := open(t, path, sqlite.WithReadOnly())
	if err := w.Append(context.Background(), sample(0)); err != nil {
		t.Fatal(err)
	}
	if c, err := r.Counts(context.Background(), "a", t0, t0.Add(time.Hour)); err != nil || c.Total != 2 {
		t.Errorf("reader beside the writer: Counts = %+v, %v; want 2 events", c, err)
	}

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w2 := open(t, path)
	if err := w2.Append(context.Background(), sample(1)); err != nil {
		t.Errorf("Append after the first writer closed: %v", err)
	}
}

func TestAReadOnlyDirectoryIsNamed(t *testing.T) {
	if os.Geteuid() == 0 {
		// root writes through permission bits; the e2e suite covers a
		// read-only mount.
		t.Skip("permission bits do not stop root")
	}
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(filepath.Join(dir, "slo.db"))
	if err == nil || !strings.Contains(err.Error(), "data directory "+dir+" is not writable") || !errors.Is(err, syscall.EACCES) {
		t.Errorf("Open in a read-only directory: err = %v, want one naming the directory", err)
	}
}
