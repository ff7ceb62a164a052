package promsource

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/internal/promql"
)

// ErrPartial is wrapped by the latency errors of an answer Prometheus
// flagged with warnings: partial data (a store or a remote that did not
// answer), truncated results, a histogram with malformed buckets. A
// percentile computed from part of the buckets would be a made-up number.
var ErrPartial = errors.New("Prometheus answered with warnings, the data may be partial")

// summaryQuantiles are the percentiles of slo.LatencySummary.
var summaryQuantiles = [...]float64{0.5, 0.95, 0.99}

var _ slo.LatencySummarizer = (*Source)(nil)

// LatencySummary returns the number of requests to routes (every route
// when empty) over (from, to] and their p50, p95 and p99, evaluated at to:
//
//	sum(increase(<duration>_count{...}[<window>]))
//	histogram_quantile(q, sum by (le) (increase(<duration>_bucket{...}[<window>])))
//
// The count is increase()'s extrapolated figure rounded to a whole
// request; the percentiles are interpolated within buckets (see Quantile).
// A window without requests has Count 0 and no percentiles: "no data",
// never zero milliseconds. Window, Route and Recent60 are left to the
// caller. Any query failing, timing out or answered with warnings fails
// the whole summary (ErrPartial for warnings): there is no partial summary.
func (src *Source) LatencySummary(ctx context.Context, routes []string, from, to time.Time) (slo.LatencySummary, error) {
	window := to.Sub(from).Round(time.Millisecond)
	if window < 0 {
		return slo.LatencySummary{}, fmt.Errorf("promsource: latency window (%s, %s] ends before it starts", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	}
	out := slo.LatencySummary{}
	if window == 0 {
		return out, nil
	}
	count, err := promql.HTTPSelector(durationSeries+"_count", slo.SLI{Routes: routes}, src.cfg.matchers)
	if err != nil {
		return slo.LatencySummary{}, fmt.Errorf("promsource: latency: %w", err)
	}
	query := fmt.Sprintf("sum(increase(%s[%s]))", count, promDuration(window))
	v, found, err := src.instantWarned(ctx, query, to, true)
	switch {
	case err != nil:
		return slo.LatencySummary{}, fmt.Errorf("promsource: latency: request count: %w", err)
	case found && (math.IsInf(v, 0) || v < -1e-6):
		return slo.LatencySummary{}, fmt.Errorf("promsource: latency: request count: %w", src.queryErr(query, to, fmt.Errorf("returned %v, not a count of requests", v)))
	case !found || math.IsNaN(v) || math.Round(v) < 1:
		// No series, or counters that did not grow: no requests.
		return out, nil
	}
	out.Count = uint64(math.Round(v))
	ms := make([]*float64, len(summaryQuantiles))
	for i, q := range summaryQuantiles {
		d, query, err := src.quantile(ctx, routes, q, window, to, true)
		if errors.Is(err, ErrNoData) {
			// The counters grew but the buckets did not (a scrape between
			// the two queries cannot do that): the series disagree.
			err = src.queryErr(query, to, fmt.Errorf("%d requests counted but no bucket grew: the _count and _bucket series disagree", out.Count))
		}
		if err != nil {
			return slo.LatencySummary{}, fmt.Errorf("promsource: latency: p%g: %w", q*100, err)
		}
		m := float64(d) / float64(time.Millisecond)
		ms[i] = &m
	}
	out.P50MS, out.P95MS, out.P99MS = ms[0], ms[1], ms[2]
	return out, nil
}
