package slo_test

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
	"github.com/sloguard/sloguard/slo/storetest"
)

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
