package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sloguard/sloguard/slo"
)

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
