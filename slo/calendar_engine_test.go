package slo_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// A month in Berlin begins at 23:00 UTC on the last day of the month before
// (UTC+1 in winter): the events before that instant belong to the old
// budget only.
func TestCalendarBudgetRestartsAtThePeriodStart(t *testing.T) {
	noLeaks(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	monthly := slo.SLO{Name: "availability", Objective: 0.999, Window: 31 * slo.Day, MinEvents: 100,
		Calendar: &slo.Calendar{Unit: slo.CalendarMonth, Location: berlin}, SLI: slo.SLI{Kind: slo.KindAvailability}}
	rolling := monthly
	rolling.Calendar, rolling.Window = nil, 30*slo.Day
	st := openStore(t, filepath.Join(t.TempDir(), "slo.db"))
	ctx := context.Background()
	utc := func(mo time.Month, d, h, mi int) time.Time { return time.Date(2026, mo, d, h, mi, 0, 0, time.UTC) }
	samples := []struct {
		end         time.Time
		good, total float64
	}{
		{utc(11, 30, 22, 59), 500, 1000}, // half bad, one minute before the Berlin month starts
		{utc(12, 1, 6, 0), 999, 1000},
		{utc(12, 4, 11, 0), 1000, 1000},
	}
	for _, s := range samples {
		c := slo.Counts{Good: s.good, Total: s.total}
		if err := st.Append(ctx, slo.Sample{Start: s.end.Add(-time.Minute), End: s.end, Counts: map[string]slo.Counts{"availability": c}}); err != nil {
			t.Fatal(err)
		}
	}
	evaluate := func(s slo.SLO, now time.Time) (slo.SLOReport, []string) {
		t.Helper()
		rep, err := slo.EvaluateStore(ctx, slo.Spec{Service: "shop", SLOs: []slo.SLO{s}}, st, now)
		if err != nil {
			t.Fatalf("EvaluateStore at %s: %v", now, err)
		}
		var names []string
		for _, a := range rep.Firing {
			names = append(names, a.Name)
		}
		return rep.SLOs["availability"], names
	}

	before, firing := evaluate(monthly, utc(11, 30, 22, 59).Add(30*time.Second))
	if before.Total != 1000 || before.Bad != 500 || before.Status != slo.StatusCritical || !slices.Contains(firing, slo.AlertBreach) {
		t.Errorf("in November: %g bad of %g, status %s, firing %v; want 500 of 1000, CRITICAL, SLOBreach", before.Bad, before.Total, before.Status, firing)
	}
	if before.WindowDays != 30 || !before.PeriodStart.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, berlin)) {
		t.Errorf("in November: window_days %g, period_start %v; want 30 from November 1st, Berlin", before.WindowDays, before.PeriodStart)
	}

	after, firing := evaluate(monthly, utc(12, 4, 12, 0))
	if after.Total != 2000 || after.Bad != 1 {
		t.Errorf("in December: %g bad of %g, want 1 of 2000: the November events are not in December's budget", after.Bad, after.Total)
	}
	if after.ErrorBudget.ConsumedPct < 49.999 || after.ErrorBudget.ConsumedPct > 50.001 || after.Status != slo.StatusOK || len(firing) != 0 {
		t.Errorf("in December: consumed %g%%, status %s, firing %v; want 50%%, OK, none", after.ErrorBudget.ConsumedPct, after.Status, firing)
	}
	if after.WindowDays != 31 || after.PeriodStart == nil || after.PeriodEnd == nil ||
		after.PeriodStart.UTC() != utc(11, 30, 23, 0) || after.PeriodEnd.UTC() != time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC) {
		t.Errorf("in December: window_days %g, period [%v, %v); want 31 days from 2026-11-30T23:00Z to 2026-12-31T23:00Z", after.WindowDays, after.PeriodStart, after.PeriodEnd)
	}
	data, err := json.Marshal(after)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	if fields["period_start"] != "2026-12-01T00:00:00+01:00" || fields["period_end"] != "2027-01-01T00:00:00+01:00" {
		t.Errorf("report JSON period_start %v, period_end %v; want Berlin's midnights in RFC 3339", fields["period_start"], fields["period_end"])
	}

	// the same counts over a rolling window still hold November's errors.
	roll, firing := evaluate(rolling, utc(12, 4, 12, 0))
	if roll.Total != 3000 || roll.Bad != 501 || !slices.Contains(firing, slo.AlertBreach) || roll.PeriodStart != nil {
		t.Errorf("rolling 30d in December: %g bad of %g, firing %v, period_start %v; want 501 of 3000, SLOBreach, none", roll.Bad, roll.Total, firing, roll.PeriodStart)
	}
	data, _ = json.Marshal(roll)
	fields = nil
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	if _, ok := fields["period_start"]; ok {
		t.Errorf("rolling report JSON has period_start: %s", data)
	}
}

func TestCalendarExhaustionForecastStopsAtThePeriodEnd(t *testing.T) {
	month := slo.SLO{Name: "a", Objective: 0.999, Window: 31 * slo.Day, Calendar: &slo.Calendar{Unit: slo.CalendarMonth}, SLI: slo.SLI{Kind: slo.KindAvailability}}
	tests := []struct {
		name     string
		now      time.Time
		dayBad   float64
		forecast bool
	}{
		// 1 bad of 1000 at 99.9% is burn 1: a whole budget lasts 31 days.
		{"at burn 1 on December 30th the budget outlasts the month", time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC), 1, false},
		// burn 31 spends the whole budget in one day.
		{"at burn 31 on December 2nd it runs out on the 3rd", time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), 31, true},
		{"at burn 31 on December 31st at noon it would run out in January", time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), 31, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counts := map[time.Duration]slo.Counts{
				31 * slo.Day: {Good: 100000, Total: 100000},
				slo.Day:      {Good: 1000 - tt.dayBad, Total: 1000},
			}
			r := slo.Evaluate(month, tt.now, counts)
			if got := r.ErrorBudget.ExhaustionAt != nil; got != tt.forecast {
				t.Errorf("exhaustion_at = %v, want a forecast: %v", r.ErrorBudget.ExhaustionAt, tt.forecast)
			}
			if r.ErrorBudget.ExhaustionAt != nil && r.ErrorBudget.ExhaustionAt.After(*r.PeriodEnd) {
				t.Errorf("exhaustion_at %v is after the period end %v", r.ErrorBudget.ExhaustionAt, r.PeriodEnd)
			}
		})
	}
}
