package slo_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
	"github.com/sloguard/sloguard/slo/storetest"
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

func TestProcessorReportsExactCounts(t *testing.T) {
	noLeaks(t)
	dir := t.TempDir()
	tm := newTelemetry(t, demo.Spec())
	clock := newFakeClock(t0)
	reportPath := filepath.Join(dir, "logs", "slo_report.json")
	p := newProcessor(t, slo.Config{Spec: demo.Spec(), Source: tm.src, Store: openStore(t, filepath.Join(dir, "slo.db")),
		Clock: clock, ReportPath: reportPath})
	r := rand.New(rand.NewPCG(1, 2))
	type minuteLog struct {
		reqs     []req
		webhooks map[string]int64
	}
	var log []minuteLog
	for i := range 20 {
		var reqs []req
		for j := range 50 + i {
			status := 200
			if r.IntN(100) == 0 {
				status = 503
			}
			reqs = append(reqs, req{[]string{"/a", "/b/{id}"}[j%2], "GET", status, lognormal(r, 0.15, 0.8)})
		}
		wh := map[string]int64{"success": int64(10 + i), "failure": int64(i % 3)}
		minute(t, tm, clock, p, reqs, wh)
		log = append(log, minuteLog{reqs, wh})
	}
	rep, err := p.Evaluate(context.Background())
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if rep.Error != "" || rep.Source != "otel" || !rep.TS.Equal(clock.Now()) {
		t.Errorf("report error %q, source %q, ts %v; want no error, otel, %v", rep.Error, rep.Source, rep.TS, clock.Now())
	}
	// every window, summed from the minutes the test recorded.
	for _, s := range demo.Spec().SLOs {
		sr, ok := rep.SLOs[s.Name]
		if !ok {
			t.Fatalf("report has no %s", s.Name)
		}
		for _, w := range slo.ReportWindows(s.Window) {
			var reqs []req
			wh := map[string]int64{}
			for i, m := range log {
				// minute i ended at t0 + (i+1)m, inside (now-w, now] when
				if end := t0.Add(time.Duration(i+1) * time.Minute); end.After(rep.TS.Add(-w)) {
					reqs = append(reqs, m.reqs...)
					for k, v := range m.webhooks {
						wh[k] += v
					}
				}
			}
			want := wantCounts(reqs, wh, nil)[s.Name]
			if got := sr.Windows[slo.WindowName(w)]; got != want {
				t.Errorf("%s window %s = %+v, want %+v", s.Name, slo.WindowName(w), got, want)
			}
			if w == s.Window && (sr.Good != want.Good || sr.Total != want.Total) {
				t.Errorf("%s good/total = %g/%g, want %g/%g", s.Name, sr.Good, sr.Total, want.Good, want.Total)
			}
		}
	}
	// actual_ms of the latency SLO: the p95 of every request, within 1%.
	var all []float64
	for _, m := range log {
		for _, r := range m.reqs {
			all = append(all, r.seconds*1000)
		}
	}
	sort.Float64s(all)
	lat := rep.SLOs["latency_p95"]
	if lat.ActualMS == nil || math.Abs(*lat.ActualMS-exactQuantile(all, 0.95))/exactQuantile(all, 0.95) > 0.01 {
		t.Errorf("latency_p95 actual_ms = %v, want %.4g within 1%%", lat.ActualMS, exactQuantile(all, 0.95))
	}

	// the report file is the report, whole, and no temporary file is left.
	data, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatalf("report file: %v", err)
	}
	var fromFile slo.Report
	if err := json.Unmarshal(data, &fromFile); err != nil {
		t.Fatalf("report file is not JSON: %v", err)
	}
	want, _ := json.Marshal(rep)
	got, _ := json.Marshal(fromFile)
	if string(got) != string(want) {
		t.Errorf("report file differs from the report:\n file %s\n want %s", got, want)
	}
	var raw map[string]any
	json.Unmarshal(data, &raw)
	for _, key := range []string{"ts", "window_days", "overall_status", "breaches", "slos"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("report file lacks the Flask app's key %q", key)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(reportPath))
	if len(entries) != 1 {
		t.Errorf("report directory holds %d files, want only the report: %v", len(entries), entries)
	}
	if latest, ok := p.Report(); !ok || !reflect.DeepEqual(latest, rep) {
		t.Errorf("Report() is not the last evaluation's report")
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// pageAlerts returns the page alerts among as in the given state.
func pageAlerts(as []slo.Alert, state string) []slo.Alert {
	var out []slo.Alert
	for _, a := range as {
		if a.Name == slo.AlertErrorBudgetBurn && a.Severity == "page" && a.State == state {
			out = append(out, a)
		}
	}
	return out
}

func TestPageFiresUnderErrorsAndResolvesAfter(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	spec.SLOs = spec.SLOs[:1] // availability, 99.9%
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	sink := &recordingSink{}
	failing := &recordingSink{fail: true}
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: storetest.NewMemStore(), Clock: clock,
		Sinks: []slo.Sink{failing, sink}})
	requests := func(n, bad int) []req {
		out := make([]req, n)
		for i := range out {
			out[i] = req{"/a", "GET", 200, 0.05}
			if i < bad {
				out[i].status = 500
			}
		}
		return out
	}
	// an hour of clean traffic, then 10 minutes at 10% errors: a burn rate
	// of 100, far over 14.4 on 1h/5m and 6 on 6h/30m.
	for range 60 {
		minute(t, tm, clock, p, requests(100, 0), nil)
	}
	rep, _ := p.Evaluate(context.Background())
	if got := pageAlerts(rep.Firing, slo.StateFiring); len(got) != 0 {
		t.Fatalf("page firing on clean traffic: %+v", got)
	}
	for range 10 {
		minute(t, tm, clock, p, requests(100, 10), nil)
	}
	rep, _ = p.Evaluate(context.Background())
	firing := pageAlerts(rep.Firing, slo.StateFiring)
	if len(firing) == 0 {
		t.Fatalf("no page firing at 10%% errors; burn rates %v", rep.SLOs["availability"].BurnRates)
	}
	if sent := pageAlerts(sink.alerts(), slo.StateFiring); len(sent) != len(firing) {
		t.Errorf("sink got %d firing page alerts, want %d (a failing sink before it must not stop delivery)", len(sent), len(firing))
	}
	if failing.calls == 0 {
		t.Errorf("the failing sink was not called")
	}
	// 31 minutes of clean traffic empty both short windows (5m, 30m).
	for range 31 {
		minute(t, tm, clock, p, requests(100, 0), nil)
	}
	rep, _ = p.Evaluate(context.Background())
	if got := pageAlerts(rep.Firing, slo.StateFiring); len(got) != 0 {
		t.Errorf("page still firing after 31 clean minutes: %+v", got)
	}
	resolved := pageAlerts(sink.alerts(), slo.StateResolved)
	if len(resolved) != len(firing) {
		t.Errorf("sink got %d resolved page alerts, want %d", len(resolved), len(firing))
	}
	for _, a := range resolved {
		if a.EndsAt == nil || !a.EndsAt.Equal(rep.TS) {
			t.Errorf("resolved alert %s/%s ends at %v, want %v", a.LongWindow, a.ShortWindow, a.EndsAt, rep.TS)
		}
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestHistoryAndAlertsSurviveARestart(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	spec.SLOs = spec.SLOs[:1]
	path := filepath.Join(t.TempDir(), "slo.db")
	clock := newFakeClock(t0)
	bad := []req{{"/a", "GET", 500, 0.01}, {"/a", "GET", 500, 0.01}, {"/a", "GET", 200, 0.01}}

	// first life: 40 minutes at 2/3 errors, so alerts fire.
	tm1 := newTelemetry(t, spec)
	st1, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sink1 := &recordingSink{}
	p1 := newProcessor(t, slo.Config{Spec: spec, Source: tm1.src, Store: st1, Clock: clock, Sinks: []slo.Sink{sink1}})
	if err := p1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 40 {
		minute(t, tm1, clock, p1, slices.Repeat(bad, 20), nil)
	}
	// requests recorded after the last flush reach the store at shutdown.
	for _, r := range slices.Repeat(bad, 5) {
		tm1.request(r.route, r.method, r.status, r.seconds)
	}
	clock.Advance(30 * time.Second)
	if err := p1.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep1, _ := p1.Report()
	if len(rep1.Firing) == 0 {
		t.Fatalf("no alert firing at 2/3 errors")
	}
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	// second life, on the same file, with a new MeterProvider.
	clock.Advance(time.Minute)
	tm2 := newTelemetry(t, spec)
	sink2 := &recordingSink{}
	p2 := newProcessor(t, slo.Config{Spec: spec, Source: tm2.src, Store: openStore(t, path), Clock: clock, Sinks: []slo.Sink{sink2}})
	if err := p2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep2, ok := p2.Report()
	if !ok {
		t.Fatal("no report after Start")
	}
	want := slo.Counts{Good: 20*40 + 5, Total: 60*40 + 15}
	if got := rep2.SLOs["availability"]; got.Good != want.Good || got.Total != want.Total {
		t.Errorf("after a restart: good/total = %g/%g, want %g/%g", got.Good, got.Total, want.Good, want.Total)
	}
	if len(rep2.Firing) != len(rep1.Firing) {
		t.Errorf("after a restart %d alerts fire, want the %d firing before", len(rep2.Firing), len(rep1.Firing))
	}
	for i := range min(len(rep1.Firing), len(rep2.Firing)) {
		if !rep2.Firing[i].StartsAt.Equal(rep1.Firing[i].StartsAt) {
			t.Errorf("alert %s starts at %v after the restart, %v before", rep2.Firing[i].Name, rep2.Firing[i].StartsAt, rep1.Firing[i].StartsAt)
		}
	}
	if n := len(sink2.alerts()); n != 0 {
		t.Errorf("the restart announced %d alerts again: %+v", n, sink2.alerts())
	}
	if err := p2.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSourceAndStoreFailuresKeepFiguresAndLoseNothing(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	src := &failingSource{Collector: tm.src}
	store := &failingStore{Store: storetest.NewMemStore()}
	reportPath := filepath.Join(t.TempDir(), "report.json")
	p := newProcessor(t, slo.Config{Spec: spec, Source: src, Store: store, Clock: clock, ReportPath: reportPath, MaxPending: 3})
	ok := []req{{"/a", "GET", 200, 0.1}, {"/a", "GET", 500, 0.1}}
	for range 5 {
		minute(t, tm, clock, p, ok, nil)
	}
	good, _ := p.Evaluate(context.Background())

	// the source fails: UNKNOWN, last figures, the error said.
	src.setFail(true)
	clock.Advance(time.Minute)
	if err := p.ForceFlush(context.Background()); err == nil {
		t.Fatal("Flush with a failing source: no error")
	}
	rep, err := p.Evaluate(context.Background())
	if err != nil {
		t.Fatalf("Evaluate with a failing source: %v", err)
	}
	if rep.Error == "" || !strings.Contains(rep.Error, "reader shut down") || rep.OverallStatus != slo.StatusUnknown {
		t.Errorf("report with a failing source: error %q, overall %s; want the error and UNKNOWN", rep.Error, rep.OverallStatus)
	}
	for name, s := range rep.SLOs {
		g := good.SLOs[name]
		if s.Status != slo.StatusUnknown || s.Good != g.Good || s.Total != g.Total {
			t.Errorf("%s with a failing source: %s %g/%g, want UNKNOWN with the last figures %g/%g", name, s.Status, s.Good, s.Total, g.Good, g.Total)
		}
	}
	var fromFile slo.Report
	data, _ := os.ReadFile(reportPath)
	if err := json.Unmarshal(data, &fromFile); err != nil || fromFile.Error != rep.Error {
		t.Errorf("report file with a failing source: error %q, %v; want %q", fromFile.Error, err, rep.Error)
	}

	// the source is back but the store fails for 7 minutes: more samples
	// than MaxPending, merged in memory, all written once it is back.
	src.setFail(false)
	store.setFail(true)
	for range 7 {
		for _, r := range ok {
			tm.request(r.route, r.method, r.status, r.seconds)
		}
		clock.Advance(time.Minute)
		if err := p.ForceFlush(context.Background()); err == nil {
			t.Fatal("Flush with a failing store: no error")
		}
	}
	if rep, _ := p.Evaluate(context.Background()); rep.Error != "" || !strings.Contains(rep.StoreError, "disk full") {
		t.Errorf("report with a failing store: error %q, store error %q; want none and the store's", rep.Error, rep.StoreError)
	}
	store.setFail(false)
	minute(t, tm, clock, p, ok, nil)
	rep, _ = p.Evaluate(context.Background())
	if rep.Error != "" {
		t.Fatalf("report after recovery: error %q", rep.Error)
	}
	// 5 + 7 + 1 minutes of 2 requests each, one of them a 5xx. The minute
	// whose collection failed recorded nothing.
	if got := rep.SLOs["availability"]; got.Total != 26 || got.Good != 13 {
		t.Errorf("availability after recovery = %g/%g, want 13/26: no sample lost", got.Good, got.Total)
	}
}

func TestClockGoingBackNeitherLosesNorDoubleCounts(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	store := storetest.NewMemStore()
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: store, Clock: clock})
	one := []req{{"/a", "GET", 200, 0.1}}
	for range 10 {
		minute(t, tm, clock, p, one, nil)
	}
	last := clock.Now()
	clock.Set(last.Add(-time.Hour))
	for range 3 {
		minute(t, tm, clock, p, one, nil)
	}
	end, _ := store.LastEnd(context.Background())
	if want := last.Add(3 * time.Millisecond); !end.Equal(want) {
		t.Errorf("after the clock went back an hour, the last sample ends at %v, want %v (1ms after each other)", end, want)
	}
	rep, _ := p.Evaluate(context.Background())
	if !rep.TS.Equal(end) {
		t.Errorf("evaluation at %v, want at the last sample's end %v", rep.TS, end)
	}
	a := rep.SLOs["availability"]
	if a.Total != 13 {
		t.Errorf("availability total = %g, want 13", a.Total)
	}
	for name, c := range a.Windows {
		if c.Total < 0 || c.Good < 0 || c.Good > c.Total {
			t.Errorf("window %s = %+v", name, c)
		}
	}
	// the 5m window ends at the last sample: it holds the samples after the
	// jump and those before it that end within 5m of it.
	var in5m float64 = 3
	for k := 1; k <= 10; k++ {
		if t0.Add(time.Duration(k) * time.Minute).After(end.Add(-5 * time.Minute)) {
			in5m++
		}
	}
	if c := a.Windows["5m"]; c.Total != in5m {
		t.Errorf("5m window = %+v, want %g requests", c, in5m)
	}
}

func TestLatencySummary(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	var recent []float64
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: openStore(t, filepath.Join(t.TempDir(), "slo.db")), Clock: clock,
		Recent: func(route string) []float64 { return recent }})
	r := rand.New(rand.NewPCG(5, 5))
	var lastHour, older []float64
	for i := range 90 {
		var reqs []req
		for range 300 {
			v := lognormal(r, 0.12, 0.7)
			reqs = append(reqs, req{"/a", "GET", 200, v})
			if i >= 30 {
				lastHour = append(lastHour, v*1000)
			} else {
				older = append(older, v*1000)
			}
		}
		reqs = append(reqs, req{"/b", "GET", 200, 5})
		minute(t, tm, clock, p, reqs, nil)
	}
	for i := range 100 {
		recent = append(recent, float64(i))
	}
	sum, err := p.Latency(context.Background(), time.Hour, "/a")
	if err != nil {
		t.Fatal(err)
	}
	sort.Float64s(lastHour)
	if sum.Count != uint64(len(lastHour)) || sum.Window != "1h" || sum.Route != "/a" {
		t.Errorf("summary count %d window %s route %s, want %d 1h /a", sum.Count, sum.Window, sum.Route, len(lastHour))
	}
	for _, c := range []struct {
		q   float64
		got *float64
	}{{0.5, sum.P50MS}, {0.95, sum.P95MS}, {0.99, sum.P99MS}} {
		want := exactQuantile(lastHour, c.q)
		if c.got == nil || math.Abs(*c.got-want)/want > 0.01 {
			t.Errorf("p%g = %v, want %.4g within 1%%", c.q*100, c.got, want)
		}
	}
	if !slices.Equal(sum.Recent60, recent[40:]) {
		t.Errorf("Recent60 = %v, want the last 60", sum.Recent60)
	}
	all, err := p.Latency(context.Background(), 2*time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(len(lastHour) + len(older) + 90); all.Count != want {
		t.Errorf("every route over 2h: count %d, want %d", all.Count, want)
	}
	for _, w := range []time.Duration{30 * time.Second, 31 * slo.Day} {
		if _, err := p.Latency(context.Background(), w, ""); err == nil {
			t.Errorf("Latency over %s: no error", w)
		}
	}
	none, err := p.Latency(context.Background(), time.Hour, "/never")
	if err != nil || none.Count != 0 || none.P95MS != nil {
		t.Errorf("a route with no request: %+v, %v; want count 0 and null percentiles", none, err)
	}
}

func TestLoopsRunOnTheClockAndStopAtShutdown(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	store := storetest.NewMemStore()
	ticks := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(ticks))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	reportPath := filepath.Join(t.TempDir(), "r.json")
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: store, Clock: clock, MeterProvider: mp, ReportPath: reportPath})
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err == nil {
		t.Error("a second Start: no error")
	}
	if _, ok := p.Report(); !ok {
		t.Fatal("no report after Start")
	}
	waitFor(t, "the loop's tickers", func() bool { return clock.tickerCount() == 2 })
	tm.request("/a", "GET", 200, 0.1)
	clock.Advance(time.Minute)
	waitFor(t, "a sample on the sample tick", func() bool {
		end, _ := store.LastEnd(context.Background())
		return end.Equal(t0.Add(time.Minute))
	})
	for range 14 {
		clock.Advance(time.Minute)
	}
	// a sample flushed twice at the same instant ends 1ms later: the
	// evaluation may be at 15m or just after.
	waitFor(t, "an evaluation on the evaluation tick", func() bool {
		r, _ := p.Report()
		return !r.TS.Before(t0.Add(15 * time.Minute))
	})
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("a second Shutdown: %v", err)
	}
	if clock.tickerCount() != 0 {
		t.Errorf("%d tickers still running after Shutdown", clock.tickerCount())
	}
	if _, err := p.Evaluate(context.Background()); !errors.Is(err, exporters.ErrClosed) {
		t.Errorf("Evaluate after Shutdown: err = %v, want exporters.ErrClosed", err)
	}
	rep, _ := p.Report()
	if got := rep.SLOs["availability"].Total; got != 1 {
		t.Errorf("last report counts %g requests, want 1", got)
	}
	// start, the evaluation tick and shutdown: three ticks counted.
	var rm metricdata.ResourceMetrics
	if err := ticks.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if got := tickCount(rm); got != 3 {
		t.Errorf("%s = %d, want 3", slo.TickMetric, got)
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

func TestShutdownHonoursItsContext(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: storetest.NewMemStore(), Clock: newFakeClock(t0)})
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with a cancelled context: err = %v, want context.Canceled", err)
	}
}

func TestEvaluateStoreReadsWithoutWriting(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	path := filepath.Join(t.TempDir(), "slo.db")
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	writer := openStore(t, path)
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: writer, Clock: clock})
	for range 3 {
		minute(t, tm, clock, p, []req{{"/a", "GET", 200, 0.1}, {"/a", "GET", 200, 0.9}}, map[string]int64{"failure": 1})
	}
	reader, err := sqlite.Open(path, sqlite.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	rep, err := slo.EvaluateStore(context.Background(), spec, reader, clock.Now())
	if err != nil {
		t.Fatalf("EvaluateStore: %v", err)
	}
	if got := rep.SLOs["latency_p95"]; got.Good != 3 || got.Total != 6 {
		t.Errorf("latency_p95 from the store = %g/%g, want 3/6", got.Good, got.Total)
	}
	if got := rep.SLOs["webhook_success"]; got.Good != 0 || got.Total != 3 {
		t.Errorf("webhook_success from the store = %g/%g, want 0/3", got.Good, got.Total)
	}
	if !rep.TS.Equal(clock.Now()) {
		t.Errorf("report at %v, want %v", rep.TS, clock.Now())
	}
	writer.Close()
	if _, err := slo.EvaluateStore(context.Background(), spec, writer, clock.Now()); err == nil {
		t.Errorf("EvaluateStore on a closed store: no error")
	}
}

func TestConfigValidateNamesEveryProblem(t *testing.T) {
	cases := []struct {
		name string
		cfg  slo.Config
		want []string
	}{
		{"nothing", slo.Config{}, []string{"no SLO", "nothing to read window counts from"}},
		{"a source without a store", slo.Config{Spec: demo.Spec(), Source: &failingSource{}, Windows: slo.StoreWindows(storetest.NewMemStore())}, []string{"needs a Store"}},
		{"negative intervals", slo.Config{Spec: demo.Spec(), Store: storetest.NewMemStore(), SampleInterval: -1, EvalInterval: -time.Second}, []string{"sample interval", "evaluation interval"}},
		{"a duplicate SLO", slo.Config{Spec: slo.Spec{SLOs: []slo.SLO{{Name: "a", Window: slo.Day}, {Name: "a"}}}, Store: storetest.NewMemStore()}, []string{`duplicate name "a"`, "window 0s"}},
		{"a directory as report path", slo.Config{Spec: demo.Spec(), Store: storetest.NewMemStore(), ReportPath: t.TempDir()}, []string{"is a directory"}},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		if err == nil {
			t.Errorf("%s: Validate = nil", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not mention %q", c.name, err, w)
			}
		}
	}
	if err := (slo.Config{Spec: demo.Spec(), Store: storetest.NewMemStore()}).Validate(); err != nil {
		t.Errorf("a minimal config: %v", err)
	}
}

// childEnv makes the test binary a serving process (see TestServingProcess).
const childEnv = "SLOGUARD_PROCESSOR_TEST_CHILD"

// TestServingProcess is the child of TestKilledProcessLosesNoFlushedSample:
// it records requests and flushes a sample a (fake) minute, printing the
// number of requests flushed, until it is killed.
func TestServingProcess(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("runs only as the child of TestKilledProcessLosesNoFlushedSample")
	}
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	st, err := sqlite.Open(path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	clock := newFakeClock(t0)
	// the loop never ticks here: the samples are the explicit flushes, so
	// the parent knows what each one holds.
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: st, Clock: clock,
		SampleInterval: 1000 * time.Hour, EvalInterval: 1000 * time.Hour})
	if err := p.Start(context.Background()); err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	for n := 1; ; n++ {
		tm.request("/a", "GET", 200, 0.1)
		tm.request("/a", "GET", 500, 0.1)
		clock.Advance(time.Minute)
		if err := p.ForceFlush(context.Background()); err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println(2 * n)
	}
}

func TestKilledProcessLosesNoFlushedSample(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "slo.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestServingProcess$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	flushed := 0
	for flushed < 200 && lines.Scan() {
		n, err := strconv.Atoi(lines.Text())
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %s", lines.Text())
		}
		flushed = n
	}
	cmd.Process.Kill()
	cmd.Wait()
	if flushed < 200 {
		t.Fatalf("child stopped after %d requests: %v", flushed, lines.Err())
	}
	st, err := sqlite.Open(path, sqlite.WithReadOnly())
	if err != nil {
		t.Fatalf("Open after the kill: %v", err)
	}
	defer st.Close()
	last, err := st.LastEnd(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := slo.EvaluateStore(context.Background(), demo.Spec(), st, last)
	if err != nil {
		t.Fatal(err)
	}
	a := rep.SLOs["availability"]
	if a.Total < float64(flushed) || a.Good != a.Total/2 {
		t.Errorf("after the kill: availability %g/%g; want at least the %d requests flushed, half of them good", a.Good, a.Total, flushed)
	}
	if want := float64(last.Sub(t0) / time.Minute * 2); a.Total != want {
		t.Errorf("after the kill: %g requests for samples up to %v, want %g: whole samples only", a.Total, last, want)
	}
}
