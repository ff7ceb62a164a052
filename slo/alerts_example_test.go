package slo_test

import (
	"fmt"
	"time"

	"github.com/sloguard/sloguard/slo"
)

func ExampleAlerter_Update() {
	// A spec built in code: 99.9% of requests without a 5xx over 30 days.
	spec := slo.Spec{
		Version: slo.Version,
		Service: "checkout",
		SLOs: []slo.SLO{{
			Name: "availability", Objective: 0.999, Window: slo.DefaultWindow,
			MinEvents: slo.DefaultMinEvents, SLI: slo.SLI{Kind: slo.KindAvailability},
		}},
	}
	s := spec.SLOs[0]
	alerter := slo.NewAlerter(nil) // or the firing alerts of the last report
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	// 2% of the requests of the last hour failed, and 3% of the last 5
	// minutes: a burn rate of 20 and 30, over the 14.4 that pages.
	counts := map[time.Duration]slo.Counts{
		5 * time.Minute: {Good: 9_700, Total: 10_000},
		time.Hour:       {Good: 98_000, Total: 100_000},
		slo.Day:         {Good: 2_398_800, Total: 2_400_000},
		30 * slo.Day:    {Good: 71_990_000, Total: 72_000_000},
	}
	report := slo.NewReport(spec, at, []slo.SLOReport{slo.Evaluate(s, at, counts)})
	changed, _ := alerter.Update(spec, report)
	for _, a := range changed {
		fmt.Println(a.State, a.Name, a.Severity, a.LongWindow, a.ShortWindow)
	}

	// The next tick has the same figures: nothing new to announce.
	report.TS = at.Add(15 * time.Minute)
	changed, firing := alerter.Update(spec, report)
	fmt.Println(len(changed), "changed,", len(firing), "firing")
	// Output:
	// firing SLOErrorBudgetBurn page 1h 5m
	// 0 changed, 1 firing
}
