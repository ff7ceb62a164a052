package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/sloguard/sloguard/slo"
)

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
	for _, name := range slices.Sorted(maps.Keys(smp.Counts)) {
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
	for _, route := range slices.Sorted(maps.Keys(smp.Latency)) {
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
