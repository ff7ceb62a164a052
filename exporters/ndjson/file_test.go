package ndjson

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestRotationUnderLoad(t *testing.T) {
	t.Run("no line is split across files or lost", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "http_traces.ndjson")
		e, err := New(WithPath(path), WithMaxSizeMB(1), WithMaxBackups(100))
		if err != nil {
			t.Fatal(err)
		}
		// About 4.5 MiB from four goroutines, in batches of different
		// sizes, one of them larger than a whole file.
		const workers, perWorker = 4, 4000
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for from, n := w*perWorker, 1; from < (w+1)*perWorker; n = n*3%997 + 1 {
					n = min(n, (w+1)*perWorker-from)
					if err := e.ExportSpans(context.Background(), httpSpans(from, n)); err != nil {
						t.Error(err)
						return
					}
					from += n
				}
			})
		}
		wg.Wait()
		huge := httpSpans(workers*perWorker, 4000) // > 1 MiB in one batch
		if err := e.ExportSpans(context.Background(), huge); err != nil {
			t.Fatal(err)
		}
		if err := e.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}

		const total = workers*perWorker + 4000
		files := logFiles(t, path)
		if len(files) < 5 {
			t.Fatalf("want at least 4 rotations for %d spans in 1 MiB files, got files %v", total, files)
		}
		seen := make([]bool, total)
		count := 0
		for _, f := range files {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() >= 1<<20 {
				t.Errorf("%s has %d bytes, want fewer than 1 MiB", f, fi.Size())
			}
			recs, st := readFile(t, f)
			if st.TornLastLine {
				t.Errorf("%s ends with a torn line", f)
			}
			for _, r := range recs {
				seq := seqOf(t, r)
				if seen[seq] {
					t.Fatalf("span %d written twice", seq)
				}
				seen[seq] = true
				count++
			}
		}
		if count != total {
			t.Fatalf("%d spans in %d files, want %d", count, len(files), total)
		}
	})

	t.Run("rotated files beyond MaxBackups are deleted and the rest is contiguous", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "http_traces.ndjson")
		e, err := New(WithPath(path), WithMaxSizeMB(1), WithMaxBackups(2))
		if err != nil {
			t.Fatal(err)
		}
		const total = 20000 // about 6 MiB: 5 rotations
		for from := 0; from < total; from += 500 {
			if err := e.ExportSpans(context.Background(), httpSpans(from, 500)); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		// lumberjack deletes old files in the background after each
		// rotation.
		waitFor(t, "at most 2 rotated files", 10*time.Second, func() bool {
			return len(logFiles(t, path)) <= 3
		})
		files := logFiles(t, path)
		if len(files) != 3 {
			t.Fatalf("files %v, want 2 rotated files and the current one", files)
		}
		var seqs []int
		for _, f := range files {
			recs, st := readFile(t, f)
			if st.TornLastLine {
				t.Errorf("%s ends with a torn line", f)
			}
			for _, r := range recs {
				seqs = append(seqs, seqOf(t, r))
			}
		}
		if seqs[len(seqs)-1] != total-1 {
			t.Fatalf("last span kept is %d, want %d", seqs[len(seqs)-1], total-1)
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] != seqs[i-1]+1 {
				t.Fatalf("span %d follows span %d in the kept files", seqs[i], seqs[i-1])
			}
		}
	})
}

func TestDeletedDirectoryIsCreatedAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	path := filepath.Join(dir, "http_traces.ndjson")
	e, err := New(WithPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if err := e.ExportSpans(context.Background(), httpSpans(0, 10)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(context.Background(), httpSpans(10, 10)); err != nil {
		t.Fatalf("export after the directory was deleted: %v", err)
	}
	if err := e.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs, _ := readFile(t, path)
	if len(recs) != 10 || seqOf(t, recs[0]) != 10 || seqOf(t, recs[9]) != 19 {
		t.Fatalf("the new file holds %d records, want spans 10 to 19", len(recs))
	}
}

func TestUnwritableDirectoryFailsThenRecovers(t *testing.T) {
	c := newCounters(t)
	dir := filepath.Join(t.TempDir(), "logs")
	path := filepath.Join(dir, "http_traces.ndjson")
	e, err := New(WithPath(path), WithMeterProvider(c.mp))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if err := e.ExportSpans(context.Background(), httpSpans(0, 5)); err != nil {
		t.Fatal(err)
	}
	// The directory becomes a regular file: nothing can be created under
	// it, even by root.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	const failing = 50
	for i := range failing {
		err := e.ExportSpans(context.Background(), httpSpans(5+i*10, 10))
		if !errors.Is(err, syscall.ENOTDIR) {
			t.Fatalf("export %d = %v, want an error wrapping ENOTDIR", i, err)
		}
	}
	if got := c.get(t, MetricErrors); got != failing {
		t.Errorf("%s = %d, want %d", MetricErrors, got, failing)
	}
	if got := c.get(t, MetricDropped); got != failing*10 {
		t.Errorf("%s = %d, want %d", MetricDropped, got, failing*10)
	}
	if err := e.ForceFlush(context.Background()); err != nil {
		t.Errorf("ForceFlush with no file open = %v, want nil", err)
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(context.Background(), httpSpans(1000, 10)); err != nil {
		t.Fatalf("export once the path is usable again: %v", err)
	}
	recs, _ := readFile(t, path)
	if len(recs) != 10 || seqOf(t, recs[0]) != 1000 {
		t.Fatalf("after recovery the file holds %d records, want spans 1000 to 1009", len(recs))
	}
	if got := c.get(t, MetricSpans); got != 15 {
		t.Errorf("%s = %d, want 15", MetricSpans, got)
	}
}

// fullDisk passes writes to the real lumberjack file until free bytes are
// used up, then writes what still fits and fails with ENOSPC, as a write to
// a full disk does.
type fullDisk struct {
	rotator
	free   int
	onFull func() // called when a write fails
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) <= d.free {
		d.free -= len(p)
		return d.rotator.Write(p)
	}
	n, err := d.rotator.Write(p[:d.free])
	d.free -= n
	if err == nil {
		err = &os.PathError{Op: "write", Path: "http_traces.ndjson", Err: syscall.ENOSPC}
	}
	if d.onFull != nil {
		d.onFull()
	}
	return n, err
}

// TestTornLineThatCannotBeCutBackEndsARotatedFile covers the fallback when
// the file cannot be truncated after a short write: the next write starts a
// new file, so the torn line is the last line of a rotated file, where
// readers skip it.
func TestTornLineThatCannotBeCutBackEndsARotatedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "http_traces.ndjson")
	e, err := New(WithPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	fs := e.sink.(*fileSink)
	disk := &fullDisk{rotator: fs.lj, free: 1000}
	disk.onFull = func() {
		// A descriptor that cannot truncate stands in for a file system
		// that refuses to.
		ro, err := os.Open(path)
		if err != nil {
			t.Error(err)
			return
		}
		fs.fd.Close()
		fs.fd = ro
		disk.onFull = nil
	}
	fs.lj = disk

	if err := e.ExportSpans(context.Background(), httpSpans(0, 10)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("export = %v, want ENOSPC", err)
	}
	disk.free = 1 << 30
	if err := e.ExportSpans(context.Background(), httpSpans(10, 10)); err != nil {
		t.Fatalf("export after space was freed: %v", err)
	}
	files := logFiles(t, path)
	if len(files) != 2 {
		t.Fatalf("files %v, want one rotated file and the current one", files)
	}
	old, st := readFile(t, files[0])
	if !st.TornLastLine {
		t.Errorf("%s does not end with the torn line", files[0])
	}
	cur, st := readFile(t, files[1])
	if st.TornLastLine || len(cur) != 10 || seqOf(t, cur[0]) != 10 {
		t.Fatalf("current file: %d records (torn %v), want spans 10 to 19", len(cur), st.TornLastLine)
	}
	for i, r := range old {
		if seqOf(t, r) != i {
			t.Fatalf("rotated file: record %d is span %d", i, seqOf(t, r))
		}
	}
}

func TestFullDiskKeepsTheFileWholeAndRecovers(t *testing.T) {
	c := newCounters(t)
	path := filepath.Join(t.TempDir(), "http_traces.ndjson")
	e, err := New(WithPath(path), WithMeterProvider(c.mp))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	disk := &fullDisk{rotator: e.sink.(*fileSink).lj, free: 50_000}
	e.sink.(*fileSink).lj = disk

	const batch = 100 // about 33 kB: the second batch does not fit
	var failed int
	for i := range 40 {
		err := e.ExportSpans(context.Background(), httpSpans(i*batch, batch))
		if i == 0 && err != nil {
			t.Fatalf("first batch: %v", err)
		}
		if i > 0 {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("batch %d = %v, want an error wrapping ENOSPC", i, err)
			}
			failed++
		}
		if c := cap(e.buf); c > 64<<10 {
			t.Fatalf("buffer grew to %d bytes while the disk is full", c)
		}
	}
	recs, st := readFile(t, path)
	if st.TornLastLine {
		t.Fatalf("a torn line of %d bytes is left in the file", st.TornBytes)
	}
	written := c.get(t, MetricSpans)
	if int64(len(recs)) != written || written <= batch {
		t.Fatalf("file has %d records, %s = %d, want equal and more than the first batch", len(recs), MetricSpans, written)
	}
	if got, want := c.get(t, MetricDropped), int64(40*batch)-written; got != want {
		t.Errorf("%s = %d, want %d", MetricDropped, got, want)
	}
	if got := c.get(t, MetricErrors); got != int64(failed) {
		t.Errorf("%s = %d, want %d", MetricErrors, got, failed)
	}

	disk.free = 1 << 30 // space is freed
	if err := e.ExportSpans(context.Background(), httpSpans(10_000, batch)); err != nil {
		t.Fatalf("export after space was freed: %v", err)
	}
	recs2, st := readFile(t, path)
	if st.TornLastLine || len(recs2) != len(recs)+batch {
		t.Fatalf("after recovery: %d records (torn %v), want %d", len(recs2), st.TornLastLine, len(recs)+batch)
	}
	for i, r := range recs2 {
		want := i
		if i >= len(recs) {
			want = 10_000 + i - len(recs)
		}
		if seqOf(t, r) != want {
			t.Fatalf("record %d is span %d, want %d", i, seqOf(t, r), want)
		}
	}
}

// flakyWriter accepts free bytes, then fails every write with ENOSPC after
// writing what still fits.
type flakyWriter struct {
	buf  bytes.Buffer
	free int
}

func (w *flakyWriter) Write(p []byte) (int, error) {
	n := min(len(p), w.free)
	w.buf.Write(p[:n])
	w.free -= n
	if n < len(p) {
		return n, syscall.ENOSPC
	}
	return n, nil
}

func TestFailingWriterFinishesTheTornLineOnRecovery(t *testing.T) {
	c := newCounters(t)
	ref := newReferenceEncoder()
	l0, l1, l2 := ref.appendSpan(nil, nil, httpSpan(0)), ref.appendSpan(nil, nil, httpSpan(1)), ref.appendSpan(nil, nil, httpSpan(2))
	w := &flakyWriter{free: len(l0) + len(l1) + len(l2)/2} // the third line is cut short
	e, err := New(WithWriter(w), WithMeterProvider(c.mp))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(context.Background(), httpSpans(0, 10)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("export = %v, want ENOSPC", err)
	}
	if err := e.ExportSpans(context.Background(), httpSpans(10, 10)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("export while still full = %v, want ENOSPC", err)
	}
	w.free = 1 << 20
	if err := e.ExportSpans(context.Background(), httpSpans(20, 10)); err != nil {
		t.Fatalf("export after recovery: %v", err)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var seqs []int
	st, err := Read(bytes.NewReader(w.buf.Bytes()), func(r Record) error {
		seqs = append(seqs, seqOf(t, r))
		return nil
	})
	if err != nil || st.TornLastLine {
		t.Fatalf("Read = %v (torn %v): the stream is not whole lines\n%s", err, st.TornLastLine, w.buf.Bytes())
	}
	// Lines 0 and 1 fit, line 2 was finished on recovery, lines 3-19 were
	// dropped, 20-29 written.
	want := []int{0, 1, 2, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29}
	if len(seqs) != len(want) {
		t.Fatalf("spans %v, want %v", seqs, want)
	}
	for i := range want {
		if seqs[i] != want[i] {
			t.Fatalf("spans %v, want %v", seqs, want)
		}
	}
	if got := c.get(t, MetricSpans); got != int64(len(want)) {
		t.Errorf("%s = %d, want %d", MetricSpans, got, len(want))
	}
	if got := c.get(t, MetricDropped); got != 17 {
		t.Errorf("%s = %d, want 17", MetricDropped, got)
	}
	if got := c.get(t, MetricErrors); got != 2 {
		t.Errorf("%s = %d, want 2", MetricErrors, got)
	}
}

func TestDevFullReportsENOSPC(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full here: %v", err)
	}
	defer f.Close()
	c := newCounters(t)
	e, err := New(WithWriter(f), WithMeterProvider(c.mp))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := e.ExportSpans(context.Background(), httpSpans(0, 50)); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("export to /dev/full = %v, want ENOSPC", err)
		}
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := c.get(t, MetricErrors); got != 3 {
		t.Errorf("%s = %d, want 3", MetricErrors, got)
	}
	if got := c.get(t, MetricDropped); got != 150 {
		t.Errorf("%s = %d, want 150", MetricDropped, got)
	}
	if got := c.get(t, MetricSpans); got != 0 {
		t.Errorf("%s = %d, want 0", MetricSpans, got)
	}
}
