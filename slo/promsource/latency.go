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
var ErrPartial = errors.New("the Prometheus answer carries warnings: the data may be partial")

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

// ErrNoData is returned by Quantile when the window holds no request.
var ErrNoData = errors.New("promsource: no requests in the window")

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of the durations of the
// requests to routes (every route when empty) over (from, to], evaluated
// at to with
//
//	histogram_quantile(q, sum by (le) (increase(<duration>_bucket{...}[<window>])))
//
// It is interpolated linearly within the bucket the quantile falls in, so
// it is exact only at bucket boundaries and otherwise anywhere in that
// bucket (between 250ms and 300ms, say), unlike the processor's own
// latency figures; a quantile above the last finite boundary is that
// boundary. A window without requests gives ErrNoData.
func (src *Source) Quantile(ctx context.Context, routes []string, q float64, from, to time.Time) (time.Duration, error) {
	if !(q >= 0 && q <= 1) {
		return 0, fmt.Errorf("promsource: quantile %v is not between 0 and 1", q)
	}
	window := to.Sub(from).Round(time.Millisecond)
	switch {
	case window < 0:
		return 0, fmt.Errorf("promsource: latency window (%s, %s] ends before it starts", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	case window == 0:
		return 0, ErrNoData
	}
	d, _, err := src.quantile(ctx, routes, q, window, to, false)
	if err != nil && !errors.Is(err, ErrNoData) {
		return 0, fmt.Errorf("promsource: latency: %w", err)
	}
	return d, err
}

// quantile runs the histogram_quantile query of Quantile over window,
// evaluated at to, and returns the query too; strict makes warnings an
// error (see instantWarned).
func (src *Source) quantile(ctx context.Context, routes []string, q float64, window time.Duration, to time.Time, strict bool) (time.Duration, string, error) {
	bucket, err := promql.HTTPSelector(durationSeries+"_bucket", slo.SLI{Routes: routes}, src.cfg.matchers)
	if err != nil {
		return 0, "", err
	}
	query := fmt.Sprintf("histogram_quantile(%s, sum by (le) (increase(%s[%s])))",
		formatFloat(q), bucket, promDuration(window))
	v, found, err := src.instantWarned(ctx, query, to, strict)
	switch {
	case err != nil:
		return 0, query, err
	case !found || math.IsNaN(v):
		// no bucket series, or buckets that did not grow: no requests.
		return 0, query, ErrNoData
	case math.IsInf(v, 0) || v < 0:
		return 0, query, src.queryErr(query, to, fmt.Errorf("returned %v, not a duration", v))
	}
	return time.Duration(math.Round(v * float64(time.Second))), query, nil
}

func formatFloat(v float64) string { return fmt.Sprintf("%g", v) }
