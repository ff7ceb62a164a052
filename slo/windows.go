package slo

import (
	"fmt"
	"time"
)

// Day is 24 hours: SLO windows are counted in whole days of elapsed time.
const Day = 24 * time.Hour

// DefaultWindow is the rolling window of an SLO that names none.
const DefaultWindow = 30 * Day

// BurnWindow is one pair of windows of a multiwindow, multi-burn-rate alert
// (SRE workbook, chapter 5): it fires when the burn rate over both Long and
// Short exceeds Factor.
type BurnWindow struct {
	Severity string // "page" or "ticket"
	Long     time.Duration
	Short    time.Duration
	// Factor is the burn rate that spends BudgetShare of the budget in Long.
	Factor      float64
	BudgetShare float64
}

// the four tiers of the workbook for a 30-day window.
var burnTiers = []BurnWindow{
	{Severity: "page", Long: time.Hour, Short: 5 * time.Minute, BudgetShare: 0.02},
	{Severity: "page", Long: 6 * time.Hour, Short: 30 * time.Minute, BudgetShare: 0.05},
	{Severity: "ticket", Long: Day, Short: 2 * time.Hour, BudgetShare: 0.10},
	{Severity: "ticket", Long: 3 * Day, Short: 6 * time.Hour, BudgetShare: 0.10},
}

// AlertWindows returns the burn-rate alert windows of an SLO window.
//
// For windows of 28 days or more the windows keep their workbook lengths
// (1h/5m, 6h/30m, 1d/2h, 3d/6h) and the factor is budget share × window /
// long window, as Sloth computes it: 14.4, 6, 3, 1 for 30 days and 13.44,
// 5.6, 2.8, 0.933 for 28 days. Shorter windows (demos, tests) would make the
// long windows meaningless, so there the lengths scale with window/30d and
// the 30-day factors are kept: the alerts then fire after the same share of
// budget spent.
func AlertWindows(window time.Duration) []BurnWindow {
	out := make([]BurnWindow, len(burnTiers))
	for i, t := range burnTiers {
		w := t
		if window >= 28*Day {
			w.Factor = t.BudgetShare * float64(window) / float64(t.Long)
		} else {
			scale := float64(window) / float64(DefaultWindow)
			w.Long = scaleDuration(t.Long, scale)
			w.Short = scaleDuration(t.Short, scale)
			w.Factor = t.BudgetShare * float64(DefaultWindow) / float64(t.Long)
		}
		out[i] = w
	}
	return out
}

// scaleDuration scales d, rounded to the millisecond and never below 1ms.
func scaleDuration(d time.Duration, scale float64) time.Duration {
	s := time.Duration(float64(d) * scale).Round(time.Millisecond)
	if s < time.Millisecond {
		s = time.Millisecond
	}
	return s
}

// ReportWindows returns the windows a report needs counts for, ascending and
// distinct: the alert windows (5m, 30m, 1h, 2h, 6h, 1d, 3d for 30 days), the
// last day (for the Flask app's budget burned per day) and the SLO window itself.
func ReportWindows(window time.Duration) []time.Duration {
	seen := map[time.Duration]bool{}
	var out []time.Duration
	add := func(d time.Duration) {
		if d > 0 && d <= window && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, w := range AlertWindows(window) {
		add(w.Short)
		add(w.Long)
	}
	add(min(Day, window))
	add(window)
	// insertion sort: at most nine entries.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// WindowName formats a window the way reports, rules and alerts name it:
// whole days as "30d", whole hours as "6h", whole minutes as "5m", whole
// seconds as "10s", anything finer in milliseconds ("1500ms").
func WindowName(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d%Day == 0:
		return fmt.Sprintf("%dd", d/Day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	default:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
}
