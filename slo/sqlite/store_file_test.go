package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func sample(i int) slo.Sample {
	end := t0.Add(time.Duration(i+1) * time.Minute)
	var h slo.Histogram
	h.Record(0.001 * float64(i%100+1))
	return slo.Sample{Start: end.Add(-time.Minute), End: end,
		Counts:  map[string]slo.Counts{"a": {Good: 1, Total: 2}},
		Latency: map[string]slo.Histogram{"/r": h}}
}

func open(t *testing.T, path string, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(path, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestReaderSeesWriterOnTheSameFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slo.db")
	w := open(t, path)
	r := open(t, path, sqlite.WithReadOnly())
	for i := range 20 {
		if err := w.Append(ctx, sample(i)); err != nil {
			t.Fatalf("Append: %v", err)
		}
		c, err := r.Counts(ctx, "a", t0, t0.Add(time.Hour))
		if err != nil {
			t.Fatalf("reader Counts: %v", err)
		}
		if want := (slo.Counts{Good: float64(i + 1), Total: float64(2 * (i + 1))}); c != want {
			t.Fatalf("reader Counts after %d appends = %+v, want %+v", i+1, c, want)
		}
	}
	h, err := r.Latency(ctx, nil, t0, t0.Add(time.Hour))
	if err != nil || h.Count != 20 {
		t.Errorf("reader Latency count = %d, %v; want 20", h.Count, err)
	}
	for name, err := range map[string]error{
		"Append":     r.Append(ctx, sample(99)),
		"SaveFiring": r.SaveFiring(ctx, nil),
		"Compact":    r.Compact(ctx, t0, 40*slo.Day),
	} {
		if err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("%s on a read-only store: err = %v, want a read-only error", name, err)
		}
	}
}

func TestReadOnlyNeedsAnExistingStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.db")
	_, err := sqlite.Open(path, sqlite.WithReadOnly())
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open(missing, read-only): err = %v, want an error naming the file", err)
	}
	if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("a read-only Open created %s", path)
	}
}

func TestHistoryAndAlertsSurviveReopening(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slo.db")
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := st.Append(ctx, sample(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SaveFiring(ctx, []slo.Alert{{Name: "SLOBreach", SLO: "a", State: "firing", StartsAt: t0}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = open(t, path)
	c, err := st.Counts(ctx, "a", t0, t0.Add(time.Hour))
	if err != nil || c != (slo.Counts{Good: 5, Total: 10}) {
		t.Errorf("Counts after reopening = %+v, %v; want 5 good of 10", c, err)
	}
	firing, err := st.LoadFiring(ctx)
	if err != nil || len(firing) != 1 || firing[0].Name != "SLOBreach" || !firing[0].StartsAt.Equal(t0) {
		t.Errorf("LoadFiring after reopening = %+v, %v", firing, err)
	}
	last, err := st.LastEnd(ctx)
	if err != nil || !last.Equal(sample(4).End) {
		t.Errorf("LastEnd after reopening = %v, %v; want %v", last, err, sample(4).End)
	}
}

// refused checks that Open fails with an error that names the file and
// the way out, and leaves the file as it was.
func refused(t *testing.T, path string, want ...string) {
	t.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(path)
	if err == nil {
		st.Close()
		t.Fatalf("Open(%s) succeeded", path)
	}
	for _, w := range append([]string{path}, want...) {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Open error %q does not mention %q", err, w)
		}
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Errorf("Open changed the file it refused")
	}
}

func TestOpenRefusesFilesItCannotUse(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()

	t.Run("a text file", func(t *testing.T) {
		p := filepath.Join(dir, "notes.db")
		os.WriteFile(p, []byte("these are not the samples you are looking for\n"), 0o644)
		refused(t, p, "not an SQLite database", "move it aside")
	})

	t.Run("another program's database", func(t *testing.T) {
		p := filepath.Join(dir, "other.db")
		db, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		refused(t, p, "another program", "move it aside")
	})

	t.Run("a store written by a newer release", func(t *testing.T) {
		p := filepath.Join(dir, "newer.db")
		st, err := sqlite.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		db, _ := sql.Open("sqlite", p)
		if _, err := db.Exec(`PRAGMA user_version = 7`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		refused(t, p, "schema version 7", "newer")
	})

	t.Run("a corrupted store", func(t *testing.T) {
		p := filepath.Join(dir, "corrupt.db")
		st, err := sqlite.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 300 {
			if err := st.Append(ctx, sample(i)); err != nil {
				t.Fatal(err)
			}
		}
		st.Close()
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) < 4*4096 {
			t.Fatalf("store is only %d bytes: too small to corrupt past its header", len(data))
		}
		for i := 2 * 4096; i < len(data)-4096; i++ {
			data[i] ^= 0x5a
		}
		os.WriteFile(p, data, 0o644)
		refused(t, p, "corrupted", "move it aside")
	})
}

func TestAnEmptyFileIsRefusedLikeAnyForeignFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	refused(t, p, "empty file", "move it aside")
	if _, err := sqlite.Open(p, sqlite.WithReadOnly()); err == nil || !strings.Contains(err.Error(), "move it aside") {
		t.Errorf("read-only Open of an empty file: err = %v, want the recovery advice", err)
	}
}

func TestANewStoreAppearsWholeAndLeavesNothingBeside(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "slo.db")
	// a half-made store from a crash while creating is cleared away.
	if err := os.WriteFile(p+".new", []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	st := open(t, p)
	if err := st.Append(context.Background(), sample(0)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "slo.db-") { // SQLite's own -wal and -shm
			names = append(names, e.Name())
		}
	}
	if want := []string{"slo.db", sqlite.LockFile}; strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("directory after creating a store holds %q, want %q", names, want)
	}
	r := open(t, p, sqlite.WithReadOnly())
	if last, err := r.LastEnd(context.Background()); err != nil || !last.Equal(sample(0).End) {
		t.Errorf("LastEnd of the new store = %v, %v; want %v", last, err, sample(0).End)
	}
}

func TestAnEmptySQLiteDatabaseIsNotTakenOver(t *testing.T) {
	p := filepath.Join(t.TempDir(), "blank.db")
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	// a database with a header and no tables: another program's, just made.
	if _, err := db.Exec(`PRAGMA user_version = 0; VACUUM`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if st, _ := os.Stat(p); st == nil || st.Size() == 0 {
		t.Skip("SQLite left the blank database empty; the empty-file case covers it")
	}
	refused(t, p, "another program", "move it aside")
}

func TestOpenForWritingCreatesItsDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "lib", "sloguard", "slo.db")
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("Open in a directory not made yet: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("data directory: %v, %v; want mode 0755", fi, err)
	}
}

func TestOpenNamesWhyItsDirectoryCannotBeMade(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
		skip             bool
	}{
		{"a path through a file", filepath.Join(file, "data", "slo.db"), "a part of the path is a file, not a directory", false},
		{"a directory the user may not write", filepath.Join(dir, "locked", "data", "slo.db"), "permission denied", os.Geteuid() == 0},
	}
	if err := os.Mkdir(filepath.Join(dir, "locked"), 0o500); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip {
				t.Skip("root may write any directory")
			}
			_, err := sqlite.Open(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("Open(%s) = %v; want an error naming the file and saying %q", tt.path, err, tt.want)
			}
		})
	}
}
