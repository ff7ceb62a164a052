package slo

import (
	"slices"
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

// sliKinds are the kinds of SLI, in the order messages list them.
var sliKinds = []string{string(KindAvailability), string(KindLatency), string(KindEvents)}
