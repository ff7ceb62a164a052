package slo_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
	"github.com/sloguard/sloguard/slo/storetest"
)

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
