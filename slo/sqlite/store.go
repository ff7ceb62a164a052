package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sloguard/sloguard/slo"
)

// SchemaVersion is the schema this release writes (PRAGMA user_version).
// A file with a newer version is refused: it was written by a newer
// sloguard and an older one could misread it.
const SchemaVersion = 1

// applicationID marks the file as a sloguard store (PRAGMA application_id):
// "SLOG" in ASCII.
const applicationID = 0x534C4F47

const (
	hourMS = int64(time.Hour / time.Millisecond)
	dayMS  = 24 * hourMS
)

// rollups are the latency roll-up tables: row E of a table whose unit is u
// merges the samples ending in (E − u, E]. A long window reads whole days,
// then whole hours, then samples at its edges: a 30-day window reads about
// 200 histograms, not 43,200.
var rollups = []struct {
	table string
	unit  int64
}{{"latency_hour", hourMS}, {"latency_day", dayMS}}

// schema is version 1. Counts are kept cumulative (the sum of every sample
// of the SLO up to and including the row), so that the counts of any window
// are two index lookups whatever its length, and rolling up an hour is
// deleting all but its last row. Latency histograms cannot be kept that way
// (their scale changes), so they are kept per sample, with running
// roll-ups per hour and per day that long windows read instead. Their
// tables have rowids: a histogram of a few KB then stays in its row, where
// a WITHOUT ROWID table (an index b-tree) would spill everything past
// about 1 KB to an overflow page of its own.
var schema = []string{
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`,
	`CREATE TABLE sample (end_ms INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL)`,
	`CREATE TABLE counts (slo TEXT NOT NULL, end_ms INTEGER NOT NULL, good REAL NOT NULL, total REAL NOT NULL, PRIMARY KEY (slo, end_ms)) WITHOUT ROWID`,
	`CREATE TABLE route (name TEXT PRIMARY KEY) WITHOUT ROWID`,
	`CREATE TABLE latency (route TEXT NOT NULL, end_ms INTEGER NOT NULL, hist BLOB NOT NULL, PRIMARY KEY (route, end_ms))`,
	`CREATE TABLE latency_hour (route TEXT NOT NULL, end_ms INTEGER NOT NULL, hist BLOB NOT NULL, PRIMARY KEY (route, end_ms))`,
	`CREATE TABLE latency_day (route TEXT NOT NULL, end_ms INTEGER NOT NULL, hist BLOB NOT NULL, PRIMARY KEY (route, end_ms))`,
	`CREATE TABLE firing (id INTEGER PRIMARY KEY CHECK (id = 1), alerts TEXT NOT NULL)`,
	`INSERT INTO meta (key, value) VALUES ('fine', 0), ('kept', 0)`,
}

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

	closeOnce sync.Once
	closeErr  error
}

type rollKey struct {
	level int
	route string
}

type rollup struct {
	end  int64
	hist slo.Histogram
}

// queries are prepared once per connection.
var queries = map[string]string{
	"maxEnd":            `SELECT max(end_ms) FROM sample`,
	"sampleExists":      `SELECT count(*) FROM sample WHERE end_ms = ?`,
	"insertSample":      `INSERT INTO sample (end_ms, start_ms) VALUES (?, ?)`,
	"lastCounts":        `SELECT good, total FROM counts WHERE slo = ? ORDER BY end_ms DESC LIMIT 1`,
	"insertCounts":      `INSERT INTO counts (slo, end_ms, good, total) VALUES (?, ?, ?, ?)`,
	"insertRoute":       `INSERT OR IGNORE INTO route (name) VALUES (?)`,
	"insertLat":         `INSERT INTO latency (route, end_ms, hist) VALUES (?, ?, ?)`,
	"latency_hour.get":  `SELECT hist FROM latency_hour WHERE route = ? AND end_ms = ?`,
	"latency_hour.put":  `INSERT OR REPLACE INTO latency_hour (route, end_ms, hist) VALUES (?, ?, ?)`,
	"latency_hour.rows": `SELECT end_ms, hist FROM latency_hour WHERE route = ? AND end_ms > ? AND end_ms <= ?`,
	"latency_day.get":   `SELECT hist FROM latency_day WHERE route = ? AND end_ms = ?`,
	"latency_day.put":   `INSERT OR REPLACE INTO latency_day (route, end_ms, hist) VALUES (?, ?, ?)`,
	"latency_day.rows":  `SELECT end_ms, hist FROM latency_day WHERE route = ? AND end_ms > ? AND end_ms <= ?`,
	"horizons":          `SELECT ifnull((SELECT value FROM meta WHERE key = 'fine'), 0), ifnull((SELECT value FROM meta WHERE key = 'kept'), 0)`,
	"routes":            `SELECT name FROM route`,
	"latRows":           `SELECT end_ms, hist FROM latency WHERE route = ? AND end_ms > ? AND end_ms <= ?`,
	// the counts of a window in one statement (one snapshot): the edges
	// aligned as the Store contract says, then the cumulative row at each.
	"counts": `WITH h AS (
		SELECT ifnull((SELECT value FROM meta WHERE key = 'fine'), 0) AS fine,
		       ifnull((SELECT value FROM meta WHERE key = 'kept'), 0) AS kept
	), e AS (
		SELECT max(CASE WHEN ?2 < fine THEN ?2 - ((?2 % 3600000) + 3600000) % 3600000 ELSE ?2 END, kept) AS f,
		       max(CASE WHEN ?3 < fine THEN ?3 - ((?3 % 3600000) + 3600000) % 3600000 ELSE ?3 END, kept) AS t
		FROM h
	)
	SELECT e.f, e.t,
		ifnull((SELECT good FROM counts WHERE slo = ?1 AND end_ms <= e.t ORDER BY end_ms DESC LIMIT 1), 0),
		ifnull((SELECT total FROM counts WHERE slo = ?1 AND end_ms <= e.t ORDER BY end_ms DESC LIMIT 1), 0),
		ifnull((SELECT good FROM counts WHERE slo = ?1 AND end_ms <= e.f ORDER BY end_ms DESC LIMIT 1), 0),
		ifnull((SELECT total FROM counts WHERE slo = ?1 AND end_ms <= e.f ORDER BY end_ms DESC LIMIT 1), 0)
	FROM e`,
}

var _ slo.Store = (*Store)(nil)

// Open opens the store at path, creating it unless WithReadOnly is given.
//
// A file that is not a sloguard store (another program's database, or not
// a database at all), a corrupted one, or one written by a newer release is
// refused with an error that names it and says how to recover: move the
// file aside and start a new store. Open never replaces or resets a file.
func Open(path string, opts ...Option) (*Store, error) {
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
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("sqlite store %s: is a directory", path)
	case err == nil && st.Size() > 0:
		if err := s.checkHeader(); err != nil {
			return nil, err
		}
	case errors.Is(err, os.ErrNotExist) && cfg.readOnly:
		return nil, fmt.Errorf("sqlite store %s: no such file (it is created by `sloguard serve`)", path)
	case err != nil && !errors.Is(err, os.ErrNotExist):
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

// sqliteMagic opens every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// checkHeader refuses a file that is not an SQLite database before SQLite
// itself sees it, so the error can say what the file is.
func (s *Store) checkHeader() error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("sqlite store: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteMagic) {
		return s.recoverable("is not an SQLite database")
	}
	return nil
}

// recoverable is the error for a file this release cannot use.
func (s *Store) recoverable(what string) error {
	return fmt.Errorf("sqlite store %s: %s; it was left as it is: move it aside (mv %s %s.bad) to start a new, empty store, or point sloguard at another path", s.path, what, s.path, s.path)
}

// init checks what the file holds and creates the schema in a new one.
func (s *Store) init(ctx context.Context) error {
	var appID, version int64
	if err := s.db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
		return s.wrap("open", err)
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return s.wrap("open", err)
	}
	var tables int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		return s.wrap("open", err)
	}
	switch {
	case appID == 0 && tables == 0:
		if s.cfg.readOnly {
			return fmt.Errorf("sqlite store %s: empty database (it is initialised by `sloguard serve`)", s.path)
		}
		return s.create(ctx)
	case appID != applicationID:
		return s.recoverable(fmt.Sprintf("is an SQLite database of another program (application_id %#x, %d tables), not a sloguard store", appID, tables))
	case version > SchemaVersion:
		return fmt.Errorf("sqlite store %s: schema version %d was written by a newer sloguard (this one reads version %d): upgrade sloguard, or move the file aside (mv %s %s.bad) to start a new store", s.path, version, SchemaVersion, s.path, s.path)
	case version < 1:
		return s.recoverable(fmt.Sprintf("has no schema version (user_version %d)", version))
	}
	if s.cfg.quickCheck {
		rows, err := s.db.QueryContext(ctx, `PRAGMA quick_check`)
		if err != nil {
			return s.wrap("check", err)
		}
		var problems []string
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return s.wrap("check", err)
			}
			if p != "ok" {
				problems = append(problems, p)
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return s.wrap("check", err)
		}
		rows.Close()
		if len(problems) > 0 {
			if len(problems) > 3 {
				problems = append(problems[:3], "…")
			}
			return s.recoverable("is corrupted (" + strings.Join(problems, "; ") + ")")
		}
	}
	if !s.cfg.readOnly {
		if _, err := s.db.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
			return s.wrap("open", err)
		}
	}
	return nil
}

// create makes the schema of a new store in one transaction.
func (s *Store) create(ctx context.Context) error {
	// incremental auto-vacuum lets Compact give the pages it frees back to
	// the file system; it can only be chosen before the first table.
	for _, q := range []string{`PRAGMA auto_vacuum = INCREMENTAL`, `PRAGMA journal_mode = WAL`} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return s.wrap("create", err)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("create", err)
	}
	defer tx.Rollback()
	stmts := slices.Concat(schema, []string{
		fmt.Sprintf(`PRAGMA application_id = %d`, applicationID),
		fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion)})
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return s.wrap("create", err)
		}
	}
	return s.wrap("create", tx.Commit())
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

func (s *Store) writable(op string) error {
	if s.cfg.readOnly {
		return fmt.Errorf("sqlite store %s: %s: opened read-only", s.path, op)
	}
	return nil
}

// Append implements slo.Store in one transaction: the sample is stored
// whole or not at all.
func (s *Store) Append(ctx context.Context, smp slo.Sample) error {
	if err := s.writable("append"); err != nil {
		return err
	}
	s.appendMu.Lock()
	defer s.appendMu.Unlock()
	end := smp.End.UnixMilli()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("append", err)
	}
	defer tx.Rollback()
	txStmts := make(map[string]*sql.Stmt, 8)
	stmt := func(name string) *sql.Stmt {
		st, ok := txStmts[name]
		if !ok {
			st = tx.StmtContext(ctx, s.stmts[name])
			txStmts[name] = st
		}
		return st
	}
	var last sql.NullInt64
	if err := stmt("maxEnd").QueryRowContext(ctx).Scan(&last); err != nil {
		return s.wrap("append", err)
	}
	if last.Valid && end <= last.Int64 {
		var n int
		if err := stmt("sampleExists").QueryRowContext(ctx, end).Scan(&n); err != nil {
			return s.wrap("append", err)
		}
		if n > 0 {
			return nil
		}
		return fmt.Errorf("sqlite store %s: append sample ending %s: %w (%s)", s.path,
			time.UnixMilli(end).UTC().Format(time.RFC3339Nano), slo.ErrOutOfOrder, time.UnixMilli(last.Int64).UTC().Format(time.RFC3339Nano))
	}
	if !last.Valid || last.Int64 != s.lastEnd {
		// first append, or another writer was here: read the state back.
		s.cum = nil
	}
	if s.cum == nil {
		s.cum, s.rolls, s.routes = map[string]slo.Counts{}, map[rollKey]*rollup{}, map[string]bool{}
	}
	// the kept state is updated in place as the sample is written: if the
	// transaction does not commit, it is dropped, to be read back.
	committed := false
	defer func() {
		if !committed {
			s.cum = nil
		}
	}()
	if _, err := stmt("insertSample").ExecContext(ctx, end, smp.Start.UnixMilli()); err != nil {
		return s.wrap("append", err)
	}
	for _, name := range sortedKeys(smp.Counts) {
		c := smp.Counts[name]
		if c.Good == 0 && c.Total == 0 {
			continue // the cumulative row before stands for this one
		}
		prev, ok := s.cum[name]
		if !ok {
			err := stmt("lastCounts").QueryRowContext(ctx, name).Scan(&prev.Good, &prev.Total)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return s.wrap("append", err)
			}
		}
		next := prev.Add(c)
		if _, err := stmt("insertCounts").ExecContext(ctx, name, end, next.Good, next.Total); err != nil {
			return s.wrap("append", err)
		}
		s.cum[name] = next
	}
	var buf []byte
	for _, route := range sortedKeys(smp.Latency) {
		h := smp.Latency[route]
		if h.Count == 0 {
			continue
		}
		if buf, err = h.AppendBinary(buf[:0]); err != nil {
			return s.wrap("append", err)
		}
		if !s.routes[route] {
			if _, err := stmt("insertRoute").ExecContext(ctx, route); err != nil {
				return s.wrap("append", err)
			}
			s.routes[route] = true
		}
		if _, err := stmt("insertLat").ExecContext(ctx, route, end, buf); err != nil {
			return s.wrap("append", err)
		}
		for level, ru := range rollups {
			k := rollKey{level, route}
			roll, ok := s.rolls[k]
			if rollEnd := ceilTo(end, ru.unit); !ok || roll.end != rollEnd {
				roll = &rollup{end: rollEnd}
				var prev []byte
				err := stmt(ru.table+".get").QueryRowContext(ctx, route, rollEnd).Scan(&prev)
				switch {
				case errors.Is(err, sql.ErrNoRows):
				case err != nil:
					return s.wrap("append", err)
				default:
					if err := roll.hist.UnmarshalBinary(prev); err != nil {
						return s.recoverable(fmt.Sprintf("is corrupted (route %q, %s ending %s: %v)", route, ru.table, time.UnixMilli(rollEnd).UTC().Format(time.RFC3339), err))
					}
				}
			}
			roll.hist.Merge(h)
			if buf, err = roll.hist.AppendBinary(buf[:0]); err != nil {
				return s.wrap("append", err)
			}
			if _, err := stmt(ru.table+".put").ExecContext(ctx, route, roll.end, buf); err != nil {
				return s.wrap("append", err)
			}
			s.rolls[k] = roll
		}
	}
	if err := tx.Commit(); err != nil {
		return s.wrap("append", err)
	}
	committed = true
	s.lastEnd = end
	return nil
}

// LastEnd implements slo.Store.
func (s *Store) LastEnd(ctx context.Context) (time.Time, error) {
	var last sql.NullInt64
	if err := s.stmts["maxEnd"].QueryRowContext(ctx).Scan(&last); err != nil {
		return time.Time{}, s.wrap("last end", err)
	}
	if !last.Valid {
		return time.Time{}, nil
	}
	return time.UnixMilli(last.Int64), nil
}

// readTx starts a read transaction: one snapshot for the statements of a
// query, which the writer of another connection does not block (WAL).
func (s *Store) readTx(ctx context.Context) (*sql.Tx, error) {
	return s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
}

// horizons reads the fine and kept horizons of the last Compact.
func (s *Store) horizons(ctx context.Context, tx *sql.Tx) (fine, kept int64, err error) {
	err = tx.StmtContext(ctx, s.stmts["horizons"]).QueryRowContext(ctx).Scan(&fine, &kept)
	return fine, kept, err
}

// align applies the window semantics of slo.Store to one edge.
func align(t time.Time, fine, kept int64) int64 {
	ms := t.UnixMilli()
	if ms < fine {
		ms -= mod(ms, hourMS)
	}
	return max(ms, kept)
}

// Counts implements slo.Store: the difference of the cumulative rows at
// the two edges, in one statement.
func (s *Store) Counts(ctx context.Context, name string, from, to time.Time) (slo.Counts, error) {
	var f, t int64
	var tg, tt, fg, ft float64
	err := s.stmts["counts"].QueryRowContext(ctx, name, from.UnixMilli(), to.UnixMilli()).Scan(&f, &t, &tg, &tt, &fg, &ft)
	if err != nil {
		return slo.Counts{}, s.wrap("counts", err)
	}
	if f >= t {
		return slo.Counts{}, nil
	}
	return slo.Counts{Good: tg - fg, Total: tt - ft}, nil
}

// CountsWindows implements slo.WindowsCounter: the counts of the SLO named
// name over the windows ending at to, in one statement (one snapshot). An
// evaluation reads nine windows of every SLO; one statement instead of
// nine makes it several times cheaper.
func (s *Store) CountsWindows(ctx context.Context, name string, to time.Time, windows []time.Duration) ([]slo.Counts, error) {
	out := make([]slo.Counts, len(windows))
	if len(windows) == 0 {
		return out, nil
	}
	stmt, err := s.windowsStmt(len(windows))
	if err != nil {
		return nil, s.wrap("counts", err)
	}
	args := make([]any, 0, len(windows)+2)
	args = append(args, name, to.UnixMilli())
	for _, w := range windows {
		args = append(args, to.Add(-w).UnixMilli())
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, s.wrap("counts", err)
	}
	defer rows.Close()
	type edge struct {
		at  int64
		cum slo.Counts
	}
	edges := make([]edge, len(windows)+1)
	for rows.Next() {
		var i int
		var e edge
		if err := rows.Scan(&i, &e.at, &e.cum.Good, &e.cum.Total); err != nil {
			return nil, s.wrap("counts", err)
		}
		if i < 0 || i >= len(edges) {
			return nil, s.wrap("counts", fmt.Errorf("edge %d out of range", i))
		}
		edges[i] = e
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("counts", err)
	}
	t := edges[0]
	for i, f := range edges[1:] {
		if f.at < t.at {
			out[i] = slo.Counts{Good: t.cum.Good - f.cum.Good, Total: t.cum.Total - f.cum.Total}
		}
	}
	return out, nil
}

// windowsStmt returns the statement of CountsWindows for n windows.
func (s *Store) windowsStmt(n int) (*sql.Stmt, error) {
	s.windowMu.Lock()
	defer s.windowMu.Unlock()
	if st, ok := s.windowStmts[n]; ok {
		return st, nil
	}
	var values strings.Builder
	for i := range n + 1 {
		if i > 0 {
			values.WriteString(", ")
		}
		fmt.Fprintf(&values, "(%d, ?%d)", i, i+2)
	}
	q := `WITH h AS (
		SELECT ifnull((SELECT value FROM meta WHERE key = 'fine'), 0) AS fine,
		       ifnull((SELECT value FROM meta WHERE key = 'kept'), 0) AS kept
	), e(i, x) AS (VALUES ` + values.String() + `
	), a AS (
		SELECT i, max(CASE WHEN x < fine THEN x - ((x % 3600000) + 3600000) % 3600000 ELSE x END, kept) AS x FROM e, h
	)
	SELECT a.i, a.x, ifnull(c.good, 0), ifnull(c.total, 0)
	FROM a LEFT JOIN counts c ON c.slo = ?1
		AND c.end_ms = (SELECT max(end_ms) FROM counts WHERE slo = ?1 AND end_ms <= a.x)`
	st, err := s.db.Prepare(q)
	if err != nil {
		return nil, err
	}
	if s.windowStmts == nil {
		s.windowStmts = map[int]*sql.Stmt{}
	}
	s.windowStmts[n] = st
	return st, nil
}

// Latency implements slo.Store: the sample rows at the edges of the window
// and the hourly roll-ups in between, read in one snapshot.
func (s *Store) Latency(ctx context.Context, routes []string, from, to time.Time) (slo.Histogram, error) {
	tx, err := s.readTx(ctx)
	if err != nil {
		return slo.Histogram{}, s.wrap("latency", err)
	}
	defer tx.Rollback()
	fine, kept, err := s.horizons(ctx, tx)
	if err != nil {
		return slo.Histogram{}, s.wrap("latency", err)
	}
	f, t := align(from, fine, kept), align(to, fine, kept)
	var h slo.Histogram
	if f >= t {
		return h, nil
	}
	if len(routes) == 0 {
		rows, err := tx.StmtContext(ctx, s.stmts["routes"]).QueryContext(ctx)
		if err != nil {
			return h, s.wrap("latency", err)
		}
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				rows.Close()
				return h, s.wrap("latency", err)
			}
			routes = append(routes, r)
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return h, s.wrap("latency", err)
		}
		rows.Close()
	}
	spans := latencySpans(f, t)
	for _, route := range routes {
		for _, sp := range spans {
			if sp.from >= sp.to {
				continue
			}
			if err := s.mergeRows(ctx, tx.StmtContext(ctx, s.stmts[sp.stmt]), &h, route, sp.from, sp.to); err != nil {
				return slo.Histogram{}, err
			}
		}
	}
	return h, nil
}

// span is a part of a window read from one table.
type span struct {
	stmt     string
	from, to int64
}

// latencySpans splits (f, t] into the fewest rows: samples up to the first
// whole hour, hours up to the first whole day, days, then hours and samples
// again. Rows of a coarser unit are read only where they lie wholly inside
// the window.
func latencySpans(f, t int64) []span {
	edges := []int64{f}
	for _, ru := range rollups {
		edges = append(edges, max(ceilTo(edges[len(edges)-1], ru.unit), f))
	}
	// edges: f ≤ f_hour ≤ f_day; the right side mirrors it down from t.
	right := []int64{t}
	for _, ru := range rollups {
		right = append(right, min(right[len(right)-1]-mod(right[len(right)-1], ru.unit), t))
	}
	var out []span
	tables := []string{"latRows"}
	for _, ru := range rollups {
		tables = append(tables, ru.table+".rows")
	}
	// find the coarsest level whose edges still leave a non-empty middle.
	top := 0
	for l := len(rollups); l > 0; l-- {
		if edges[l] < right[l] {
			top = l
			break
		}
	}
	for l := 0; l < top; l++ {
		out = append(out, span{tables[l], edges[l], edges[l+1]})
	}
	out = append(out, span{tables[top], edges[top], right[top]})
	for l := top - 1; l >= 0; l-- {
		out = append(out, span{tables[l], right[l+1], right[l]})
	}
	return out
}

// mergeRows merges the histograms a latency query returns into h.
func (s *Store) mergeRows(ctx context.Context, q *sql.Stmt, h *slo.Histogram, route string, from, to int64) error {
	rows, err := q.QueryContext(ctx, route, from, to)
	if err != nil {
		return s.wrap("latency", err)
	}
	defer rows.Close()
	for rows.Next() {
		var end int64
		var blob sql.RawBytes
		if err := rows.Scan(&end, &blob); err != nil {
			return s.wrap("latency", err)
		}
		if err := h.MergeBinary(blob); err != nil {
			return s.recoverable(fmt.Sprintf("is corrupted (route %q, samples ending %s: %v)", route, time.UnixMilli(end).UTC().Format(time.RFC3339), err))
		}
	}
	return s.wrap("latency", rows.Err())
}

// SaveFiring implements slo.Store.
func (s *Store) SaveFiring(ctx context.Context, firing []slo.Alert) error {
	if err := s.writable("save firing alerts"); err != nil {
		return err
	}
	if firing == nil {
		firing = []slo.Alert{}
	}
	data, err := json.Marshal(firing)
	if err != nil {
		return fmt.Errorf("sqlite store %s: save firing alerts: %w", s.path, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT OR REPLACE INTO firing (id, alerts) VALUES (1, ?)`, string(data))
	return s.wrap("save firing alerts", err)
}

// LoadFiring implements slo.Store.
func (s *Store) LoadFiring(ctx context.Context) ([]slo.Alert, error) {
	var data string
	err := s.db.QueryRowContext(ctx, `SELECT alerts FROM firing WHERE id = 1`).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap("load firing alerts", err)
	}
	var out []slo.Alert
	if err := json.Unmarshal([]byte(data), &out); err != nil {
		return nil, s.recoverable(fmt.Sprintf("is corrupted (firing alerts: %v)", err))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// Compact implements slo.Store in one transaction, then returns the freed
// pages to the file system (incremental vacuum).
//
// Size bound, with samples a minute apart and keep = longest window + 1 day
// (31 days for 30-day SLOs):
//
//   - an SLO: at most 4,320 rows for the fine days and 24 per older day
//     (about 5,000), each about 30 bytes plus its name: ≈ 210 KB measured
//     for 30 days, whatever the traffic;
//   - a route: 4,320 sample histograms, 24 hourly and 1 daily roll-up per
//     day kept, each about 40 bytes plus 3–4 per non-empty bucket (at most
//     4,096; an hourly roll-up takes at least a 4 KB page once it passes
//     ~2 KB). Measured at 300 requests a minute with a wide (lognormal
//     σ = 0.8) spread: 594 B a minute, 3 KB an hour, ≈ 6.2 MB a route. The
//     worst case, every bucket hit every minute, is about 5,100 × 16.4 KB
//     ≈ 85 MB a route; a quiet route takes a few hundred KB.
func (s *Store) Compact(ctx context.Context, now time.Time, keep time.Duration) error {
	if err := s.writable("compact"); err != nil {
		return err
	}
	if keep < slo.FineRetention {
		return fmt.Errorf("sqlite store %s: compact: keep %s is shorter than the fine retention %s", s.path, keep, slo.FineRetention)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("compact", err)
	}
	defer tx.Rollback()
	prevFine, prevKept, err := s.horizons(ctx, tx)
	if err != nil {
		return s.wrap("compact", err)
	}
	fine := max(prevFine, slo.HourFloor(now.Add(-slo.FineRetention)).UnixMilli())
	kept := max(prevKept, slo.HourFloor(now.Add(-keep)).UnixMilli())
	stmts := []struct {
		q    string
		args []any
	}{
		// within each hour older than the fine horizon, keep the last row.
		{`DELETE FROM counts WHERE end_ms > ? AND end_ms <= ? AND EXISTS (
			SELECT 1 FROM counts c WHERE c.slo = counts.slo AND c.end_ms > counts.end_ms
			AND c.end_ms <= (counts.end_ms + 3599999) / 3600000 * 3600000)`, []any{prevFine, fine}},
		{`DELETE FROM sample WHERE end_ms > ? AND end_ms <= ? AND EXISTS (
			SELECT 1 FROM sample c WHERE c.end_ms > sample.end_ms
			AND c.end_ms <= (sample.end_ms + 3599999) / 3600000 * 3600000)`, []any{prevFine, fine}},
		{`DELETE FROM latency WHERE end_ms <= ?`, []any{fine}},
		// older than the kept horizon: keep each SLO's last row, the base
		// its later cumulative rows are read against.
		{`DELETE FROM counts WHERE end_ms <= ? AND EXISTS (
			SELECT 1 FROM counts c WHERE c.slo = counts.slo AND c.end_ms > counts.end_ms AND c.end_ms <= ?)`, []any{kept, kept}},
		{`DELETE FROM sample WHERE end_ms <= ? AND end_ms < (SELECT max(end_ms) FROM sample)`, []any{kept}},
		{`DELETE FROM latency_hour WHERE end_ms <= ?`, []any{kept}},
		{`DELETE FROM latency_day WHERE end_ms <= ?`, []any{kept}},
		{`DELETE FROM route WHERE NOT EXISTS (SELECT 1 FROM latency_hour h WHERE h.route = route.name)`, nil},
		{`UPDATE meta SET value = ? WHERE key = 'fine'`, []any{fine}},
		{`UPDATE meta SET value = ? WHERE key = 'kept'`, []any{kept}},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return s.wrap("compact", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.wrap("compact", err)
	}
	s.appendMu.Lock()
	s.cum = nil // what Append keeps may name a route Compact dropped
	s.appendMu.Unlock()
	// give the freed pages back: the file shrinks to what it holds.
	_, err = s.db.ExecContext(ctx, `PRAGMA incremental_vacuum`)
	return s.wrap("compact: vacuum", err)
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
		s.closeErr = s.wrap("close", s.db.Close())
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
