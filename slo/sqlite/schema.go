package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
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
	"sloNames":          `SELECT DISTINCT slo FROM counts ORDER BY slo`,
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

// createFile makes a new store at s.path whole or not at all: the schema
// is written to a file beside it, which is renamed into place once it is
// complete and on disk. A crash while creating leaves no file that a later
// Open would have to refuse, only the half-made one, which is removed on
// the next try (the directory lock says no other process is making it).
func (s *Store) createFile(ctx context.Context) error {
	tmp := s.path + ".new"
	for _, p := range []string{tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return s.wrap("create", err)
		}
	}
	db, err := sql.Open("sqlite", tmp+"?_txlock=immediate&_sync=FULL")
	if err != nil {
		return s.wrap("create", err)
	}
	db.SetMaxOpenConns(1) // auto_vacuum is set on the connection that makes the tables
	if err := s.create(ctx, db); err != nil {
		db.Close()
		os.Remove(tmp)
		return err
	}
	if err := db.Close(); err != nil {
		os.Remove(tmp)
		return s.wrap("create", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return s.wrap("create", err)
	}
	// the rename is durable once the directory is.
	if d, err := os.Open(filepath.Dir(s.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// create makes the schema of a new store in db in one transaction. The
// file is switched to WAL mode when it is opened in place.
func (s *Store) create(ctx context.Context, db *sql.DB) error {
	// incremental auto-vacuum lets Compact give the pages it frees back to
	// the file system; it can only be chosen before the first table.
	if _, err := db.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return s.wrap("create", err)
	}
	tx, err := db.BeginTx(ctx, nil)
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
