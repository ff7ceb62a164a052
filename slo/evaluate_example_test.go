package slo_test

import (
	"fmt"
	"time"

	"github.com/sloguard/sloguard/slo"
)

func ExampleEvaluate() {
	s := slo.SLO{ // 99.9% of requests without a 5xx over 30 days
		Name: "availability", Objective: 0.999, Window: slo.DefaultWindow,
		MinEvents: slo.DefaultMinEvents, SLI: slo.SLI{Kind: slo.KindAvailability},
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	// 600 of 1,000,000 requests failed over the window, 200 of 100,000
	// over the last day. Windows without counts hold no events.
	counts := map[time.Duration]slo.Counts{
		30 * slo.Day: {Good: 999_400, Total: 1_000_000},
		slo.Day:      {Good: 99_800, Total: 100_000},
	}
	r := slo.Evaluate(s, now, counts)
	b := r.ErrorBudget
	fmt.Printf("actual %.2f%% against %v%%: %s\n", *r.ActualPct, r.Target, r.Status)
	fmt.Printf("budget: %.0f%% consumed, %.0f%% left, %.0f bad events allowed\n", b.ConsumedPct, b.RemainingPct, b.AllowedBad)
	fmt.Printf("last day: burn rate %.1f, %.2f%% of the budget\n", *r.BurnRates["1d"], b.BurnPerDayPct)
	fmt.Printf("at that rate the budget runs out in %.0fh, at %s\n", *b.HoursToExhaustion, b.ExhaustionAt.Format(time.DateTime))
	fmt.Printf("burn rate over 1h: %v\n", r.BurnRates["1h"])

	// Output:
	// actual 99.94% against 99.9%: CRITICAL
	// budget: 60% consumed, 40% left, 1000 bad events allowed
	// last day: burn rate 2.0, 6.67% of the budget
	// at that rate the budget runs out in 144h, at 2025-03-07 12:00:00
	// burn rate over 1h: <nil>
}
