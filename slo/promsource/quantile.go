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
