package slo

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

const perHour = 100_000.0

// traffic returns counts of 100,000 events an hour over every report window
// of s, with the burn rates of burns by window name and base elsewhere.
func traffic(s SLO, base float64, burns map[string]float64) map[time.Duration]Counts {
	out := map[time.Duration]Counts{}
	for _, w := range ReportWindows(s.Window) {
		total := perHour * w.Hours()
		burn, ok := burns[WindowName(w)]
		if !ok {
			burn = base
		}
		out[w] = Counts{Good: total - burn*ErrorBudget(s.Objective)*total, Total: total}
	}
	return out
}

// uniform returns counts of total events with n bad in every window of s.
func uniform(s SLO, n, total float64) map[time.Duration]Counts {
	out := map[time.Duration]Counts{}
	for _, w := range ReportWindows(s.Window) {
		out[w] = bad(n, total)
	}
	return out
}

func reportAt(ts time.Time, spec Spec, counts map[string]map[time.Duration]Counts) Report {
	var rs []SLOReport
	for _, s := range spec.SLOs {
		rs = append(rs, Evaluate(s, ts, counts[s.Name]))
	}
	r := NewReport(spec, ts, rs)
	r.Source = "otel"
	return r
}

// sig is what the sequence tests compare of an alert.
func sig(a Alert) string {
	s := fmt.Sprintf("%s %s %s %s", a.State, a.Name, a.SLO, a.Severity)
	if a.LongWindow != "" {
		s += fmt.Sprintf(" %s/%s>%v", a.LongWindow, a.ShortWindow, a.Factor)
	}
	return s
}

func sigs(as []Alert) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, sig(a))
	}
	return out
}

func alertSpec() Spec {
	return Spec{Version: Version, Service: "checkout", SLOs: []SLO{{
		Name: "availability", Objective: 0.999, Window: 30 * Day, MinEvents: 100,
		Labels: map[string]string{"team": "payments"},
		SLI:    SLI{Kind: KindAvailability},
	}}}
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func TestAlerterFiresOnceStaysQuietWhileFiringAndResolves(t *testing.T) {
	spec := alertSpec()
	s := spec.SLOs[0]
	healthy := traffic(s, 0.1, nil)
	// A fast burn over the last hour: 1h and 5m at 20 (> 14.4), the day at
	// 0.9, which is 0.9 × 100 / 30 = 3% of the budget a day (> 2%).
	incident := traffic(s, 0.1, map[string]float64{"5m": 20, "30m": 20, "1h": 20, "2h": 10, "6h": 3.4, "1d": 0.9})
	// The last 5 minutes are healthy again: the page stops, the day has not.
	recovering := traffic(s, 0.1, map[string]float64{"5m": 1, "30m": 12, "1h": 15, "2h": 8, "6h": 3, "1d": 0.9})

	steps := []struct {
		name        string
		ts          time.Time
		counts      map[time.Duration]Counts
		wantChanged []string
		wantFiring  []string
	}{
		{"healthy traffic raises nothing", at(0), healthy, nil, nil},
		{
			"a fast burn pages and warns of the daily burn", at(15), incident,
			[]string{"firing SLOBudgetBurnRate availability warning", "firing SLOErrorBudgetBurn availability page 1h/5m>14.4"},
			[]string{"firing SLOBudgetBurnRate availability warning", "firing SLOErrorBudgetBurn availability page 1h/5m>14.4"},
		},
		{
			"the same burn a tick later announces nothing new", at(30), incident,
			nil,
			[]string{"firing SLOBudgetBurnRate availability warning", "firing SLOErrorBudgetBurn availability page 1h/5m>14.4"},
		},
		{
			"a recovered short window resolves the page only", at(45), recovering,
			[]string{"resolved SLOErrorBudgetBurn availability page 1h/5m>14.4"},
			[]string{"firing SLOBudgetBurnRate availability warning"},
		},
		{
			"healthy traffic resolves the rest", at(60), healthy,
			[]string{"resolved SLOBudgetBurnRate availability warning"},
			nil,
		},
	}
	a := NewAlerter(nil)
	for _, st := range steps {
		changed, firing := a.Update(spec, reportAt(st.ts, spec, map[string]map[time.Duration]Counts{"availability": st.counts}))
		if got := sigs(changed); !reflect.DeepEqual(got, orEmpty(st.wantChanged)) {
			t.Errorf("%s: changed = %q, want %q", st.name, got, st.wantChanged)
		}
		if got := sigs(firing); !reflect.DeepEqual(got, orEmpty(st.wantFiring)) {
			t.Errorf("%s: firing = %q, want %q", st.name, got, st.wantFiring)
		}
		for _, al := range append(changed, firing...) {
			if al.Name == AlertBudgetBurnRate || al.Name == AlertErrorBudgetBurn {
				if !al.StartsAt.Equal(at(15)) {
					t.Errorf("%s: %s starts_at = %v, want the tick it started on, %v", st.name, al.Name, al.StartsAt, at(15))
				}
			}
			if !al.TS.Equal(st.ts) {
				t.Errorf("%s: %s ts = %v, want %v", st.name, al.Name, al.TS, st.ts)
			}
			if al.State == StateResolved && (al.EndsAt == nil || !al.EndsAt.Equal(st.ts)) {
				t.Errorf("%s: resolved %s ends_at = %v, want %v", st.name, al.Name, al.EndsAt, st.ts)
			}
			if al.State == StateFiring && al.EndsAt != nil {
				t.Errorf("%s: firing %s has ends_at %v", st.name, al.Name, *al.EndsAt)
			}
		}
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestAlertsCarryTheSeedFields(t *testing.T) {
	spec := alertSpec()
	spec.SLOs = append(spec.SLOs, SLO{
		Name: "latency_p95", Objective: 0.95, Window: 30 * Day, MinEvents: 100,
		SLI: SLI{Kind: KindLatency, Threshold: 400 * time.Millisecond},
	})
	s := spec.SLOs[0]
	// 30d burn 1.2: 120% consumed (> 50%), 99.88% < 99.9%: breach.
	// 3d and 6h at 1.2 cross the 3d/6h ticket factor of 1.
	counts := map[string]map[time.Duration]Counts{
		"availability": traffic(s, 0.1, map[string]float64{"30d": 1.2, "3d": 1.2, "6h": 1.2}),
		"latency_p95":  traffic(spec.SLOs[1], 0.5, nil),
	}
	r := reportAt(t0, spec, counts)
	lat := r.SLOs["latency_p95"]
	lat.ActualMS = ptr(312)
	r.SLOs["latency_p95"] = lat

	changed, _ := NewAlerter(nil).Update(spec, r)
	want := []string{
		"firing SLOBreach availability critical",
		"firing SLOBudgetConsumed availability warning",
		"firing SLOErrorBudgetBurn availability ticket 3d/6h>1",
	}
	if got := sigs(changed); !reflect.DeepEqual(got, want) {
		t.Fatalf("changed = %q, want %q", got, want)
	}
	sr := r.SLOs["availability"]
	for _, al := range changed {
		if al.Event != "slo_alert" || al.Service != "checkout" || al.SLO != "availability" {
			t.Errorf("%s: event, service, slo = %q, %q, %q", al.Name, al.Event, al.Service, al.SLO)
		}
		if !reflect.DeepEqual(al.Breaches, []string{"availability"}) {
			t.Errorf("%s: breaches = %q, want [availability]", al.Name, al.Breaches)
		}
		if !near(al.BudgetConsumedPct, 120) || !near(al.BudgetRemainingPct, -20) || al.BurnPerDayPct != sr.ErrorBudget.BurnPerDayPct {
			t.Errorf("%s: consumed, remaining, burn/day = %v, %v, %v; want 120, -20, %v", al.Name, al.BudgetConsumedPct, al.BudgetRemainingPct, al.BurnPerDayPct, sr.ErrorBudget.BurnPerDayPct)
		}
		if al.P95LatencyMS == nil || *al.P95LatencyMS != 312 {
			t.Errorf("%s: p95_latency_ms = %v, want 312 from the latency SLO", al.Name, fmtPtr(al.P95LatencyMS))
		}
		if !reflect.DeepEqual(al.Labels, map[string]string{"team": "payments"}) {
			t.Errorf("%s: labels = %v", al.Name, al.Labels)
		}
		if !strings.Contains(al.Summary, "availability") || !strings.Contains(al.Summary, "checkout") {
			t.Errorf("%s: summary %q does not name the SLO and service", al.Name, al.Summary)
		}
	}
	burn := changed[2]
	if burn.BurnRate == nil || !near(*burn.BurnRate, 1.2) {
		t.Errorf("burn_rate = %v, want the 3d window's 1.2", fmtPtr(burn.BurnRate))
	}
	for i, frag := range []string{"99.88%", "120%", "1.2× as fast"} {
		if !strings.Contains(changed[i].Summary, frag) {
			t.Errorf("%s summary %q lacks %q", changed[i].Name, changed[i].Summary, frag)
		}
	}
	// The labels of the alert are its own: changing them leaves the SLO alone.
	changed[0].Labels["team"] = "x"
	if spec.SLOs[0].Labels["team"] != "payments" {
		t.Error("an alert shares its labels map with the spec")
	}
}

func TestLowTrafficDoesNotAlert(t *testing.T) {
	spec := alertSpec()
	s := spec.SLOs[0]
	tests := []struct {
		name      string
		minEvents float64
		counts    map[time.Duration]Counts
		want      []string
	}{
		{"one failed request out of one raises nothing", 100, uniform(s, 1, 1), nil},
		{"99 events with every one bad raise nothing under min_events 100", 100, uniform(s, 99, 99), nil},
		{
			"100 events reach min_events 100", 100, uniform(s, 2, 100),
			[]string{
				"firing SLOBreach availability critical",
				"firing SLOBudgetBurnRate availability warning",
				"firing SLOBudgetConsumed availability warning",
				"firing SLOErrorBudgetBurn availability page 1h/5m>14.4",
				"firing SLOErrorBudgetBurn availability page 6h/30m>6",
				"firing SLOErrorBudgetBurn availability ticket 1d/2h>3",
				"firing SLOErrorBudgetBurn availability ticket 3d/6h>1",
			},
		},
		{
			"min_events 0 lets one request alert", 0, uniform(s, 1, 1),
			[]string{
				"firing SLOBreach availability critical",
				"firing SLOBudgetBurnRate availability warning",
				"firing SLOBudgetConsumed availability warning",
				"firing SLOErrorBudgetBurn availability page 1h/5m>14.4",
				"firing SLOErrorBudgetBurn availability page 6h/30m>6",
				"firing SLOErrorBudgetBurn availability ticket 1d/2h>3",
				"firing SLOErrorBudgetBurn availability ticket 3d/6h>1",
			},
		},
		{
			// Only the long window counts toward min_events: a busy 3d window
			// with a burst in its quiet 5m pages on 1h/5m if the hour is busy.
			"a quiet long window holds its burn-rate alert back", 100,
			map[time.Duration]Counts{5 * time.Minute: bad(3, 3), time.Hour: bad(3, 50), 30 * Day: bad(3, 1e6), Day: bad(3, 1e4)},
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := alertSpec()
			sp.SLOs[0].MinEvents = tt.minEvents
			changed, _ := NewAlerter(nil).Update(sp, reportAt(t0, sp, map[string]map[time.Duration]Counts{"availability": tt.counts}))
			if got := sigs(changed); !reflect.DeepEqual(got, orEmpty(tt.want)) {
				t.Errorf("changed = %q, want %q", got, orEmpty(tt.want))
			}
		})
	}
}

func TestAlertsResumeAfterARestartWithoutADuplicate(t *testing.T) {
	spec := alertSpec()
	s := spec.SLOs[0]
	incident := traffic(s, 0.1, map[string]float64{"5m": 20, "30m": 20, "1h": 20})
	before := NewAlerter(nil)
	_, firing := before.Update(spec, reportAt(at(0), spec, map[string]map[time.Duration]Counts{"availability": incident}))
	if len(firing) != 1 {
		t.Fatalf("before the restart %d alerts fire, want the 1h/5m page: %q", len(firing), sigs(firing))
	}

	// What a restarted process reads back: the last report's firing list,
	// plus a resolved alert that must not come back to life.
	stale := firing[0]
	stale.Name, stale.State = AlertBreach, StateResolved
	after := NewAlerter(append(firing, stale))
	if got := sigs(after.Firing()); !reflect.DeepEqual(got, sigs(firing)) {
		t.Errorf("resumed firing = %q, want %q", got, sigs(firing))
	}
	changed, firing2 := after.Update(spec, reportAt(at(15), spec, map[string]map[time.Duration]Counts{"availability": incident}))
	if len(changed) != 0 {
		t.Errorf("the first tick after a restart announced %q again", sigs(changed))
	}
	if len(firing2) != 1 || !firing2[0].StartsAt.Equal(at(0)) || !firing2[0].TS.Equal(at(15)) {
		t.Errorf("firing after restart = %+v, want the page with starts_at %v and ts %v", firing2, at(0), at(15))
	}
	changed, firing3 := after.Update(spec, reportAt(at(30), spec, map[string]map[time.Duration]Counts{"availability": traffic(s, 0.1, nil)}))
	if got := sigs(changed); !reflect.DeepEqual(got, []string{"resolved SLOErrorBudgetBurn availability page 1h/5m>14.4"}) {
		t.Fatalf("changed = %q, want the page resolved", got)
	}
	if !changed[0].StartsAt.Equal(at(0)) || changed[0].EndsAt == nil || !changed[0].EndsAt.Equal(at(30)) {
		t.Errorf("resolved page starts_at %v ends_at %v, want %v and %v", changed[0].StartsAt, changed[0].EndsAt, at(0), at(30))
	}
	if len(firing3) != 0 {
		t.Errorf("still firing: %q", sigs(firing3))
	}
}

func TestAlerterKeepsItsStateWhenTheSourceCannotBeRead(t *testing.T) {
	spec := alertSpec()
	s := spec.SLOs[0]
	incident := map[string]map[time.Duration]Counts{"availability": traffic(s, 0.1, map[string]float64{"5m": 20, "1h": 20})}
	healthy := map[string]map[time.Duration]Counts{"availability": traffic(s, 0.1, nil)}
	a := NewAlerter(nil)
	a.Update(spec, reportAt(at(0), spec, incident))

	down := reportAt(at(15), spec, healthy)
	down.Error = "prometheus: connection refused"
	changed, firing := a.Update(spec, down)
	if len(changed) != 0 || len(firing) != 1 {
		t.Errorf("with the source down: changed %q, firing %q; want nothing changed, the page still firing", sigs(changed), sigs(firing))
	}

	unknown := reportAt(at(20), spec, healthy)
	sr := unknown.SLOs["availability"]
	sr.Status = StatusUnknown
	unknown.SLOs["availability"] = sr
	if changed, firing := a.Update(spec, unknown); len(changed) != 0 || len(firing) != 1 {
		t.Errorf("with the SLO UNKNOWN: changed %q, firing %q; want nothing changed", sigs(changed), sigs(firing))
	}

	// A quiet tick later resolves it as usual, never fired twice.
	changed, firing = a.Update(spec, reportAt(at(30), spec, healthy))
	if got := sigs(changed); !reflect.DeepEqual(got, []string{"resolved SLOErrorBudgetBurn availability page 1h/5m>14.4"}) || len(firing) != 0 {
		t.Errorf("after the source came back: changed %q, firing %q", got, sigs(firing))
	}
}

func TestAnSLORemovedFromTheSpecResolvesItsAlerts(t *testing.T) {
	spec := alertSpec()
	s := spec.SLOs[0]
	a := NewAlerter(nil)
	a.Update(spec, reportAt(at(0), spec, map[string]map[time.Duration]Counts{"availability": traffic(s, 0.1, map[string]float64{"5m": 20, "1h": 20})}))

	newSpec := Spec{Version: Version, Service: "checkout", SLOs: []SLO{{Name: "other", Objective: 0.99, Window: 30 * Day, SLI: SLI{Kind: KindAvailability}}}}
	changed, firing := a.Update(newSpec, reportAt(at(15), newSpec, nil))
	if got := sigs(changed); !reflect.DeepEqual(got, []string{"resolved SLOErrorBudgetBurn availability page 1h/5m>14.4"}) {
		t.Fatalf("changed = %q, want the removed SLO's page resolved", got)
	}
	if !strings.Contains(changed[0].Summary, "no longer in the spec") {
		t.Errorf("summary %q does not say why", changed[0].Summary)
	}
	if len(firing) != 0 {
		t.Errorf("firing = %q, want none", sigs(firing))
	}
}

func TestTrafficStoppingResolvesBurnAlerts(t *testing.T) {
	spec := alertSpec()
	s := spec.SLOs[0]
	a := NewAlerter(nil)
	a.Update(spec, reportAt(at(0), spec, map[string]map[time.Duration]Counts{"availability": traffic(s, 0.1, map[string]float64{"5m": 20, "1h": 20})}))
	// No event at all any more: NO_DATA, every burn rate null.
	changed, firing := a.Update(spec, reportAt(at(15), spec, nil))
	if got := sigs(changed); !reflect.DeepEqual(got, []string{"resolved SLOErrorBudgetBurn availability page 1h/5m>14.4"}) || len(firing) != 0 {
		t.Errorf("changed %q, firing %q; want the page resolved", got, sigs(firing))
	}
}

func TestAlertsOfAShortWindowUseItsScaledWindows(t *testing.T) {
	spec := Spec{Service: "demo", SLOs: []SLO{{Name: "quick", Objective: 0.99, Window: 30 * time.Minute, MinEvents: 10, SLI: SLI{Kind: KindAvailability}}}}
	// 30m is 1/1440 of 30d: the page windows become 2.5s and 208ms.
	bws := AlertWindows(30 * time.Minute)
	counts := map[time.Duration]Counts{bws[0].Long: bad(5, 20), bws[0].Short: bad(5, 10), 30 * time.Minute: bad(5, 1000)}
	changed, _ := NewAlerter(nil).Update(spec, reportAt(t0, spec, map[string]map[time.Duration]Counts{"quick": counts}))
	want := fmt.Sprintf("firing SLOErrorBudgetBurn quick page %s/%s>14.4", WindowName(bws[0].Long), WindowName(bws[0].Short))
	found := false
	for _, s := range sigs(changed) {
		found = found || s == want
	}
	if !found {
		t.Errorf("changed = %q, want it to include %q", sigs(changed), want)
	}
	if WindowName(bws[0].Long) != "2500ms" || WindowName(bws[0].Short) != "208ms" {
		t.Errorf("page windows of 30m = %s/%s, want 2500ms/208ms", WindowName(bws[0].Long), WindowName(bws[0].Short))
	}
}

func TestAlerterResultsAreCopies(t *testing.T) {
	spec := alertSpec()
	s := spec.SLOs[0]
	a := NewAlerter(nil)
	_, firing := a.Update(spec, reportAt(at(0), spec, map[string]map[time.Duration]Counts{"availability": traffic(s, 0.1, map[string]float64{"5m": 20, "1h": 20})}))
	firing[0].Breaches = append(firing[0].Breaches, "tampered")
	*firing[0].BurnRate = -1
	again := a.Firing()
	if len(again[0].Breaches) != 0 || *again[0].BurnRate == -1 {
		t.Errorf("changing a returned alert changed the Alerter's state: %+v", again[0])
	}
}
