package alertmanager

import (
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// testSpec is one availability SLO over 30 days with a label of its own.
func testSpec() slo.Spec {
	return slo.Spec{
		Version: slo.Version,
		Service: "checkout",
		SLOs: []slo.SLO{{
			Name:      "availability",
			Objective: 0.999,
			Window:    slo.DefaultWindow,
			MinEvents: 10,
			SLI:       slo.SLI{Kind: slo.KindAvailability},
			Labels:    map[string]string{"team": "payments"},
		}},
	}
}

// report is an evaluation of testSpec where the burn rate over 5m and 1h
// is fast and over every other window is slow: only the fastest page fires.
func report(spec slo.Spec, ts time.Time, fast float64) slo.Report {
	s := spec.SLOs[0]
	actual := 99.95
	sr := slo.SLOReport{
		Name: s.Name, Kind: s.SLI.Kind, Objective: s.Objective, Target: 99.9, WindowDays: 30,
		ActualPct: &actual, Status: slo.StatusCritical, Good: 99950, Bad: 50, Total: 100000,
		ErrorBudget: slo.Budget{TotalPct: 0.1, AllowedBad: 100, ConsumedPct: 42.5, RemainingPct: 57.5, BurnPerDayPct: 1.5},
		BurnRates:   map[string]*float64{},
		Windows:     map[string]slo.Counts{},
	}
	for _, w := range slo.ReportWindows(s.Window) {
		name := slo.WindowName(w)
		burn := 0.5
		if name == "5m" || name == "1h" {
			burn = fast
		}
		sr.BurnRates[name] = &burn
		sr.Windows[name] = slo.Counts{Good: 1000 - burn, Total: 1000}
	}
	return slo.NewReport(spec, ts, []slo.SLOReport{sr})
}

// burnAlert returns the fast-burn page of testSpec as the processor's
// Alerter raises it, and as it resolves an hour later.
func burnAlert(t testing.TB) (firing, resolved slo.Alert) {
	t.Helper()
	spec := testSpec()
	al := slo.NewAlerter(nil)
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	changed, _ := al.Update(spec, report(spec, start, 20))
	if len(changed) != 1 || changed[0].Name != slo.AlertErrorBudgetBurn || changed[0].State != slo.StateFiring {
		t.Fatalf("a fast burn raised %+v, want one firing %s", changed, slo.AlertErrorBudgetBurn)
	}
	firing = changed[0]
	changed, _ = al.Update(spec, report(spec, start.Add(time.Hour), 0.1))
	if len(changed) != 1 || changed[0].State != slo.StateResolved {
		t.Fatalf("the end of the burn changed %+v, want the alert resolved", changed)
	}
	return firing, changed[0]
}
