package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// Run checks that the stores open returns keep the contract of slo.Store.
// open is called once per subtest and must return a new, empty store; Run
// closes it.
//
// Every expectation is computed from the samples the test appended, by
// summing them directly, never by asking the store.
func Run(t *testing.T, open func(t *testing.T) slo.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, slo.Store)
	}{
		{"window sums include a sample ending at the later edge and exclude one ending at the earlier edge", testWindowEdges},
		{"appending a stored sample again changes nothing", testIdempotentAppend},
		{"a sample ending before the last one is refused", testOutOfOrder},
		{"an SLO missing from some samples sums only the samples that name it", testSparseSLOs},
		{"latency merges the histograms of the chosen routes within the window", testLatencyMerge},
		{"firing alerts are saved whole and replaced", testFiring},
		{"compaction keeps windows up to the fine retention exact and aligns longer ones to the hour", testCompaction},
		{"compaction refuses to keep less than the fine retention", testCompactKeep},
		{"concurrent appends and reads see whole samples", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, st)
		})
	}
}

// base is the time of the first sample of every test: a whole hour, so
// that hour alignment is easy to reason about.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func mustAppend(t *testing.T, st slo.Store, s slo.Sample) {
	t.Helper()
	if err := st.Append(context.Background(), s); err != nil {
		t.Fatalf("Append(sample ending %s): %v", s.End.Format(time.RFC3339), err)
	}
}

// counts returns the counts of a window, and checks that a store that
// also sums several windows at once (slo.WindowsCounter) agrees.
func counts(t *testing.T, st slo.Store, name string, from, to time.Time) slo.Counts {
	t.Helper()
	c, err := st.Counts(context.Background(), name, from, to)
	if err != nil {
		t.Fatalf("Counts(%s, %s, %s): %v", name, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), err)
	}
	if wc, ok := st.(slo.WindowsCounter); ok {
		windows := []time.Duration{time.Minute, to.Sub(from), time.Hour}
		cs, err := wc.CountsWindows(context.Background(), name, to, windows)
		if err != nil {
			t.Fatalf("CountsWindows(%s, %s, %v): %v", name, to.Format(time.RFC3339Nano), windows, err)
		}
		for i, w := range windows {
			single, err := st.Counts(context.Background(), name, to.Add(-w), to)
			if err != nil {
				t.Fatal(err)
			}
			if cs[i] != single {
				t.Errorf("CountsWindows(%s, %s) window %s = %+v, Counts = %+v", name, to.Format(time.RFC3339Nano), w, cs[i], single)
			}
		}
	}
	return c
}

func testWindowEdges(t *testing.T, st slo.Store) {
	// sample i holds 2^i events, so every window sum names the samples in it.
	ends := make([]time.Time, 10)
	for i := range ends {
		ends[i] = base.Add(time.Duration(i+1) * time.Minute)
		mustAppend(t, st, slo.Sample{
			Start:  ends[i].Add(-time.Minute),
			End:    ends[i],
			Counts: map[string]slo.Counts{"a": {Good: float64(int(1) << i), Total: float64(int(3) << i)}},
		})
	}
	want := func(from, to time.Time) slo.Counts {
		var c slo.Counts
		for i, e := range ends {
			if e.After(from) && !e.After(to) {
				c = c.Add(slo.Counts{Good: float64(int(1) << i), Total: float64(int(3) << i)})
			}
		}
		return c
	}
	ms := time.Millisecond
	cases := []struct {
		name     string
		from, to time.Time
	}{
		{"both edges on sample ends", ends[2], ends[5]},
		{"earlier edge just before a sample end", ends[2].Add(-ms), ends[5]},
		{"later edge just before a sample end", ends[2], ends[5].Add(-ms)},
		{"later edge just after a sample end", ends[2], ends[5].Add(ms)},
		{"whole history", base.Add(-time.Hour), base.Add(time.Hour)},
		{"empty window", ends[4], ends[4]},
		{"reversed window", ends[6], ends[2]},
		{"before any sample", base.Add(-time.Hour), base},
		{"after the last sample", ends[9], ends[9].Add(time.Hour)},
		{"one sample", ends[3].Add(-time.Minute), ends[3]},
	}
	for _, c := range cases {
		w := want(c.from, c.to)
		if c.from.After(c.to) {
			w = slo.Counts{}
		}
		if got := counts(t, st, "a", c.from, c.to); got != w {
			t.Errorf("%s: Counts = %+v, want %+v", c.name, got, w)
		}
	}
	if got := counts(t, st, "unknown", base, base.Add(time.Hour)); got != (slo.Counts{}) {
		t.Errorf("Counts of an SLO never appended = %+v, want zero", got)
	}
	last, err := st.LastEnd(context.Background())
	if err != nil || !last.Equal(ends[9]) {
		t.Errorf("LastEnd = %v, %v; want %v", last, err, ends[9])
	}
}

func testIdempotentAppend(t *testing.T, st slo.Store) {
	ctx := context.Background()
	if last, err := st.LastEnd(ctx); err != nil || !last.IsZero() {
		t.Fatalf("LastEnd of an empty store = %v, %v; want zero", last, err)
	}
	var h slo.Histogram
	h.Record(0.1)
	s1 := slo.Sample{Start: base, End: base.Add(time.Minute), Counts: map[string]slo.Counts{"a": {Good: 4, Total: 5}}, Latency: map[string]slo.Histogram{"/x": h}}
	s2 := slo.Sample{Start: s1.End, End: base.Add(2 * time.Minute), Counts: map[string]slo.Counts{"a": {Good: 1, Total: 1}}, Latency: map[string]slo.Histogram{"/x": h}}
	mustAppend(t, st, s1)
	mustAppend(t, st, s2)
	mustAppend(t, st, s1) // a retry of an earlier sample
	mustAppend(t, st, s2) // a retry of the last one
	if got, want := counts(t, st, "a", base, base.Add(time.Hour)), (slo.Counts{Good: 5, Total: 6}); got != want {
		t.Errorf("Counts after appending both samples twice = %+v, want %+v", got, want)
	}
	lat, err := st.Latency(ctx, nil, base, base.Add(time.Hour))
	if err != nil || lat.Count != 2 {
		t.Errorf("Latency count after appending both samples twice = %d, %v; want 2", lat.Count, err)
	}
}

func testOutOfOrder(t *testing.T, st slo.Store) {
	mustAppend(t, st, slo.Sample{Start: base, End: base.Add(2 * time.Minute), Counts: map[string]slo.Counts{"a": {Good: 1, Total: 1}}})
	err := st.Append(context.Background(), slo.Sample{Start: base, End: base.Add(time.Minute), Counts: map[string]slo.Counts{"a": {Good: 7, Total: 7}}})
	if !errors.Is(err, slo.ErrOutOfOrder) {
		t.Fatalf("Append of an earlier sample: err = %v, want ErrOutOfOrder", err)
	}
	if got, want := counts(t, st, "a", base, base.Add(time.Hour)), (slo.Counts{Good: 1, Total: 1}); got != want {
		t.Errorf("Counts after a refused sample = %+v, want %+v", got, want)
	}
}

func testSparseSLOs(t *testing.T, st slo.Store) {
	type row struct {
		end  time.Duration
		a, b slo.Counts
		hasB bool
	}
	rows := []row{
		{end: 1 * time.Minute, a: slo.Counts{Good: 1, Total: 2}},
		{end: 2 * time.Minute, a: slo.Counts{Good: 3, Total: 3}, b: slo.Counts{Good: 5, Total: 9}, hasB: true},
		{end: 3 * time.Minute, a: slo.Counts{}, b: slo.Counts{}, hasB: true},
		{end: 4 * time.Minute, b: slo.Counts{Good: 2, Total: 2}, hasB: true},
		{end: 5 * time.Minute, a: slo.Counts{Good: 10, Total: 11}},
	}
	for _, r := range rows {
		m := map[string]slo.Counts{"a": r.a}
		if r.hasB {
			m["b"] = r.b
		}
		mustAppend(t, st, slo.Sample{Start: base.Add(r.end - time.Minute), End: base.Add(r.end), Counts: m})
	}
	for from := time.Duration(0); from <= 5*time.Minute; from += 30 * time.Second {
		for to := from; to <= 6*time.Minute; to += 30 * time.Second {
			var wa, wb slo.Counts
			for _, r := range rows {
				if r.end > from && r.end <= to {
					wa, wb = wa.Add(r.a), wb.Add(r.b)
				}
			}
			if got := counts(t, st, "a", base.Add(from), base.Add(to)); got != wa {
				t.Errorf("Counts(a, +%s, +%s) = %+v, want %+v", from, to, got, wa)
			}
			if got := counts(t, st, "b", base.Add(from), base.Add(to)); got != wb {
				t.Errorf("Counts(b, +%s, +%s) = %+v, want %+v", from, to, got, wb)
			}
		}
	}
}

// values records vs into a new histogram.
func values(vs ...float64) slo.Histogram {
	var h slo.Histogram
	for _, v := range vs {
		h.Record(v)
	}
	return h
}

// checkHistogram compares h with the values it should hold: count, sum,
// extremes exactly (sum to rounding), quantiles within one bucket.
func checkHistogram(t *testing.T, what string, h slo.Histogram, vs []float64) {
	t.Helper()
	if h.Count != uint64(len(vs)) {
		t.Errorf("%s: Count = %d, want %d", what, h.Count, len(vs))
		return
	}
	if len(vs) == 0 {
		return
	}
	sorted := slices.Clone(vs)
	sort.Float64s(sorted)
	var sum float64
	for _, v := range sorted {
		sum += v
	}
	if math.Abs(h.Sum-sum) > 1e-9*math.Max(1, sum) {
		t.Errorf("%s: Sum = %g, want %g", what, h.Sum, sum)
	}
	if h.Min != sorted[0] || h.Max != sorted[len(sorted)-1] {
		t.Errorf("%s: Min, Max = %g, %g, want %g, %g", what, h.Min, h.Max, sorted[0], sorted[len(sorted)-1])
	}
	for _, q := range []float64{0.5, 0.95, 0.99} {
		rank := int(math.Ceil(q * float64(len(sorted))))
		exact := sorted[max(rank, 1)-1]
		got := h.Quantile(q)
		width := math.Exp2(math.Exp2(-float64(h.Scale))) - 1
		if math.Abs(got-exact) > width*exact+1e-12 {
			t.Errorf("%s: Quantile(%g) = %g, want %g within %.3g%% (scale %d)", what, q, got, exact, 100*width, h.Scale)
		}
	}
}

func testLatencyMerge(t *testing.T, st slo.Store) {
	ctx := context.Background()
	type rec struct {
		end    time.Duration
		route  string
		values []float64
	}
	recs := []rec{
		{1 * time.Minute, "/a", []float64{0.010, 0.020, 0.030}},
		{1 * time.Minute, "/b", []float64{1.5}},
		{2 * time.Minute, "/a", []float64{0.2, 0.25, 0.0}},
		{3 * time.Minute, "/b", []float64{0.004, 9.5, 0.33}},
		{4 * time.Minute, "/a", []float64{0.07}},
		{4 * time.Minute, "/c", []float64{3, 4}},
		{5 * time.Minute, "/a", []float64{120, 0.001}},
	}
	bySample := map[time.Duration]map[string]slo.Histogram{}
	for _, r := range recs {
		if bySample[r.end] == nil {
			bySample[r.end] = map[string]slo.Histogram{}
		}
		bySample[r.end][r.route] = values(r.values...)
	}
	for end := time.Minute; end <= 5*time.Minute; end += time.Minute {
		mustAppend(t, st, slo.Sample{Start: base.Add(end - time.Minute), End: base.Add(end), Latency: bySample[end]})
	}
	cases := []struct {
		name     string
		routes   []string
		from, to time.Duration
	}{
		{"one route over all samples", []string{"/a"}, 0, time.Hour},
		{"two routes", []string{"/a", "/b"}, 0, time.Hour},
		{"every route", nil, 0, time.Hour},
		{"every route, inner samples", nil, time.Minute, 4 * time.Minute},
		{"a route with no sample in the window", []string{"/c"}, 0, 3 * time.Minute},
		{"a route never seen", []string{"/nope"}, 0, time.Hour},
		{"empty window", nil, 2 * time.Minute, 2 * time.Minute},
	}
	for _, c := range cases {
		var want []float64
		for _, r := range recs {
			if r.end > c.from && r.end <= c.to && (len(c.routes) == 0 || slices.Contains(c.routes, r.route)) {
				want = append(want, r.values...)
			}
		}
		h, err := st.Latency(ctx, c.routes, base.Add(c.from), base.Add(c.to))
		if err != nil {
			t.Fatalf("%s: Latency: %v", c.name, err)
		}
		checkHistogram(t, c.name, h, want)
	}
}

func testFiring(t *testing.T, st slo.Store) {
	ctx := context.Background()
	got, err := st.LoadFiring(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("LoadFiring of a new store = %v, %v; want none", got, err)
	}
	rate := 15.5
	ends := base.Add(time.Hour)
	alerts := []slo.Alert{
		{TS: base, Event: "slo_alert", State: "firing", Name: "SLOErrorBudgetBurn", SLO: "availability", Service: "svc",
			Severity: "page", LongWindow: "1h", ShortWindow: "5m", BurnRate: &rate, Factor: 14.4,
			Breaches: []string{"availability"}, Labels: map[string]string{"team": "core"}, StartsAt: base},
		{TS: base, Event: "slo_alert", State: "firing", Name: "SLOBreach", SLO: "latency_p95", Severity: "critical",
			Breaches: []string{}, StartsAt: base.Add(-time.Hour), EndsAt: &ends},
	}
	if err := st.SaveFiring(ctx, alerts); err != nil {
		t.Fatalf("SaveFiring: %v", err)
	}
	got, err = st.LoadFiring(ctx)
	if err != nil {
		t.Fatalf("LoadFiring: %v", err)
	}
	if len(got) != len(alerts) {
		t.Fatalf("LoadFiring returned %d alerts, want %d", len(got), len(alerts))
	}
	for i := range alerts {
		if a, b := fmt.Sprintf("%+v", describe(alerts[i])), fmt.Sprintf("%+v", describe(got[i])); a != b {
			t.Errorf("alert %d after a round trip:\n got %s\nwant %s", i, b, a)
		}
	}
	if err := st.SaveFiring(ctx, alerts[1:]); err != nil {
		t.Fatalf("SaveFiring: %v", err)
	}
	if got, _ := st.LoadFiring(ctx); len(got) != 1 || got[0].Name != "SLOBreach" {
		t.Errorf("LoadFiring after replacing with one alert = %+v", got)
	}
	if err := st.SaveFiring(ctx, nil); err != nil {
		t.Fatalf("SaveFiring(nil): %v", err)
	}
	if got, _ := st.LoadFiring(ctx); len(got) != 0 {
		t.Errorf("LoadFiring after saving none = %+v", got)
	}
}

// describe renders an alert with its pointers followed and its times in
// UTC, so that two equal alerts print the same.
func describe(a slo.Alert) string {
	rate := "nil"
	if a.BurnRate != nil {
		rate = fmt.Sprint(*a.BurnRate)
	}
	ends := "nil"
	if a.EndsAt != nil {
		ends = a.EndsAt.UTC().String()
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%g|%v|%v|%s|%s|%s", a.TS.UTC(), a.Event, a.State, a.Name, a.SLO, a.Service,
		a.Severity, a.LongWindow, a.ShortWindow, rate, a.Factor, a.Breaches, a.Labels, a.Summary, a.StartsAt.UTC(), ends)
}

// timed is a sample and the durations recorded in it.
type timed struct {
	slo.Sample
	values []float64
}

// compactionData appends samples every 10 minutes (with some at odd
// minutes) for 6 days and returns them.
func compactionData(t *testing.T, st slo.Store) []timed {
	var out []timed
	end := base
	for i := 0; end.Before(base.Add(6 * slo.Day)); i++ {
		step := 10 * time.Minute
		if i%7 == 3 {
			step = 3*time.Minute + 17*time.Second
		}
		start := end
		end = end.Add(step)
		total := float64(1 + i%5)
		good := total
		if i%4 == 0 {
			good--
		}
		s := timed{Sample: slo.Sample{Start: start, End: end, Counts: map[string]slo.Counts{"a": {Good: good, Total: total}}}}
		if i%3 != 2 {
			s.values = []float64{0.001 * float64(1+i%300), 0.05}
			s.Latency = map[string]slo.Histogram{"/r": values(s.values...)}
		}
		mustAppend(t, st, s.Sample)
		out = append(out, s)
	}
	return out
}

func testCompaction(t *testing.T, st slo.Store) {
	ctx := context.Background()
	samples := compactionData(t, st)
	now := samples[len(samples)-1].End
	keep := 5 * slo.Day
	if err := st.Compact(ctx, now, keep); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	// a second compaction at the same instant changes nothing.
	if err := st.Compact(ctx, now, keep); err != nil {
		t.Fatalf("Compact again: %v", err)
	}
	fine := hourFloor(now.Add(-slo.FineRetention))
	kept := hourFloor(now.Add(-keep))
	align := func(e time.Time) time.Time {
		if e.Before(fine) {
			e = hourFloor(e)
		}
		if e.Before(kept) {
			e = kept
		}
		return e
	}
	check := func(name string, from, to time.Time, aligned bool) {
		t.Helper()
		f, e := from, to
		if aligned {
			f, e = align(from), align(to)
		}
		var want slo.Counts
		var vals []float64
		for _, s := range samples {
			if s.End.After(f) && !s.End.After(e) {
				want = want.Add(s.Counts["a"])
				vals = append(vals, s.values...)
			}
		}
		if got := counts(t, st, "a", from, to); math.Abs(got.Good-want.Good) > 1e-9 || math.Abs(got.Total-want.Total) > 1e-9 {
			t.Errorf("%s: Counts = %+v, want %+v", name, got, want)
		}
		h, err := st.Latency(ctx, []string{"/r"}, from, to)
		if err != nil {
			t.Fatalf("%s: Latency: %v", name, err)
		}
		checkHistogram(t, name+" latency", h, vals)
	}
	for _, w := range []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, slo.Day, 3 * slo.Day} {
		check("window "+slo.WindowName(w)+" ending now", now.Add(-w), now, false)
		check("window "+slo.WindowName(w)+" ending 7m ago", now.Add(-w-7*time.Minute), now.Add(-7*time.Minute), false)
	}
	check("window 3d ending at an odd minute", now.Add(-3*slo.Day+23*time.Minute), now.Add(-time.Hour+23*time.Minute), false)
	for _, w := range []time.Duration{3*slo.Day + 90*time.Minute, 4 * slo.Day, 5 * slo.Day, 6 * slo.Day, 30 * slo.Day} {
		check("window "+w.String()+" ending now", now.Add(-w), now, true)
		check("window "+w.String()+" ending 13m ago", now.Add(-w-13*time.Minute), now.Add(-13*time.Minute), true)
	}
	check("window wholly beyond the fine horizon", now.Add(-4*slo.Day-17*time.Minute), now.Add(-3*slo.Day-45*time.Minute), true)

	// samples appended after compaction add to the windows as before.
	end := now
	for i := range 30 {
		end = end.Add(time.Minute)
		s := timed{Sample: slo.Sample{Start: end.Add(-time.Minute), End: end, Counts: map[string]slo.Counts{"a": {Good: float64(i % 2), Total: 1}}},
			values: []float64{0.001 * float64(i+1), 0.05}}
		s.Latency = map[string]slo.Histogram{"/r": values(s.values...)}
		mustAppend(t, st, s.Sample)
		samples = append(samples, s)
	}
	check("window 1h after more samples", end.Add(-time.Hour), end, false)
	check("window 3d after more samples", end.Add(-3*slo.Day), end, false)
	check("window 5d after more samples", end.Add(-5*slo.Day), end, true)

	// compacting a day later moves both horizons.
	now = end.Add(slo.Day)
	if err := st.Compact(ctx, now, keep); err != nil {
		t.Fatalf("Compact a day later: %v", err)
	}
	fine = hourFloor(now.Add(-slo.FineRetention))
	kept = hourFloor(now.Add(-keep))
	check("window 2d after the second compaction", now.Add(-2*slo.Day), now, false)
	check("window 4d after the second compaction", now.Add(-4*slo.Day), now, true)
	check("window 10d after the second compaction", now.Add(-10*slo.Day), now, true)
}

func hourFloor(t time.Time) time.Time {
	return t.Add(-time.Duration(((t.UnixNano() % int64(time.Hour)) + int64(time.Hour)) % int64(time.Hour)))
}

func testCompactKeep(t *testing.T, st slo.Store) {
	if err := st.Compact(context.Background(), base, slo.FineRetention-time.Hour); err == nil {
		t.Errorf("Compact with keep shorter than the fine retention: no error")
	}
}

func testConcurrent(t *testing.T, st slo.Store) {
	ctx := context.Background()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			end := base.Add(time.Duration(i+1) * time.Minute)
			if err := st.Append(ctx, slo.Sample{Start: end.Add(-time.Minute), End: end,
				Counts: map[string]slo.Counts{"a": {Good: 1, Total: 2}, "b": {Good: 3, Total: 3}}}); err != nil {
				errs <- err
				return
			}
		}
	}()
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				a, err := st.Counts(ctx, "a", base, base.Add(time.Hour))
				if err != nil {
					errs <- err
					return
				}
				// every sample adds 1 good of 2: a torn sample would break the ratio.
				if a.Total != 2*a.Good {
					errs <- fmt.Errorf("Counts(a) = %+v: not whole samples", a)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := counts(t, st, "b", base, base.Add(time.Hour)), (slo.Counts{Good: 3 * n, Total: 3 * n}); got != want {
		t.Errorf("Counts(b) after concurrent appends = %+v, want %+v", got, want)
	}
}
