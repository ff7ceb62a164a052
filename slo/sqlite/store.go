package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sloguard/sloguard/slo"
)

// Option configures Open.
type Option func(*config)

type config struct {
	readOnly    bool
	busyTimeout time.Duration
	quickCheck  bool
}

// WithReadOnly opens an existing store for reading only, as `sloguard
// check` does while `sloguard serve` writes it: the file is never created
// or initialised, and the methods that write return an error.
func WithReadOnly() Option { return func(c *config) { c.readOnly = true } }

// WithBusyTimeout sets how long a statement waits for another connection's
// write lock before failing (default 10s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithoutQuickCheck skips the integrity check (PRAGMA quick_check) that
// Open runs, which reads the whole file: about 10ms per MB.
func WithoutQuickCheck() Option { return func(c *config) { c.quickCheck = false } }

// Store is an slo.Store in one SQLite file.
type Store struct {
	path  string
	cfg   config
	db    *sql.DB
	stmts map[string]*sql.Stmt

	// appendMu serialises Append, and guards the state it keeps between
	// calls so as not to read it back: the last cumulative counts of each
	// SLO and the current roll-ups of each route, valid while the last
	// sample in the file is lastEnd (another writer would change it).
	appendMu sync.Mutex
	lastEnd  int64
	cum      map[string]slo.Counts
	rolls    map[rollKey]*rollup
	routes   map[string]bool

	// windowStmts holds the statements of CountsWindows by number of windows.
	windowMu    sync.Mutex
	windowStmts map[int]*sql.Stmt

	// lock is the directory lock of a writing Store (nil read-only).
	lock *dirLock

	closeOnce sync.Once
	closeErr  error
}

// LockFile is the file, in the store's directory, that a writing Store
// holds an exclusive lock on and writes its pid to: one directory, one
// writer. Read-only Stores take no lock.
const LockFile = "sloguard.lock"

// ErrLocked is returned (wrapped, with the holder's pid) by Open when
// another process, or another Store of this one, writes the store's
// directory.
var ErrLocked = errors.New("the store is written by another process")

type rollKey struct {
	level int
	route string
}

type rollup struct {
	end  int64
	hist slo.Histogram
}

var _ slo.Store = (*Store)(nil)

// Open opens the store at path, creating it and its directory unless
// WithReadOnly is given. An error to make or write the directory says why:
// a read-only file system, a permission, a path through a file.
//
// A file that is not a sloguard store (another program's database, an
// empty file, or not a database at all), a corrupted one, or one written by
// a newer release is refused with an error that names it and says how to
// recover: move the file aside and start a new store. Open never replaces
// or resets a file, and a new store appears whole or not at all.
//
// Unless WithReadOnly is given, Open locks the store's directory (see
// LockFile) until Close, and fails with ErrLocked while another writer
// holds it.
func Open(path string, opts ...Option) (_ *Store, err error) {
	cfg := config{busyTimeout: 10 * time.Second, quickCheck: true}
	for _, o := range opts {
		o(&cfg)
	}
	if path == "" {
		return nil, errors.New("sqlite store: empty path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite store %s: the path must not contain '?' or '#'", path)
	}
	s := &Store{path: path, cfg: cfg}
	if !cfg.readOnly {
		// a store is often the first thing in its directory.
		dir := filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite store %s: cannot create data directory %s: %s: %w", path, dir, cause(err), err)
		}
		if s.lock, err = lockDir(path); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				s.lock.release()
			}
		}()
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("sqlite store %s: is a directory", path)
	case err == nil && st.Size() == 0:
		return nil, s.recoverable("is an empty file (0 bytes), not a sloguard store")
	case err == nil:
		if err := s.checkHeader(); err != nil {
			return nil, err
		}
	case errors.Is(err, os.ErrNotExist) && cfg.readOnly:
		return nil, fmt.Errorf("sqlite store %s: no such file (it is created by `sloguard serve`)", path)
	case errors.Is(err, os.ErrNotExist):
		if err := s.createFile(context.Background()); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	dsn := fmt.Sprintf("%s?_busy_timeout=%d&_txlock=immediate&_sync=NORMAL", path, cfg.busyTimeout.Milliseconds())
	if cfg.readOnly {
		dsn += "&_query_only=1"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, s.wrap("open", err)
	}
	s.db = db
	if err := s.init(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	s.stmts = make(map[string]*sql.Stmt, len(queries))
	for name, q := range queries {
		st, err := db.Prepare(q)
		if err != nil {
			db.Close()
			return nil, s.wrap("prepare "+name, err)
		}
		s.stmts[name] = st
	}
	return s, nil
}

// recoverable is the error for a file this release cannot use.
func (s *Store) recoverable(what string) error {
	return fmt.Errorf("sqlite store %s: %s; it was left as it is: move it aside (mv %s %s.bad) to start a new, empty store, or point sloguard at another path", s.path, what, s.path, s.path)
}

// wrap names the file in err, and turns the errors of a damaged file into
// the recovery advice.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT:
			return s.recoverable("is corrupted (" + se.Error() + ")")
		case sqlite3.SQLITE_NOTADB:
			return s.recoverable("is not an SQLite database")
		}
	}
	return fmt.Errorf("sqlite store %s: %s: %w", s.path, op, err)
}

// Path returns the file the store is in.
func (s *Store) Path() string { return s.path }

// notWritable is the error for a store whose directory cannot be written:
// it names the directory, where the fix lies.
func notWritable(path, dir string, err error) error {
	return fmt.Errorf("sqlite store %s: data directory %s is not writable: %s: %w", path, dir, cause(err), err)
}

// cause says in words why a directory cannot be made or written, so that
// the operator knows which fix applies.
func cause(err error) string {
	switch {
	case errors.Is(err, syscall.EROFS):
		return "the file system is read-only"
	case errors.Is(err, os.ErrPermission):
		return fmt.Sprintf("permission denied to user %d", os.Geteuid())
	case errors.Is(err, syscall.ENOTDIR):
		return "a part of the path is a file, not a directory"
	case errors.Is(err, os.ErrNotExist):
		return "a parent directory does not exist"
	case errors.Is(err, syscall.ENOSPC):
		return "the disk is full"
	}
	return "unexpected error"
}

func (s *Store) writable(op string) error {
	if s.cfg.readOnly {
		return fmt.Errorf("sqlite store %s: %s: opened read-only", s.path, op)
	}
	return nil
}

// Close implements slo.Store. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		for _, st := range s.stmts {
			st.Close()
		}
		s.windowMu.Lock()
		for _, st := range s.windowStmts {
			st.Close()
		}
		s.windowMu.Unlock()
		s.closeErr = errors.Join(s.wrap("close", s.db.Close()), s.lock.release())
	})
	return s.closeErr
}

// ceilTo rounds ms up to a multiple of unit.
func ceilTo(ms, unit int64) int64 {
	if r := mod(ms, unit); r != 0 {
		return ms - r + unit
	}
	return ms
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
