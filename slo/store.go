package slo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"
)

// Sample is what an SLI source saw between two collections: the events of
// every SLO and the request durations of every route in (Start, End].
// Samples are deltas, so a sample that reached the store is never lost by a
// restart, and summing the samples of a window gives its counts.
type Sample struct {
	Start, End time.Time
	// Counts holds the events of each SLO, by SLO name.
	Counts map[string]Counts
	// Latency holds the request durations (seconds) by http.route.
	Latency map[string]Histogram
}

// Add merges o, a later sample, into s: s then spans from s.Start to
// o.End. The processor uses it to keep a bounded queue of samples it could
// not store yet without dropping any event.
func (s *Sample) Add(o Sample) {
	if s.Start.IsZero() || (!o.Start.IsZero() && o.Start.Before(s.Start)) {
		s.Start = o.Start
	}
	if o.End.After(s.End) {
		s.End = o.End
	}
	if s.Counts == nil && len(o.Counts) > 0 {
		s.Counts = make(map[string]Counts, len(o.Counts))
	}
	for k, c := range o.Counts {
		s.Counts[k] = s.Counts[k].Add(c)
	}
	if s.Latency == nil && len(o.Latency) > 0 {
		s.Latency = make(map[string]Histogram, len(o.Latency))
	}
	for k, h := range o.Latency {
		m := s.Latency[k]
		m.Merge(h)
		s.Latency[k] = m
	}
}

// Clone returns a deep copy of s.
func (s Sample) Clone() Sample {
	s.Counts = maps.Clone(s.Counts)
	if s.Latency != nil {
		l := make(map[string]Histogram, len(s.Latency))
		for k, h := range s.Latency {
			l[k] = h.Clone()
		}
		s.Latency = l
	}
	return s
}

// FineRetention is how long a Store keeps every sample apart. Older samples
// are rolled up by the hour by Compact: window sums that reach no further
// back than FineRetention (every burn-rate window of a 30-day SLO, up to 3
// days) are exact to the sample; longer ones are hour-aligned at the edges
// that lie beyond it.
const FineRetention = 3 * Day

// ErrOutOfOrder is returned by Store.Append for a sample that ends before
// the last sample stored and is not a copy of a stored one.
var ErrOutOfOrder = errors.New("sample ends before the last stored sample")

// Store keeps the samples of an SLI source, the history every evaluation
// sums its windows from, and the state of firing alerts. It is declared
// here, where the processor uses it; slo/sqlite is the durable
// implementation and slo/storetest holds the suite every implementation
// passes, with an in-memory one.
//
// Times are kept to the millisecond. Every method is safe for concurrent
// use.
//
// # Window semantics
//
// A window (from, to] holds the samples whose End is in it. Let horizon be
// the fine horizon of the last Compact (now − FineRetention, rounded down
// to the hour); an edge t older than the horizon is rounded down to the
// hour, and no edge is older than the kept horizon (now − keep, rounded
// down to the hour). Counts and Latency return the sum of the samples whose
// End is in (align(from), align(to)].
type Store interface {
	// Append stores one sample, atomically. Samples must come in End order.
	// Appending a sample whose End equals that of a stored sample is a
	// no-op (a retry after an error that hid a success); a sample ending
	// before the last one stored is refused with ErrOutOfOrder.
	Append(ctx context.Context, s Sample) error
	// LastEnd returns the End of the last sample stored (zero if none).
	LastEnd(ctx context.Context) (time.Time, error)
	// Counts returns the events of the SLO named slo over (from, to].
	Counts(ctx context.Context, slo string, from, to time.Time) (Counts, error)
	// Latency returns the merged request durations of routes (all routes
	// when routes is empty) over (from, to].
	Latency(ctx context.Context, routes []string, from, to time.Time) (Histogram, error)
	// SaveFiring replaces the stored firing alerts; LoadFiring returns them,
	// so that alert state survives a restart.
	SaveFiring(ctx context.Context, firing []Alert) error
	LoadFiring(ctx context.Context) ([]Alert, error)
	// Compact rolls samples older than FineRetention before now up by the
	// hour and drops what is older than keep (at least FineRetention).
	Compact(ctx context.Context, now time.Time, keep time.Duration) error
	Close() error
}

// Collector is an SLI source that produces samples: the in-process OTel
// source. Collect returns the events since the previous call.
type Collector interface {
	Collect(ctx context.Context) (Sample, error)
}

// WindowReader answers the counts of an SLI over (from, to]: a Store
// through StoreWindows, or a source that keeps its own history, such as
// Prometheus.
type WindowReader interface {
	Counts(ctx context.Context, s SLO, from, to time.Time) (Counts, error)
}

// LatencyReader answers the merged request durations of routes (all routes
// when empty) over (from, to]. Every Store is one.
type LatencyReader interface {
	Latency(ctx context.Context, routes []string, from, to time.Time) (Histogram, error)
}

// WindowsCounter is implemented by Stores that sum several windows of one
// SLO ending at the same instant in one query, as an evaluation needs them,
// more cheaply than one by one (slo/sqlite does). An evaluation over
// StoreWindows uses it when the Store is one; every other Store, and every
// other WindowReader, is asked window by window.
type WindowsCounter interface {
	CountsWindows(ctx context.Context, slo string, to time.Time, windows []time.Duration) ([]Counts, error)
}

// StoreWindows reads window counts from a Store, by SLO name.
func StoreWindows(st Store) WindowReader { return storeWindows{st} }

type storeWindows struct{ st Store }

func (w storeWindows) Counts(ctx context.Context, s SLO, from, to time.Time) (Counts, error) {
	return w.st.Counts(ctx, s.Name, from, to)
}

// countsWindows returns the counts of s over each of windows ending at to,
// in one query when r reads a Store that is a WindowsCounter.
func countsWindows(ctx context.Context, r WindowReader, s SLO, to time.Time, windows []time.Duration) ([]Counts, error) {
	if sw, ok := r.(storeWindows); ok {
		if wc, ok := sw.st.(WindowsCounter); ok {
			return wc.CountsWindows(ctx, s.Name, to, windows)
		}
	}
	out := make([]Counts, len(windows))
	for i, d := range windows {
		c, err := r.Counts(ctx, s, to.Add(-d), to)
		if err != nil {
			return nil, fmt.Errorf("window %s: %w", WindowName(d), err)
		}
		out[i] = c
	}
	return out, nil
}

// HourFloor rounds t down to the hour in UTC, the unit of rolled-up samples.
func HourFloor(t time.Time) time.Time {
	return time.UnixMilli(t.UnixMilli() - mod(t.UnixMilli(), time.Hour.Milliseconds()))
}

// mod is the non-negative remainder of a / b.
func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
