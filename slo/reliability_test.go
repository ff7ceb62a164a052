package slo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
)

// The clock of a machine jumps: NTP steps it, a VM is resumed, an operator
// sets it by hand. Whatever it does, every request is counted once, the
// samples stay in order, every window of the store holds a count between
// zero and the events recorded, and evaluations never go back in time.
func TestClockJumpsBackAndForthNeitherLoseNorDoubleCount(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	store := openStore(t, filepath.Join(t.TempDir(), "slo.db"))
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: store, Clock: clock})
	ctx := context.Background()
	// each minute: two good requests and one server error.
	traffic := []req{{"/api/items/{id}", "GET", 200, 0.05}, {"/api/payments", "POST", 201, 0.2}, {"/api/items/{id}", "GET", 503, 0.01}}

	steps := []struct {
		name    string
		jump    time.Duration
		minutes int
	}{
		{"a steady start", 0, 10},
		{"a jump forward of two days", 2 * slo.Day, 5},
		{"a jump back of three days, to before the first sample", -3 * slo.Day, 5},
		{"a jump back of an hour", -time.Hour, 3},
		{"a jump forward of ten days, past the fine retention", 10 * slo.Day, 5},
		{"a jump back of one second", -time.Second, 2},
		{"a jump forward of thirty seconds", 30 * time.Second, 2},
	}
	var (
		good, total float64
		lastEnd     time.Time
		lastTS      time.Time
	)
	for _, st := range steps {
		clock.Set(clock.Now().Add(st.jump))
		for range st.minutes {
			minute(t, tm, clock, p, traffic, nil)
			good += 2
			total += 3
			end, err := store.LastEnd(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !end.After(lastEnd) {
				t.Fatalf("%s: a sample ends at %v, not after the previous one (%v)", st.name, end, lastEnd)
			}
			lastEnd = end
		}
		rep, err := p.Evaluate(ctx)
		if err != nil {
			t.Fatalf("%s: Evaluate: %v", st.name, err)
		}
		if rep.Error != "" {
			t.Fatalf("%s: the report has an error: %s", st.name, rep.Error)
		}
		if rep.TS.Before(lastTS) {
			t.Errorf("%s: evaluated at %v, before the previous evaluation at %v", st.name, rep.TS, lastTS)
		}
		if rep.TS.Before(lastEnd) {
			t.Errorf("%s: evaluated at %v, before the last sample's end %v", st.name, rep.TS, lastEnd)
		}
		lastTS = rep.TS

		// Every window straight from the store: the report clamps counts,
		// so a negative window would not show there.
		a := spec.SLOs[0]
		if a.Name != "availability" {
			t.Fatalf("the default spec starts with %q, want availability", a.Name)
		}
		prev := slo.Counts{}
		for _, w := range slo.ReportWindows(a.Window) {
			c, err := store.Counts(ctx, a.Name, rep.TS.Add(-w), rep.TS)
			if err != nil {
				t.Fatal(err)
			}
			if c.Total < 0 || c.Good < 0 || c.Good > c.Total || c.Total > total {
				t.Errorf("%s: window %s holds %+v; want 0 <= good <= total <= %v events recorded", st.name, slo.WindowName(w), c, total)
			}
			if c.Total < prev.Total || c.Good < prev.Good {
				t.Errorf("%s: window %s holds %+v, fewer than the shorter window before it (%+v)", st.name, slo.WindowName(w), c, prev)
			}
			prev = c
		}
		// The whole window holds every request exactly once (all of them
		// lie within 30 days of the last sample).
		got := rep.SLOs[a.Name]
		if got.Total != total || got.Good != good {
			t.Errorf("%s: availability over %s = %v good of %v, want %v of %v: every request once", st.name, slo.WindowName(a.Window), got.Good, got.Total, good, total)
		}
		if lat, err := p.Latency(ctx, time.Hour, ""); err != nil {
			t.Errorf("%s: Latency: %v", st.name, err)
		} else if lat.Count > uint64(total) {
			t.Errorf("%s: the last hour's latency counts %d requests, more than the %v recorded", st.name, lat.Count, total)
		}
	}
}
