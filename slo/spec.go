package slo

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/httpmetrics"
)

// DefaultMinEvents is the min_events of an SLO that names none: a burn-rate
// alert needs at least this many events in its long window, and the breach,
// burn-per-day and consumed alerts as many in the window they judge. With a
// 99.9% objective one bad event out of 100 (1%) stays under the 14.4× page
// threshold (1.44%), so a single failed request cannot page.
const DefaultMinEvents = 100

// The limits on an SLO window. Below a minute the samples of the processor
// (one a minute by default) cannot resolve the alert windows; above a year
// the embedded store would have to keep more history than it is sized for.
const (
	MinWindow = time.Minute
	MaxWindow = 365 * Day
)

// defaultBucketBoundaries are the explicit bucket boundaries (seconds) of the
// HTTP server duration histogram the instrumentation records: a latency SLI
// can only count requests at a boundary exactly.
var defaultBucketBoundaries = httpmetrics.BucketBoundaries()

// DefaultBucketBoundaries returns the bucket boundaries, in seconds, that
// latency thresholds are checked against when no WithBucketBoundaries option
// is given: those of the instrumentation's HTTP server duration histogram.
func DefaultBucketBoundaries() []float64 { return slices.Clone(defaultBucketBoundaries) }

var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"d":  Day,
	"w":  7 * Day,
}

// ParseDuration reads the durations of spec files: a sequence of decimal
// numbers each followed by a unit, ms, s, m (minutes), h, d (24h) or w (7d),
// as in 30d, 4w, 1h30m, 400ms or 1.5s. Calendar units (months M, quarters Q,
// years Y) are refused: a rolling window is a fixed span of time.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration: write one like 30d, 6h or 400ms")
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 {
			if s[0] == '-' {
				return 0, fmt.Errorf("duration %q is negative", orig)
			}
			return 0, fmt.Errorf("invalid duration %q: expected a number before the unit, as in 30d, 6h or 400ms", orig)
		}
		num, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: %q is not a number", orig, s[:i])
		}
		s = s[i:]
		j := 0
		for j < len(s) && (s[j] < '0' || s[j] > '9') && s[j] != '.' {
			j++
		}
		unit := s[:j]
		s = s[j:]
		u, ok := durationUnits[unit]
		switch {
		case ok:
		case unit == "":
			return 0, fmt.Errorf("invalid duration %q: missing unit (ms, s, m, h, d or w)", orig)
		case unit == "M" || unit == "Q" || unit == "Y" || unit == "y":
			return 0, fmt.Errorf("invalid duration %q: calendar unit %q is not supported; windows are rolling, so write days or weeks (30d, 4w, 90d)", orig, unit)
		default:
			return 0, fmt.Errorf("invalid duration %q: unknown unit %q (use ms, s, m, h, d or w)", orig, unit)
		}
		total += num * float64(u)
		if total > float64(math.MaxInt64) {
			return 0, fmt.Errorf("duration %q is too long", orig)
		}
	}
	return time.Duration(math.Round(total)), nil
}

// sliKinds are the kinds of SLI, in the order messages list them.
var sliKinds = []string{string(KindAvailability), string(KindLatency), string(KindEvents)}
