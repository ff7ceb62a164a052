package alertfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/slo"
)

// Option configures a Sink.
type Option func(*config)

type config struct {
	perm    os.FileMode
	dirPerm os.FileMode
}

// WithFileMode sets the permissions of a file New creates (default 0644)
// and of the directories it creates for it (default 0755).
func WithFileMode(file, dir os.FileMode) Option {
	return func(c *config) { c.perm, c.dirPerm = file, dir }
}

// Sink appends alerts to one NDJSON file.
type Sink struct {
	path string

	mu     sync.Mutex
	f      *os.File
	closed bool
}

var _ slo.Sink = (*Sink)(nil)

// New opens path for appending, creating it and its directory if needed.
// A torn last line (an alert cut short by a crash) is removed first, so the
// file only ever holds whole lines.
func New(path string, opts ...Option) (*Sink, error) {
	cfg := config{perm: 0o644, dirPerm: 0o755}
	for _, o := range opts {
		o(&cfg)
	}
	if path == "" {
		return nil, errors.New("alertfile: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), cfg.dirPerm); err != nil {
		return nil, fmt.Errorf("alertfile: create the directory of %s: %w", path, err)
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("alertfile: %s is a symbolic link: alerts are appended only to a regular file at that path", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND|noFollow, cfg.perm)
	if err != nil {
		return nil, fmt.Errorf("alertfile: open %s: %w", path, err)
	}
	size, err := wholeLines(f)
	if err == nil {
		err = truncateTo(f, size)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("alertfile: %s: %w", path, err)
	}
	return &Sink{path: path, f: f}, nil
}

// Path is the file the sink writes.
func (s *Sink) Path() string { return s.path }

// wholeLines returns the length of f up to and including its last newline.
func wholeLines(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	end := st.Size()
	buf := make([]byte, 4096)
	for end > 0 {
		n := int64(len(buf))
		if n > end {
			n = end
		}
		if _, err := f.ReadAt(buf[:n], end-n); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return end - n + int64(i) + 1, nil
		}
		end -= n
	}
	return 0, nil
}

func truncateTo(f *os.File, size int64) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() == size {
		return nil
	}
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("cut off the torn last line: %w", err)
	}
	return f.Sync()
}

// Send appends one line per changed alert and syncs the file. The firing
// alerts are not written: they were written when they started firing.
// On a failed write the file is cut back to its last whole line.
func (s *Sink) Send(ctx context.Context, changed, firing []slo.Alert) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(changed) == 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return exporters.ErrClosed
		}
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, a := range changed {
		// Encode ends every object with a newline.
		if err := enc.Encode(a); err != nil {
			return fmt.Errorf("alertfile: encode alert %s for %s: %w", a.Name, a.SLO, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return exporters.ErrClosed
	}
	st, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("alertfile: write %s: %w", s.path, err)
	}
	n, err := s.f.Write(buf.Bytes())
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		// Take back what was written: part of a line would glue the next
		// alert to it, and a caller retrying after an error must not write
		// the whole lines twice.
		if n > 0 {
			if terr := s.f.Truncate(st.Size()); terr != nil {
				err = errors.Join(err, terr)
			}
		}
		return fmt.Errorf("alertfile: write %s: %w", s.path, err)
	}
	return nil
}

// ForceFlush returns nil, or exporters.ErrClosed after Shutdown: every
// Send has synced what it wrote before returning.
func (s *Sink) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("alertfile: flush abandoned: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return exporters.ErrClosed
	}
	return nil
}

// Close closes the file. It is idempotent.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("alertfile: close %s: %w", s.path, err)
	}
	return nil
}

// Shutdown closes the file; every Send has already synced what it wrote,
// so there is nothing to wait for and a done ctx changes nothing. A second
// call returns nil.
func (s *Sink) Shutdown(ctx context.Context) error { return s.Close() }
