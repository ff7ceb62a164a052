package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/sloguard/sloguard/slo"
)

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
