package slo

import (
	"math"
	"testing"
	"time"
)

func TestErrorBudgetIsTheDecimalComplementOfTheObjective(t *testing.T) {
	tests := []struct{ objective, want float64 }{
		{0.999, 0.001},
		{0.95, 0.05},
		{0.9995, 0.0005},
		{0.99999, 0.00001},
		{1, 0},
		{0, 0},
		{1.5, 0},
		{math.NaN(), 0},
	}
	for _, tt := range tests {
		if got := ErrorBudget(tt.objective); got != tt.want {
			t.Errorf("ErrorBudget(%v) = %.20g, want %.20g", tt.objective, got, tt.want)
		}
	}
}

func TestBurnRateIsUnknownWithoutEvents(t *testing.T) {
	tests := []struct {
		name      string
		c         Counts
		objective float64
		want      float64
		wantOK    bool
	}{
		// 0.0144 / 0.001
		{"1.44% errors against 99.9% burn at 14.4", bad(144, 10_000), 0.999, 14.4, true},
		{"no errors burn at 0", bad(0, 10), 0.999, 0, true},
		{"every event bad against 99% burns at 100", bad(10, 10), 0.99, 100, true},
		{"no events have no burn rate", Counts{}, 0.999, 0, false},
		{"negative totals count as no events", Counts{Good: -5, Total: -5}, 0.999, 0, false},
		{"an objective of 100% has no burn rate", bad(1, 10), 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := BurnRate(tt.c, tt.objective)
			if ok != tt.wantOK || !near(got, tt.want) {
				t.Errorf("BurnRate = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestStatusThresholdsToleranceOnlyForRounding(t *testing.T) {
	below2 := math.Nextafter(2, 0)
	above5 := math.Nextafter(5, 10)
	tests := []struct {
		name      string
		pct       float64
		exhausted bool
		want      Status
	}{
		{"nothing burned is OK", 0, false, StatusOK},
		{"1.99%/day is OK", 1.99, false, StatusOK},
		{"one float step under 2%/day is 2%/day: WARNING", below2, false, StatusWarning},
		{"2%/day is WARNING", 2, false, StatusWarning},
		{"5%/day is WARNING", 5, false, StatusWarning},
		{"one float step over 5%/day is 5%/day: WARNING", above5, false, StatusWarning},
		{"5.001%/day is CRITICAL", 5.001, false, StatusCritical},
		{"an exhausted budget is CRITICAL whatever the day", 0, true, StatusCritical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StatusFor(tt.pct, tt.exhausted); got != tt.want {
				t.Errorf("StatusFor(%.17g, %v) = %s, want %s", tt.pct, tt.exhausted, got, tt.want)
			}
		})
	}
}

func TestBurnPerDayPctIsTheShareOfTheWindowBudgetADaySpends(t *testing.T) {
	tests := []struct {
		name   string
		burn   float64
		window time.Duration
		want   float64
	}{
		{"burn 1 over 30 days spends a thirtieth a day", 1, 30 * Day, 100.0 / 30},
		{"burn 0.6 over 30 days is the 2% warning line", 0.6, 30 * Day, 2},
		{"burn 1 over 7 days spends a seventh a day", 1, 7 * Day, 100.0 / 7},
		{"burn 1 over 1 day spends it all", 1, Day, 100},
		{"burn 0.5 over 1 hour would spend 12 budgets a day", 0.5, time.Hour, 1200},
		{"a zero window gives 0, not Inf", 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BurnPerDayPct(tt.burn, tt.window); !near(got, tt.want) {
				t.Errorf("BurnPerDayPct(%v, %v) = %v, want %v", tt.burn, tt.window, got, tt.want)
			}
		})
	}
}

func TestTimeToExhaustion(t *testing.T) {
	tests := []struct {
		name      string
		remaining float64
		burn      float64
		window    time.Duration
		want      time.Duration
		wantOK    bool
	}{
		// 0.5 × 720h / 2 = 180h
		{"half a budget at burn 2 lasts a quarter window", 50, 2, 30 * Day, 180 * time.Hour, true},
		// 1 × 720h / 1 = 720h: exactly the window, still forecast.
		{"a full budget at burn 1 lasts exactly the window", 100, 1, 30 * Day, 720 * time.Hour, true},
		{"a forecast past the window is none", 100, 0.99, 30 * Day, 0, false},
		{"no burn never runs out", 40, 0, 30 * Day, 0, false},
		{"nothing left has nothing to forecast", 0, 5, 30 * Day, 0, false},
		{"an overspent budget has nothing to forecast", -20, 5, 30 * Day, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := TimeToExhaustion(tt.remaining, tt.burn, tt.window)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("TimeToExhaustion(%v, %v, %v) = %v, %v; want %v, %v", tt.remaining, tt.burn, tt.window, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
