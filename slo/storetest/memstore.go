package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// MemStore is an slo.Store that keeps everything in memory: for tests, and
// as the reference the suite's expectations are checked against. It keeps
// the samples themselves and sums them on every query, the simplest
// reading of the Store contract.
type MemStore struct {
	mu      sync.Mutex
	samples []slo.Sample // by End, ascending; rolled-up hours keep their last End
	lastEnd time.Time
	fine    int64 // fine horizon of the last Compact (ms)
	kept    int64 // kept horizon of the last Compact (ms)
	firing  []slo.Alert
	closed  bool
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

var _ slo.Store = (*MemStore)(nil)

var errClosed = errors.New("memstore: closed")

// Append implements slo.Store.
func (m *MemStore) Append(ctx context.Context, s slo.Sample) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	s = s.Clone()
	s.Start = time.UnixMilli(s.Start.UnixMilli())
	s.End = time.UnixMilli(s.End.UnixMilli())
	if n := len(m.samples); !m.lastEnd.IsZero() {
		last := m.lastEnd
		if !s.End.After(last) {
			i := sort.Search(n, func(i int) bool { return !m.samples[i].End.Before(s.End) })
			if i < n && m.samples[i].End.Equal(s.End) {
				return nil
			}
			return fmt.Errorf("memstore: append sample ending %s: %w (%s)", s.End.UTC().Format(time.RFC3339Nano), slo.ErrOutOfOrder, last.UTC().Format(time.RFC3339Nano))
		}
	}
	m.samples = append(m.samples, s)
	m.lastEnd = s.End
	return nil
}

// LastEnd implements slo.Store.
func (m *MemStore) LastEnd(ctx context.Context) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return time.Time{}, errClosed
	}
	return m.lastEnd, nil
}

// align applies the window semantics of slo.Store to one edge.
func (m *MemStore) align(t time.Time) int64 {
	ms := t.UnixMilli()
	if ms < m.fine {
		ms = slo.HourFloor(t).UnixMilli()
	}
	return max(ms, m.kept)
}

// span returns the samples whose End is in (align(from), align(to)].
func (m *MemStore) span(from, to time.Time) []slo.Sample {
	f, t := m.align(from), m.align(to)
	var out []slo.Sample
	for _, s := range m.samples {
		if e := s.End.UnixMilli(); e > f && e <= t {
			out = append(out, s)
		}
	}
	return out
}

// Counts implements slo.Store.
func (m *MemStore) Counts(ctx context.Context, name string, from, to time.Time) (slo.Counts, error) {
	if err := ctx.Err(); err != nil {
		return slo.Counts{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return slo.Counts{}, errClosed
	}
	var c slo.Counts
	for _, s := range m.span(from, to) {
		c = c.Add(s.Counts[name])
	}
	return c, nil
}

// Latency implements slo.Store.
func (m *MemStore) Latency(ctx context.Context, routes []string, from, to time.Time) (slo.Histogram, error) {
	if err := ctx.Err(); err != nil {
		return slo.Histogram{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return slo.Histogram{}, errClosed
	}
	var h slo.Histogram
	for _, s := range m.span(from, to) {
		for route, rh := range s.Latency {
			if len(routes) == 0 || slices.Contains(routes, route) {
				h.Merge(rh)
			}
		}
	}
	return h, nil
}

// SaveFiring implements slo.Store.
func (m *MemStore) SaveFiring(ctx context.Context, firing []slo.Alert) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	m.firing = slices.Clone(firing)
	return nil
}

// LoadFiring implements slo.Store.
func (m *MemStore) LoadFiring(ctx context.Context) ([]slo.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errClosed
	}
	return slices.Clone(m.firing), nil
}

// Compact implements slo.Store: the samples of each whole hour older than
// the fine horizon become one sample (keeping the last End of the hour),
// and samples older than the kept horizon go.
func (m *MemStore) Compact(ctx context.Context, now time.Time, keep time.Duration) error {
	if keep < slo.FineRetention {
		return fmt.Errorf("memstore: compact: keep %s is shorter than the fine retention %s", keep, slo.FineRetention)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	m.fine = max(m.fine, slo.HourFloor(now.Add(-slo.FineRetention)).UnixMilli())
	m.kept = max(m.kept, slo.HourFloor(now.Add(-keep)).UnixMilli())
	hour := time.Hour.Milliseconds()
	var out []slo.Sample
	for _, s := range m.samples {
		e := s.End.UnixMilli()
		if e <= m.kept {
			continue
		}
		if n := len(out); n > 0 && e <= m.fine {
			prev := &out[n-1]
			if ceilHour(prev.End.UnixMilli(), hour) == ceilHour(e, hour) {
				prev.Add(s)
				continue
			}
		}
		out = append(out, s)
	}
	m.samples = out
	return nil
}

// ceilHour is the end of the hour (H−1h, H] holding ms.
func ceilHour(ms, hour int64) int64 {
	r := ms % hour
	if r == 0 {
		return ms
	}
	if r < 0 {
		r += hour
	}
	return ms - r + hour
}

// Close implements slo.Store.
func (m *MemStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}
