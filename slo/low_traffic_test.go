package slo_test

import (
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
)

func TestAStatusFromFewerThanMinEventsIsLowTraffic(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := slo.SLO{Name: "webhook", Objective: 0.99, Window: 30 * slo.Day, MinEvents: 100,
		SLI: slo.SLI{Kind: slo.KindEvents, Metric: "webhook.deliveries"}}
	// counts puts the same events in every window up to the last day, and
	// window more in the SLO window.
	counts := func(day slo.Counts, earlier float64) map[time.Duration]slo.Counts {
		out := map[time.Duration]slo.Counts{}
		for _, w := range slo.ReportWindows(s.Window) {
			c := day
			if w > slo.Day {
				c.Good += earlier
				c.Total += earlier
			}
			out[w] = c
		}
		return out
	}
	tests := []struct {
		name       string
		counts     map[time.Duration]slo.Counts
		wantStatus slo.Status
		wantLow    bool
	}{
		{"one failed event out of one is low traffic, not critical", counts(slo.Counts{Total: 1}, 0), slo.StatusLowTraffic, true},
		{"99 failed events of 99 are still low traffic", counts(slo.Counts{Total: 99}, 0), slo.StatusLowTraffic, true},
		{"100 failed events of 100 are critical", counts(slo.Counts{Total: 100}, 0), slo.StatusCritical, false},
		{"a quiet bad day in a busy window is low traffic", counts(slo.Counts{Good: 20, Total: 50}, 10000), slo.StatusLowTraffic, true},
		{"a quiet good day in a busy window is OK, and says it is quiet", counts(slo.Counts{Good: 50, Total: 50}, 10000), slo.StatusOK, true},
		{"a busy day burning fast is critical", counts(slo.Counts{Good: 900, Total: 1000}, 10000), slo.StatusCritical, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := slo.Evaluate(s, now, tt.counts)
			if r.Status != tt.wantStatus || r.LowTraffic != tt.wantLow {
				t.Errorf("status %s, low_traffic %v; want %s, %v", r.Status, r.LowTraffic, tt.wantStatus, tt.wantLow)
			}
			if r.ActualPct == nil {
				t.Errorf("actual_pct is null: a low-traffic SLO still reports its figures")
			}
			rep := slo.NewReport(slo.Spec{Service: "svc", SLOs: []slo.SLO{s}}, now, []slo.SLOReport{r})
			if rep.OverallStatus != tt.wantStatus {
				t.Errorf("overall status %s, want %s", rep.OverallStatus, tt.wantStatus)
			}
			if tt.wantStatus == slo.StatusLowTraffic && len(rep.Breaches) > 0 {
				t.Errorf("breaches %v: a low-traffic SLO is not called breached", rep.Breaches)
			}
		})
	}
}

func TestOneQuietSLODoesNotHideTheStatusOfTheOthers(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	quiet := slo.SLOReport{Name: "quiet", Status: slo.StatusLowTraffic, LowTraffic: true}
	busy := slo.SLOReport{Name: "busy", Status: slo.StatusOK}
	if got := slo.NewReport(slo.Spec{}, now, []slo.SLOReport{quiet, busy}).OverallStatus; got != slo.StatusOK {
		t.Errorf("LOW_TRAFFIC beside OK is overall %s, want OK", got)
	}
	nodata := slo.SLOReport{Name: "none", Status: slo.StatusNoData, NoData: true}
	if got := slo.NewReport(slo.Spec{}, now, []slo.SLOReport{quiet, nodata}).OverallStatus; got != slo.StatusLowTraffic {
		t.Errorf("LOW_TRAFFIC beside NO_DATA is overall %s, want LOW_TRAFFIC", got)
	}
}
