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

const hourMS = int64(time.Hour / time.Millisecond)

// schema is version 1. Counts are kept cumulative (the sum of every sample
// of the SLO up to and including the row), so that the counts of any window
// are two index lookups whatever its length, and rolling up an hour is
// deleting all but its last row. Latency histograms cannot be kept that way
// (their scale changes), so they are kept per sample, with a running
// roll-up per hour that long windows read instead.
var schema = []string{
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`,
	`CREATE TABLE sample (end_ms INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL)`,
	`CREATE TABLE counts (slo TEXT NOT NULL, end_ms INTEGER NOT NULL, good REAL NOT NULL, total REAL NOT NULL, PRIMARY KEY (slo, end_ms)) WITHOUT ROWID`,
	`CREATE TABLE route (name TEXT PRIMARY KEY) WITHOUT ROWID`,
	`CREATE TABLE latency (route TEXT NOT NULL, end_ms INTEGER NOT NULL, hist BLOB NOT NULL, PRIMARY KEY (route, end_ms)) WITHOUT ROWID`,
	`CREATE TABLE latency_hour (route TEXT NOT NULL, end_ms INTEGER NOT NULL, hist BLOB NOT NULL, PRIMARY KEY (route, end_ms)) WITHOUT ROWID`,
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
	path string
	cfg  config
	db   *sql.DB

	closeOnce sync.Once
	closeErr  error
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
	if _, err := s.db.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
		return s.wrap("create", err)
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
	end := smp.End.UnixMilli()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("append", err)
	}
	defer tx.Rollback()
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(end_ms) FROM sample`).Scan(&last); err != nil {
		return s.wrap("append", err)
	}
	if last.Valid && end <= last.Int64 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sample WHERE end_ms = ?`, end).Scan(&n); err != nil {
			return s.wrap("append", err)
		}
		if n > 0 {
			return nil
		}
		return fmt.Errorf("sqlite store %s: append sample ending %s: %w (%s)", s.path,
			time.UnixMilli(end).UTC().Format(time.RFC3339Nano), slo.ErrOutOfOrder, time.UnixMilli(last.Int64).UTC().Format(time.RFC3339Nano))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sample (end_ms, start_ms) VALUES (?, ?)`, end, smp.Start.UnixMilli()); err != nil {
		return s.wrap("append", err)
	}
	for _, name := range sortedKeys(smp.Counts) {
		c := smp.Counts[name]
		if c.Good == 0 && c.Total == 0 {
			continue // the cumulative row before stands for this one
		}
		var good, total float64
		err := tx.QueryRowContext(ctx, `SELECT good, total FROM counts WHERE slo = ? ORDER BY end_ms DESC LIMIT 1`, name).Scan(&good, &total)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return s.wrap("append", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO counts (slo, end_ms, good, total) VALUES (?, ?, ?, ?)`,
			name, end, good+c.Good, total+c.Total); err != nil {
			return s.wrap("append", err)
		}
	}
	hourEnd := ceilHour(end)
	for _, route := range sortedKeys(smp.Latency) {
		h := smp.Latency[route]
		if h.Count == 0 {
			continue
		}
		blob, err := h.MarshalBinary()
		if err != nil {
			return s.wrap("append", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO route (name) VALUES (?)`, route); err != nil {
			return s.wrap("append", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO latency (route, end_ms, hist) VALUES (?, ?, ?)`, route, end, blob); err != nil {
			return s.wrap("append", err)
		}
		var prev []byte
		err = tx.QueryRowContext(ctx, `SELECT hist FROM latency_hour WHERE route = ? AND end_ms = ?`, route, hourEnd).Scan(&prev)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return s.wrap("append", err)
		default:
			var hh slo.Histogram
			if err := hh.UnmarshalBinary(prev); err != nil {
				return s.recoverable(fmt.Sprintf("is corrupted (route %q, hour ending %s: %v)", route, time.UnixMilli(hourEnd).UTC().Format(time.RFC3339), err))
			}
			hh.Merge(h)
			if blob, err = hh.MarshalBinary(); err != nil {
				return s.wrap("append", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO latency_hour (route, end_ms, hist) VALUES (?, ?, ?)`, route, hourEnd, blob); err != nil {
			return s.wrap("append", err)
		}
	}
	return s.wrap("append", tx.Commit())
}

// LastEnd implements slo.Store.
func (s *Store) LastEnd(ctx context.Context) (time.Time, error) {
	var last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(end_ms) FROM sample`).Scan(&last); err != nil {
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
func horizons(ctx context.Context, tx *sql.Tx) (fine, kept int64, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM meta WHERE key IN ('fine', 'kept')`)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			return 0, 0, err
		}
		switch k {
		case "fine":
			fine = v
		case "kept":
			kept = v
		}
	}
	return fine, kept, rows.Err()
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
// the two edges.
func (s *Store) Counts(ctx context.Context, name string, from, to time.Time) (slo.Counts, error) {
	tx, err := s.readTx(ctx)
	if err != nil {
		return slo.Counts{}, s.wrap("counts", err)
	}
	defer tx.Rollback()
	fine, kept, err := horizons(ctx, tx)
	if err != nil {
		return slo.Counts{}, s.wrap("counts", err)
	}
	f, t := align(from, fine, kept), align(to, fine, kept)
	if f >= t {
		return slo.Counts{}, nil
	}
	at := func(ms int64) (slo.Counts, error) {
		var c slo.Counts
		err := tx.QueryRowContext(ctx, `SELECT good, total FROM counts WHERE slo = ? AND end_ms <= ? ORDER BY end_ms DESC LIMIT 1`, name, ms).Scan(&c.Good, &c.Total)
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
		return c, err
	}
	ct, err := at(t)
	if err != nil {
		return slo.Counts{}, s.wrap("counts", err)
	}
	cf, err := at(f)
	if err != nil {
		return slo.Counts{}, s.wrap("counts", err)
	}
	return slo.Counts{Good: ct.Good - cf.Good, Total: ct.Total - cf.Total}, nil
}

// Latency implements slo.Store: the sample rows at the edges of the window
// and the hourly roll-ups in between.
func (s *Store) Latency(ctx context.Context, routes []string, from, to time.Time) (slo.Histogram, error) {
	tx, err := s.readTx(ctx)
	if err != nil {
		return slo.Histogram{}, s.wrap("latency", err)
	}
	defer tx.Rollback()
	fine, kept, err := horizons(ctx, tx)
	if err != nil {
		return slo.Histogram{}, s.wrap("latency", err)
	}
	f, t := align(from, fine, kept), align(to, fine, kept)
	var h slo.Histogram
	if f >= t {
		return h, nil
	}
	if len(routes) == 0 {
		rows, err := tx.QueryContext(ctx, `SELECT name FROM route`)
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
	a, b := ceilHour(f), t-mod(t, hourMS)
	type span struct {
		table    string
		from, to int64
	}
	spans := []span{{"latency", f, t}}
	if a < b {
		spans = []span{{"latency", f, a}, {"latency_hour", a, b}, {"latency", b, t}}
	}
	var hh slo.Histogram
	for _, route := range routes {
		for _, sp := range spans {
			if sp.from >= sp.to {
				continue
			}
			rows, err := tx.QueryContext(ctx, `SELECT end_ms, hist FROM `+sp.table+` WHERE route = ? AND end_ms > ? AND end_ms <= ?`, route, sp.from, sp.to)
			if err != nil {
				return h, s.wrap("latency", err)
			}
			for rows.Next() {
				var end int64
				var blob []byte
				if err := rows.Scan(&end, &blob); err != nil {
					rows.Close()
					return h, s.wrap("latency", err)
				}
				if err := hh.UnmarshalBinary(blob); err != nil {
					rows.Close()
					return h, s.recoverable(fmt.Sprintf("is corrupted (route %q, sample ending %s: %v)", route, time.UnixMilli(end).UTC().Format(time.RFC3339), err))
				}
				h.Merge(hh)
			}
			if err := rows.Err(); err != nil {
				rows.Close()
				return h, s.wrap("latency", err)
			}
			rows.Close()
		}
	}
	return h, nil
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

// Compact implements slo.Store in one transaction.
//
// Size: with samples a minute apart and keep = window + 1 day, an SLO takes
// at most 4320 rows for the fine days plus 24 per older day (about 5,000
// for a 30-day window) of about 40 bytes plus its name: under 300 KB. A
// route takes as many latency rows plus one roll-up per hour of keep (744
// for 31 days), each about 40 bytes plus its name plus 4 bytes per
// non-empty bucket, at most 4096 buckets: a route with few requests takes
// tens of KB, a busy one with a wide latency spread at most about 5,064 ×
// (45 + 4 × 4096) bytes ≈ 80 MB, typically (≈ 300 buckets hit a minute,
// ≈ 1,500 an hour) under 10 MB.
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
	prevFine, prevKept, err := horizons(ctx, tx)
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
		{`DELETE FROM route WHERE NOT EXISTS (SELECT 1 FROM latency_hour h WHERE h.route = route.name)`, nil},
		{`UPDATE meta SET value = ? WHERE key = 'fine'`, []any{fine}},
		{`UPDATE meta SET value = ? WHERE key = 'kept'`, []any{kept}},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return s.wrap("compact", err)
		}
	}
	return s.wrap("compact", tx.Commit())
}

// Close implements slo.Store. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.wrap("close", s.db.Close()) })
	return s.closeErr
}

func ceilHour(ms int64) int64 {
	if r := mod(ms, hourMS); r != 0 {
		return ms - r + hourMS
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
