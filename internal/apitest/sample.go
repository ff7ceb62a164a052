// Package apitest holds the reports and latency summaries that the tests of
// the API and of its dashboard page serve: figures derived from event counts
// the way an SLO processor derives them, so that no expected value is copied
// from the code under test. Its functions build new values on every call and
// are safe for concurrent use.
package apitest

import (
	"math"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// BaseTS is the time of the first sample report.
var BaseTS = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// SampleLatency is a day of traffic: mostly fast, a slow tail, and the last n
// request durations wandering around 60ms with two slow outliers.
func SampleLatency(n int) slo.LatencySummary {
	recent := make([]float64, n)
	for i := range recent {
		v := 62 + 21*math.Sin(float64(i)/4.3) + float64((i*37)%11)
		if i%23 == 17 {
			v += 310
		}
		recent[i] = math.Round(v*100) / 100
	}
	return slo.LatencySummary{
		Count:    18342,
		P50MS:    ptr(48.31),
		P95MS:    ptr(212.64),
		P99MS:    ptr(1684.2),
		Recent60: recent,
	}
}

// counts of one window: total events and bad ones.
type windowCounts struct {
	name       string
	total, bad float64
}

// sloSample describes one SLO by its counts per window; the report figures
// are derived from them.
type sloSample struct {
	name, desc string
	kind       slo.Kind
	objective  float64
	threshold  *float64
	actualMS   *float64
	windows    []windowCounts // the last one is the SLO window (30d)
}

// SampleReport is the n-th evaluation: every evaluation adds bad events to
// the webhook SLO so its budget shrinks from one report to the next.
func SampleReport(n int) slo.Report {
	ts := BaseTS.Add(time.Duration(n) * 15 * time.Minute)
	extra := float64(n * 7)
	samples := []sloSample{
		{
			name: "availability", desc: "Requests answered without a 5xx", kind: slo.KindAvailability, objective: 0.999,
			windows: []windowCounts{
				{"5m", 0, 0}, {"30m", 412, 0}, {"1h", 903, 1}, {"2h", 1811, 1}, {"6h", 5120, 3},
				{"1d", 20931, 9}, {"3d", 61877, 22}, {"30d", 612903, 173},
			},
		},
		{
			name: "latency_p95", desc: "95% of requests within 400ms", kind: slo.KindLatency, objective: 0.95,
			threshold: ptr(400.0), actualMS: ptr(412.7),
			windows: []windowCounts{
				{"5m", 71, 5}, {"30m", 412, 31}, {"1h", 903, 66}, {"2h", 1811, 130}, {"6h", 5120, 357},
				{"1d", 20931, 1396}, {"3d", 61877, 3571}, {"30d", 612903, 13877},
			},
		},
		{
			name: "webhook_success", desc: "Webhook deliveries that succeed", kind: slo.KindEvents, objective: 0.99,
			windows: []windowCounts{
				{"5m", 12, 3 + extra/7}, {"30m", 77, 13}, {"1h", 151, 23 + extra}, {"2h", 303, 31 + extra}, {"6h", 911, 70 + extra},
				{"1d", 3620, 201 + extra}, {"3d", 10877, 389 + extra}, {"30d", 104311, 733 + extra},
			},
		},
	}
	rep := slo.Report{
		TS: ts, Service: "sloguard-demo", WindowDays: 30, Source: "otel",
		SLOs: map[string]slo.SLOReport{}, Breaches: []string{},
	}
	worst := slo.StatusOK
	for _, s := range samples {
		r := buildSLOReport(s, ts)
		rep.SLOs[s.name] = r
		if rank(r.Status) > rank(worst) {
			worst = r.Status
		}
		// the Flask app's breaches: the SLI under target, or the latency over threshold
		overThreshold := r.ActualMS != nil && r.ThresholdMS != nil && *r.ActualMS > *r.ThresholdMS
		if r.ActualPct != nil && *r.ActualPct < r.Target || overThreshold {
			rep.Breaches = append(rep.Breaches, s.name)
		}
	}
	rep.OverallStatus = worst
	wh := rep.SLOs["webhook_success"]
	rep.Firing = []slo.Alert{
		{
			TS: ts, Event: "slo_alert", State: "firing", Name: "SLOErrorBudgetBurn", SLO: "webhook_success",
			Service: rep.Service, Severity: "page", LongWindow: "1h", ShortWindow: "5m",
			BurnRate: wh.BurnRates["1h"], Factor: 14.4, Breaches: rep.Breaches,
			BudgetRemainingPct: wh.ErrorBudget.RemainingPct, BudgetConsumedPct: wh.ErrorBudget.ConsumedPct,
			BurnPerDayPct: wh.ErrorBudget.BurnPerDayPct,
			Summary:       "webhook_success is burning its error budget 14.4 times too fast over 1h and 5m",
			StartsAt:      BaseTS.Add(-40 * time.Minute),
		},
		{
			TS: ts, Event: "slo_alert", State: "firing", Name: "SLOBudgetConsumed", SLO: "webhook_success",
			Service: rep.Service, Severity: "warning", Breaches: rep.Breaches,
			BudgetRemainingPct: wh.ErrorBudget.RemainingPct, BudgetConsumedPct: wh.ErrorBudget.ConsumedPct,
			BurnPerDayPct: wh.ErrorBudget.BurnPerDayPct,
			Summary:       "more than 50% of the webhook_success error budget is spent",
			StartsAt:      BaseTS.Add(-3 * time.Hour),
		},
	}
	return rep
}

func rank(s slo.Status) int {
	switch s {
	case slo.StatusCritical:
		return 3
	case slo.StatusWarning:
		return 2
	case slo.StatusOK:
		return 1
	}
	return 0
}

// buildSLOReport applies the design's definitions: budget consumed =
// (bad/total)/(1-objective); burn rate = error ratio/(1-objective); status
// from the share of the budget burned in the last day (<2% OK, 2-5% WARNING,
// >5% CRITICAL).
func buildSLOReport(s sloSample, ts time.Time) slo.SLOReport {
	budget := 1 - s.objective
	r := slo.SLOReport{
		Name: s.name, Description: s.desc, Kind: s.kind, Objective: s.objective,
		Target: math.Round(s.objective*1000) / 10, WindowDays: 30,
		ThresholdMS: s.threshold, ActualMS: s.actualMS,
		BurnRates: map[string]*float64{}, Windows: map[string]slo.Counts{},
	}
	var day windowCounts
	for _, w := range s.windows {
		r.Windows[w.name] = slo.Counts{Good: w.total - w.bad, Total: w.total}
		if w.total == 0 {
			r.BurnRates[w.name] = nil
			continue
		}
		r.BurnRates[w.name] = ptr((w.bad / w.total) / budget)
		if w.name == "1d" {
			day = w
		}
	}
	all := s.windows[len(s.windows)-1]
	r.Good, r.Bad, r.Total = all.total-all.bad, all.bad, all.total
	r.ActualPct = ptr(100 * r.Good / r.Total)
	allowed := budget * all.total
	consumed := 100 * all.bad / allowed
	perDay := 100 * day.bad / allowed
	r.ErrorBudget = slo.Budget{
		TotalPct: 100 - r.Target, AllowedBad: allowed,
		ConsumedPct: consumed, RemainingPct: 100 - consumed,
		BurnPerDayPct: perDay, Exhausted: consumed >= 100,
	}
	if perDay > 0 && consumed < 100 {
		hours := (100 - consumed) / perDay * 24
		if hours < 30*24 {
			r.ErrorBudget.HoursToExhaustion = ptr(hours)
			r.ErrorBudget.ExhaustionAt = ptr(ts.Add(time.Duration(hours * float64(time.Hour))))
		}
	}
	switch {
	case r.ErrorBudget.Exhausted || perDay > 5:
		r.Status = slo.StatusCritical
	case perDay >= 2:
		r.Status = slo.StatusWarning
	default:
		r.Status = slo.StatusOK
	}
	return r
}
