package slo

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var evalNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// near reports whether got equals want up to float rounding.
func near(got, want float64) bool {
	return got == want || math.Abs(got-want) <= 1e-9*math.Max(math.Abs(got), math.Abs(want))
}

func availability999() SLO {
	return SLO{Name: "availability", Objective: 0.999, Window: 30 * Day, MinEvents: 100, SLI: SLI{Kind: KindAvailability}}
}

// ok returns counts with bad of total events bad.
func bad(n, total float64) Counts { return Counts{Good: total - n, Total: total} }

func TestEvaluateComputesTheBudgetFromTheWindowCounts(t *testing.T) {
	type want struct {
		status        Status
		actualPct     float64
		consumedPct   float64
		remainingPct  float64
		allowedBad    float64
		burnPerDayPct float64
		exhausted     bool
		// hoursLeft < 0: no exhaustion forecast.
		hoursLeft float64
	}
	tests := []struct {
		name   string
		counts map[time.Duration]Counts
		want   want
	}{
		{
			// 600 bad / 1e6 = 0.0006; budget 0.001 -> 60% consumed, 1000 bad allowed.
			// Last day: 10 / 100,000 = 1e-4 -> burn 0.1 -> 0.1 × (1/30) × 100 = 1/3 %/day.
			// Forecast: 40% left at burn 0.1 lasts 0.4 × 30d / 0.1 = 120d, past the window.
			name:   "600 errors in a million requests against 99.9% consume 60% of the budget",
			counts: map[time.Duration]Counts{30 * Day: bad(600, 1e6), Day: bad(10, 100_000)},
			want:   want{status: StatusOK, actualPct: 99.94, consumedPct: 60, remainingPct: 40, allowedBad: 1000, burnPerDayPct: 10.0 / 30, hoursLeft: -1},
		},
		{
			// Last day: 200 / 100,000 = 0.002 -> burn 2 -> 2 × 100 / 30 = 6.67 %/day.
			// 40% left at burn 2 lasts 0.4 × 720h / 2 = 144h.
			name:   "a fast last day is critical and forecasts when the budget runs out",
			counts: map[time.Duration]Counts{30 * Day: bad(600, 1e6), Day: bad(200, 100_000)},
			want:   want{status: StatusCritical, actualPct: 99.94, consumedPct: 60, remainingPct: 40, allowedBad: 1000, burnPerDayPct: 200.0 / 30, hoursLeft: 144},
		},
		{
			// 59 / 100,000 -> burn 0.59 -> 1.9667 %/day.
			name:   "just under 2% of the budget per day is OK",
			counts: map[time.Duration]Counts{30 * Day: bad(100, 1e6), Day: bad(59, 100_000)},
			want:   want{status: StatusOK, actualPct: 99.99, consumedPct: 10, remainingPct: 90, allowedBad: 1000, burnPerDayPct: 59.0 / 30, hoursLeft: -1},
		},
		{
			// 60 / 100,000 -> burn 0.6 -> exactly 2 %/day. 90% left at 0.6 lasts 0.9 × 720 / 0.6 = 1080h, past the window.
			name:   "exactly 2% of the budget per day is WARNING",
			counts: map[time.Duration]Counts{30 * Day: bad(100, 1e6), Day: bad(60, 100_000)},
			want:   want{status: StatusWarning, actualPct: 99.99, consumedPct: 10, remainingPct: 90, allowedBad: 1000, burnPerDayPct: 2, hoursLeft: -1},
		},
		{
			// 150 / 100,000 -> burn 1.5 -> exactly 5 %/day. 90% left at 1.5 lasts 0.9 × 720 / 1.5 = 432h.
			name:   "exactly 5% of the budget per day is still WARNING",
			counts: map[time.Duration]Counts{30 * Day: bad(100, 1e6), Day: bad(150, 100_000)},
			want:   want{status: StatusWarning, actualPct: 99.99, consumedPct: 10, remainingPct: 90, allowedBad: 1000, burnPerDayPct: 5, hoursLeft: 432},
		},
		{
			// 151 / 100,000 -> burn 1.51 -> 5.0333 %/day. 0.9 × 720 / 1.51 = 429.139...h.
			name:   "just over 5% of the budget per day is CRITICAL",
			counts: map[time.Duration]Counts{30 * Day: bad(100, 1e6), Day: bad(151, 100_000)},
			want:   want{status: StatusCritical, actualPct: 99.99, consumedPct: 10, remainingPct: 90, allowedBad: 1000, burnPerDayPct: 151.0 / 30, hoursLeft: 0.9 * 720 / 1.51},
		},
		{
			// 1000 / 1e6 = 0.001 = the whole budget; the last day had no error.
			name:   "a budget spent exactly is exhausted and CRITICAL with a quiet last day",
			counts: map[time.Duration]Counts{30 * Day: bad(1000, 1e6), Day: bad(0, 100_000)},
			want:   want{status: StatusCritical, actualPct: 99.9, consumedPct: 100, remainingPct: 0, allowedBad: 1000, burnPerDayPct: 0, exhausted: true, hoursLeft: -1},
		},
		{
			// 1500 / 1e6 -> 150% consumed, remaining -50%: overspent, no forecast.
			name:   "an overspent budget shows negative remaining and no forecast",
			counts: map[time.Duration]Counts{30 * Day: bad(1500, 1e6), Day: bad(300, 100_000)},
			want:   want{status: StatusCritical, actualPct: 99.85, consumedPct: 150, remainingPct: -50, allowedBad: 1000, burnPerDayPct: 10, exhausted: true, hoursLeft: -1},
		},
		{
			// No event in the last day: the day's burn is 0, not unknown-as-bad.
			name:   "traffic earlier in the window but none in the last day is OK",
			counts: map[time.Duration]Counts{30 * Day: bad(300, 1e6)},
			want:   want{status: StatusOK, actualPct: 99.97, consumedPct: 30, remainingPct: 70, allowedBad: 1000, burnPerDayPct: 0, hoursLeft: -1},
		},
		{
			// Extrapolated counts with good over total are clamped: no bad event.
			name:   "a good count over the total counts as all good",
			counts: map[time.Duration]Counts{30 * Day: {Good: 1000.4, Total: 1000}, Day: {Good: 101, Total: 100}},
			want:   want{status: StatusOK, actualPct: 100, consumedPct: 0, remainingPct: 100, allowedBad: 1, burnPerDayPct: 0, hoursLeft: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(availability999(), evalNow, tt.counts)
			w := tt.want
			if r.Status != w.status {
				t.Errorf("status = %s, want %s (burn per day %v%%)", r.Status, w.status, r.ErrorBudget.BurnPerDayPct)
			}
			if r.NoData || r.ActualPct == nil || !near(*r.ActualPct, w.actualPct) {
				t.Errorf("actual_pct = %v (no_data %v), want %v", fmtPtr(r.ActualPct), r.NoData, w.actualPct)
			}
			b := r.ErrorBudget
			checks := []struct {
				name      string
				got, want float64
			}{
				{"consumed_pct", b.ConsumedPct, w.consumedPct},
				{"remaining_pct", b.RemainingPct, w.remainingPct},
				{"allowed_bad", b.AllowedBad, w.allowedBad},
				{"burn_per_day_pct", b.BurnPerDayPct, w.burnPerDayPct},
				{"total_pct", b.TotalPct, 0.1},
				{"good+bad", r.Good + r.Bad, r.Total},
			}
			for _, c := range checks {
				if !near(c.got, c.want) && !(c.want == 0 && math.Abs(c.got) < 1e-9) {
					t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
				}
			}
			if b.Exhausted != w.exhausted {
				t.Errorf("exhausted = %v, want %v", b.Exhausted, w.exhausted)
			}
			if w.hoursLeft < 0 {
				if b.ExhaustionAt != nil || b.HoursToExhaustion != nil {
					t.Errorf("forecast = %v / %vh, want none", b.ExhaustionAt, fmtPtr(b.HoursToExhaustion))
				}
			} else {
				if b.HoursToExhaustion == nil || b.ExhaustionAt == nil {
					t.Fatalf("no forecast, want %vh", w.hoursLeft)
				}
				if !near(*b.HoursToExhaustion, w.hoursLeft) && math.Abs(*b.HoursToExhaustion-w.hoursLeft) > 1e-6 {
					t.Errorf("hours_to_exhaustion = %v, want %v", *b.HoursToExhaustion, w.hoursLeft)
				}
				wantAt := evalNow.Add(time.Duration(w.hoursLeft * float64(time.Hour)))
				if d := b.ExhaustionAt.Sub(wantAt); d < -time.Millisecond || d > time.Millisecond {
					t.Errorf("exhaustion_at = %v, want %v", b.ExhaustionAt, wantAt)
				}
			}
		})
	}
}

func TestEvaluateReportsTheBurnRateOfEveryWindow(t *testing.T) {
	// Budget 0.001: burn = error ratio × 1000.
	counts := map[time.Duration]Counts{
		5 * time.Minute:  bad(30, 1000),      // 0.03 -> 30
		30 * time.Minute: bad(0, 6000),       // 0
		time.Hour:        bad(1440, 100_000), // 0.0144 -> 14.4
		2 * time.Hour:    bad(10, 20_000),    // 5e-4 -> 0.5
		// 6h: no event -> null
		Day:      bad(240, 240_000), // 1e-3 -> 1
		3 * Day:  bad(720, 720_000), // 1
		30 * Day: bad(3000, 7_200_000),
	}
	r := Evaluate(availability999(), evalNow, counts)
	want := map[string]*float64{
		"5m": ptr(30), "30m": ptr(0), "1h": ptr(14.4), "2h": ptr(0.5), "6h": nil,
		"1d": ptr(1), "3d": ptr(1), "30d": ptr(3000.0 / 7_200_000 * 1000),
	}
	if !slices.Equal(sortedKeys(r.BurnRates), sortedKeys(want)) {
		t.Fatalf("burn rate windows = %v, want %v", sortedKeys(r.BurnRates), sortedKeys(want))
	}
	for name, w := range want {
		g := r.BurnRates[name]
		if (g == nil) != (w == nil) || g != nil && !near(*g, *w) && math.Abs(*g-*w) > 1e-12 {
			t.Errorf("burn_rates[%s] = %v, want %v", name, fmtPtr(g), fmtPtr(w))
		}
	}
	if got := r.Windows["1h"]; got != bad(1440, 100_000) {
		t.Errorf("windows[1h] = %+v, want the counts given", got)
	}
	if got := r.Windows["6h"]; got != (Counts{}) {
		t.Errorf("windows[6h] = %+v, want zero counts", got)
	}
}

func TestEvaluateWithoutTrafficIsNoDataNeverNaN(t *testing.T) {
	for _, counts := range []map[time.Duration]Counts{nil, {30 * Day: {}, Day: {}, time.Hour: {}}} {
		r := Evaluate(availability999(), evalNow, counts)
		if r.Status != StatusNoData || !r.NoData {
			t.Errorf("status = %s, no_data = %v, want NO_DATA, true", r.Status, r.NoData)
		}
		if r.ActualPct != nil || r.Good != 0 || r.Bad != 0 || r.Total != 0 {
			t.Errorf("actual_pct = %v, counts %v/%v/%v, want null and zeros", fmtPtr(r.ActualPct), r.Good, r.Bad, r.Total)
		}
		for name, v := range r.BurnRates {
			if v != nil {
				t.Errorf("burn_rates[%s] = %v, want null", name, *v)
			}
		}
		b := r.ErrorBudget
		if b.ConsumedPct != 0 || b.RemainingPct != 100 || b.BurnPerDayPct != 0 || b.Exhausted || b.ExhaustionAt != nil {
			t.Errorf("error_budget = %+v, want nothing consumed, 100%% remaining, no forecast", b)
		}
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		for _, want := range []string{`"actual_pct":null`, `"status":"NO_DATA"`, `"no_data":true`, `"1h":null`} {
			if !strings.Contains(string(data), want) {
				t.Errorf("JSON %s lacks %s", data, want)
			}
		}
	}
}

func TestEvaluateFillsTheSLODescription(t *testing.T) {
	s := SLO{Name: "latency_p95", Description: "fast", Objective: 0.95, Window: 7 * Day, SLI: SLI{Kind: KindLatency, Threshold: 400 * time.Millisecond}}
	r := Evaluate(s, evalNow, map[time.Duration]Counts{7 * Day: bad(5, 100)})
	if r.Name != "latency_p95" || r.Description != "fast" || r.Kind != KindLatency || r.Objective != 0.95 {
		t.Errorf("identity = %q %q %q %v", r.Name, r.Description, r.Kind, r.Objective)
	}
	if r.Target != 95 || r.WindowDays != 7 || r.ErrorBudget.TotalPct != 5 {
		t.Errorf("target = %v, window_days = %v, total_pct = %v; want 95, 7, 5", r.Target, r.WindowDays, r.ErrorBudget.TotalPct)
	}
	if r.ThresholdMS == nil || *r.ThresholdMS != 400 {
		t.Errorf("threshold_ms = %v, want 400", fmtPtr(r.ThresholdMS))
	}
	if r.ActualMS != nil {
		t.Errorf("actual_ms = %v, want it left to the caller", *r.ActualMS)
	}
	// 5 bad of 100 against a 5% budget: exactly spent.
	if !near(r.ErrorBudget.ConsumedPct, 100) || !r.ErrorBudget.Exhausted {
		t.Errorf("consumed = %v, exhausted = %v; want 100, true", r.ErrorBudget.ConsumedPct, r.ErrorBudget.Exhausted)
	}
	if a := Evaluate(availability999(), evalNow, nil); a.ThresholdMS != nil {
		t.Errorf("availability threshold_ms = %v, want none", *a.ThresholdMS)
	}
}

func TestEvaluateOfAWindowShorterThanADayUsesTheWindowAsItsDay(t *testing.T) {
	s := SLO{Name: "fast", Objective: 0.99, Window: time.Hour, SLI: SLI{Kind: KindAvailability}}
	// 1 bad of 1000 over the hour: ratio 0.001, budget 0.01 -> burn 0.1.
	// Per day: 0.1 × (24h / 1h) × 100 = 240%.
	r := Evaluate(s, evalNow, map[time.Duration]Counts{time.Hour: bad(1, 1000)})
	if !near(r.ErrorBudget.BurnPerDayPct, 240) {
		t.Errorf("burn_per_day_pct = %v, want 240", r.ErrorBudget.BurnPerDayPct)
	}
	// Burn 0.1 spends a tenth of the budget per window: the pace of 0.33%
	// per day of a 30-day window, far under the 2% WARNING line.
	if r.Status != StatusOK {
		t.Errorf("status = %s, want OK", r.Status)
	}
	// 20 bad of 1000: burn 2, the pace of 6.67%/day over 30 days: CRITICAL.
	if r := Evaluate(s, evalNow, map[time.Duration]Counts{time.Hour: bad(20, 1000)}); r.Status != StatusCritical {
		t.Errorf("burn 2 over a 1h window: status = %s, want CRITICAL", r.Status)
	}
	// 9 bad of 1000: burn 0.9, pace 3%/day: WARNING.
	if r := Evaluate(s, evalNow, map[time.Duration]Counts{time.Hour: bad(9, 1000)}); r.Status != StatusWarning {
		t.Errorf("burn 0.9 over a 1h window: status = %s, want WARNING", r.Status)
	}
	var names []string
	for _, w := range ReportWindows(time.Hour) {
		names = append(names, WindowName(w))
	}
	if got := sortedKeys(r.BurnRates); !slices.Equal(got, sortedKeys(mapOf(names))) {
		t.Errorf("burn rate windows = %v, want %v", got, names)
	}
}

func mapOf(names []string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func TestNewReportSummarisesTheSLOs(t *testing.T) {
	spec := Spec{Service: "checkout", SLOs: []SLO{
		{Name: "a", Window: 7 * Day}, {Name: "b", Window: 30 * Day}, {Name: "c", Window: time.Hour},
	}}
	withStatus := func(name string, st Status) SLOReport {
		return SLOReport{Name: name, Status: st, NoData: st == StatusNoData}
	}
	breached := func(name string) SLOReport {
		r := Evaluate(SLO{Name: name, Objective: 0.99, Window: Day}, evalNow, map[time.Duration]Counts{Day: bad(2, 100)})
		return r
	}
	tests := []struct {
		name     string
		slos     []SLOReport
		overall  Status
		breaches []string
	}{
		{"the worst status wins", []SLOReport{withStatus("a", StatusOK), withStatus("b", StatusCritical), withStatus("c", StatusWarning)}, StatusCritical, []string{}},
		{"warning beats unknown, ok and no data", []SLOReport{withStatus("a", StatusUnknown), withStatus("b", StatusWarning), withStatus("c", StatusNoData)}, StatusWarning, []string{}},
		{"an unknown SLO is worse than OK ones", []SLOReport{withStatus("a", StatusOK), withStatus("b", StatusUnknown)}, StatusUnknown, []string{}},
		{"no data in one SLO does not hide the others", []SLOReport{withStatus("a", StatusNoData), withStatus("b", StatusOK)}, StatusOK, []string{}},
		{"no data only when every SLO has none", []SLOReport{withStatus("a", StatusNoData), withStatus("b", StatusNoData)}, StatusNoData, []string{}},
		{"no SLO at all is no data", nil, StatusNoData, []string{}},
		// 2 bad in 100 against 99%: 98% < 99%.
		{"breaches are the SLOs under target, sorted", []SLOReport{breached("z"), withStatus("b", StatusOK), breached("m")}, StatusCritical, []string{"m", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReport(spec, evalNow, tt.slos)
			if r.OverallStatus != tt.overall {
				t.Errorf("overall_status = %s, want %s", r.OverallStatus, tt.overall)
			}
			if !reflect.DeepEqual(r.Breaches, tt.breaches) {
				t.Errorf("breaches = %#v, want %#v", r.Breaches, tt.breaches)
			}
			if !r.TS.Equal(evalNow) || r.Service != "checkout" || r.WindowDays != 30 {
				t.Errorf("ts, service, window_days = %v, %q, %v; want %v, checkout, 30", r.TS, r.Service, r.WindowDays, evalNow)
			}
			if len(r.SLOs) != len(tt.slos) {
				t.Errorf("slos has %d entries, want %d", len(r.SLOs), len(tt.slos))
			}
			for _, s := range tt.slos {
				if r.SLOs[s.Name].Status != s.Status {
					t.Errorf("slos[%s] missing or changed", s.Name)
				}
			}
		})
	}
}

func TestAnSLOExactlyAtTargetIsNotBreached(t *testing.T) {
	at := Evaluate(availability999(), evalNow, map[time.Duration]Counts{30 * Day: bad(1000, 1e6)})
	under := Evaluate(availability999(), evalNow, map[time.Duration]Counts{30 * Day: bad(1001, 1e6)})
	if Breached(at) {
		t.Error("99.9% good against 99.9% counts as breached")
	}
	if !Breached(under) {
		t.Error("99.8999% good against 99.9% does not count as breached")
	}
	if Breached(Evaluate(availability999(), evalNow, nil)) {
		t.Error("an SLO with no data counts as breached")
	}
}

func TestReportJSONKeepsTheSeedShape(t *testing.T) {
	s := availability999()
	rep := NewReport(Spec{Service: "checkout", SLOs: []SLO{s}}, evalNow,
		[]SLOReport{Evaluate(s, evalNow, map[time.Duration]Counts{30 * Day: bad(600, 1e6)})})
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ts", "window_days", "overall_status", "breaches", "slos", "firing"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("report JSON lacks %q: %s", k, data)
		}
	}
	if doc["breaches"] == nil || doc["firing"] == nil {
		t.Errorf("breaches and firing must be lists, not null: %s", data)
	}
	slo := doc["slos"].(map[string]any)["availability"].(map[string]any)
	for _, k := range []string{"actual_pct", "target", "status", "error_budget"} {
		if _, ok := slo[k]; !ok {
			t.Errorf("slos.availability lacks %q", k)
		}
	}
	if slo["target"].(float64) != 99.9 {
		t.Errorf("target = %v, want 99.9", slo["target"])
	}
}

func ptr(v float64) *float64 { return &v }

func fmtPtr(p *float64) any {
	if p == nil {
		return "null"
	}
	return *p
}
