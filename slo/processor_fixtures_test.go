// The fakes and helpers the processor tests share: a clock moved by hand,
// a recording sink, a store and a source that fail on demand.

package slo_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// fakeClock is a clock the test moves by hand. Its tickers fire, like
// time.Ticker's, at most once per Advance past each of their periods, and
// drop ticks nobody took.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
}

type fakeTicker struct {
	c      chan time.Time
	period time.Duration
	next   time.Time
	clock  *fakeClock
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(d time.Duration) slo.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{c: make(chan time.Time, 1), period: d, next: c.now.Add(d), clock: c}
	c.tickers = append(c.tickers, t)
	return t
}

func (t *fakeTicker) C() <-chan time.Time { return t.c }

func (t *fakeTicker) Stop() {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	t.clock.tickers = slices.DeleteFunc(t.clock.tickers, func(x *fakeTicker) bool { return x == t })
}

// Set moves the clock to t, backwards or forwards, firing the tickers due.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	for _, tk := range c.tickers {
		if !tk.next.After(t) {
			select {
			case tk.c <- t:
			default:
			}
			for !tk.next.After(t) {
				tk.next = tk.next.Add(tk.period)
			}
		}
	}
}

func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// tickerCount is the number of tickers running.
func (c *fakeClock) tickerCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tickers)
}

// recordingSink keeps every batch of alerts it is sent.
type recordingSink struct {
	mu      sync.Mutex
	changed []slo.Alert
	calls   int
	fail    bool
}

func (s *recordingSink) Send(_ context.Context, changed, firing []slo.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.changed = append(s.changed, changed...)
	if s.fail {
		return errors.New("sink down")
	}
	return nil
}

func (s *recordingSink) alerts() []slo.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.changed)
}

// failingStore is a Store whose Append can be made to fail, as a full disk
// would.
type failingStore struct {
	slo.Store
	mu   sync.Mutex
	fail bool
}

func (f *failingStore) setFail(v bool) { f.mu.Lock(); f.fail = v; f.mu.Unlock() }

func (f *failingStore) Append(ctx context.Context, s slo.Sample) error {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail {
		return errors.New("disk full")
	}
	return f.Store.Append(ctx, s)
}

// failingSource is a Collector that can be made to fail, wrapping a real one.
type failingSource struct {
	slo.Collector
	mu   sync.Mutex
	fail bool
}

func (f *failingSource) setFail(v bool) { f.mu.Lock(); f.fail = v; f.mu.Unlock() }

func (f *failingSource) Collect(ctx context.Context) (slo.Sample, error) {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail {
		return slo.Sample{}, errors.New("reader shut down")
	}
	return f.Collector.Collect(ctx)
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func noLeaks(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newProcessor(t *testing.T, cfg slo.Config) *slo.Processor {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := slo.NewProcessor(cfg)
	if err != nil {
		t.Fatalf("NewProcessor: %v", err)
	}
	// a test that fails half-way must not leave the loop running.
	t.Cleanup(func() { p.Shutdown(context.Background()) })
	return p
}

// minute records the requests and webhook deliveries of one minute, moves
// the clock a minute and flushes a sample.
func minute(t *testing.T, tm *telemetry, clock *fakeClock, p *slo.Processor, reqs []req, webhooks map[string]int64) {
	t.Helper()
	for _, r := range reqs {
		tm.request(r.route, r.method, r.status, r.seconds)
	}
	for outcome, n := range webhooks {
		tm.webhook(outcome, n)
	}
	clock.Advance(time.Minute)
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

func tickCount(rm metricdata.ResourceMetrics) int64 {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != slo.TickMetric || m.Unit != "{tick}" {
				continue
			}
			var n int64
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				n += dp.Value
			}
			return n
		}
	}
	return -1
}

// waitFor waits for cond, failing the test if it does not hold within a
// generous deadline: the loop runs on its own goroutine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
