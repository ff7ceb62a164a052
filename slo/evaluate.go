package slo

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// Evaluate computes the state of one SLO at now from its event counts,
// keyed by the windows of ReportWindows(s.Window); a missing window counts
// as no events. It fills every field of the SLOReport but ActualMS, which
// needs the latency histogram.
//
// With no event in the SLO window the status is NO_DATA: counts 0,
// actual_pct and every burn rate null, nothing consumed. Otherwise the
// figures are those of budget.go over the SLO window, the burn per day uses
// the last day (the whole window if shorter), and the exhaustion forecast is
// taken at that last day's burn rate.
//
// A status worse than OK needs min_events events behind it: an exhausted
// budget is CRITICAL only when the SLO window holds MinEvents events, and
// the burn per day makes an SLO WARNING or CRITICAL only when the last day
// holds as many. Otherwise the status is LOW_TRAFFIC, with every figure
// still reported: one bad request out of one spends the whole budget, and
// must not turn the service CRITICAL. LowTraffic is set whenever the last
// day holds fewer than MinEvents events, even when the status is OK.
//
// A calendar SLO is evaluated as SLO.At(now) gives it: its window is the
// nominal length of the period that holds now (31d in a 31-day month), and
// counts[that window] holds the events since the period started, not those
// of the last 31 days: the budget restarts with every period. The report
// carries the period's start and end, and the exhaustion forecast stops at
// the period's end, when a new budget starts.
func Evaluate(s SLO, now time.Time, counts map[time.Duration]Counts) SLOReport {
	s, period, calendar := s.At(now)
	r := SLOReport{
		Name:        s.Name,
		Description: s.Description,
		Kind:        s.SLI.Kind,
		Objective:   s.Objective,
		Target:      round12(s.Objective * 100),
		WindowDays:  float64(s.Window) / float64(Day),
		BurnRates:   map[string]*float64{},
		Windows:     map[string]Counts{},
	}
	if calendar {
		start, end := period.Start, period.End
		r.PeriodStart, r.PeriodEnd = &start, &end
	}
	r.ErrorBudget.TotalPct = round12(ErrorBudget(s.Objective) * 100)
	if s.SLI.Kind == KindLatency {
		ms := float64(s.SLI.Threshold) / float64(time.Millisecond)
		r.ThresholdMS = &ms
	}
	for _, w := range ReportWindows(s.Window) {
		c := counts[w].clamped()
		name := WindowName(w)
		r.Windows[name] = c
		r.BurnRates[name] = nil
		if rate, ok := BurnRate(c, s.Objective); ok {
			r.BurnRates[name] = &rate
		}
	}

	c := counts[s.Window].clamped()
	if c.Total == 0 {
		r.Status = StatusNoData
		r.NoData = true
		r.ErrorBudget.RemainingPct = 100
		return r
	}
	r.Good, r.Bad, r.Total = c.Good, c.Bad(), c.Total
	actual := c.Good / c.Total * 100
	r.ActualPct = &actual

	b := &r.ErrorBudget
	b.AllowedBad = ErrorBudget(s.Objective) * c.Total
	b.ConsumedPct = BudgetConsumedPct(c, s.Objective)
	b.RemainingPct = 100 - b.ConsumedPct
	b.Exhausted = Exhausted(b.ConsumedPct)
	dayBurn, _ := BurnRate(counts[min(Day, s.Window)], s.Objective)
	b.BurnPerDayPct = BurnPerDayPct(dayBurn, s.Window)
	if !b.Exhausted {
		if d, ok := TimeToExhaustion(b.RemainingPct, dayBurn, s.Window); ok && (!calendar || !now.Add(d).After(period.End)) {
			at := now.Add(d)
			hours := d.Hours()
			b.ExhaustionAt, b.HoursToExhaustion = &at, &hours
		}
	}
	dayTotal := counts[min(Day, s.Window)].clamped().Total
	r.LowTraffic = dayTotal < s.MinEvents
	pace := StatusFor(Pace30dPct(b.BurnPerDayPct, s.Window), false)
	switch {
	case b.Exhausted && enoughEvents(s, c.Total):
		r.Status = StatusCritical
	case b.Exhausted:
		r.Status = StatusLowTraffic
	case pace != StatusOK && !enoughEvents(s, dayTotal):
		r.Status = StatusLowTraffic
	default:
		r.Status = pace
	}
	return r
}

// enoughEvents reports whether total events may decide a status or an
// alert of s: at least one, and at least s.MinEvents.
func enoughEvents(s SLO, total float64) bool { return total > 0 && total >= s.MinEvents }

// Breached reports whether an SLO is below its target over its window:
// actual < target, which is bad events over the budget (consumed over 100%).
// An SLO with no data is not breached.
func Breached(r SLOReport) bool {
	return !r.NoData && r.ActualPct != nil && above(r.ErrorBudget.ConsumedPct, 100)
}

// NewReport assembles the report of one evaluation: ts, service, window_days
// (the longest SLO window of the spec, in days), overall_status (the worst
// SLO status: CRITICAL, then WARNING, then UNKNOWN, then OK, then
// LOW_TRAFFIC; NO_DATA only when every SLO has no data), breaches (the breached SLOs, sorted) and the
// SLO reports by name. Source, Firing and Error are the caller's; Firing
// starts empty.
func NewReport(spec Spec, now time.Time, slos []SLOReport) Report {
	r := Report{
		TS:       now,
		Service:  spec.Service,
		Breaches: []string{},
		SLOs:     make(map[string]SLOReport, len(slos)),
		Firing:   []Alert{},
	}
	for _, s := range spec.At(now).SLOs {
		r.WindowDays = math.Max(r.WindowDays, float64(s.Window)/float64(Day))
	}
	overall := StatusNoData
	for _, s := range slos {
		r.SLOs[s.Name] = s
		if len(spec.SLOs) == 0 {
			r.WindowDays = math.Max(r.WindowDays, s.WindowDays)
		}
		if statusRank(s.Status) > statusRank(overall) {
			overall = s.Status
		}
		if Breached(s) && s.Status != StatusLowTraffic {
			r.Breaches = append(r.Breaches, s.Name)
		}
	}
	slices.Sort(r.Breaches)
	r.OverallStatus = overall
	return r
}

// statusRank orders statuses from the least to the most alarming. UNKNOWN
// is above OK: an SLO that could not be read may be failing.
func statusRank(s Status) int {
	switch s {
	case StatusCritical:
		return 5
	case StatusWarning:
		return 4
	case StatusUnknown:
		return 3
	case StatusOK:
		return 2
	case StatusLowTraffic:
		return 1
	default:
		return 0
	}
}

// round12 rounds x to 12 significant digits, for figures derived from a
// decimal percent only: 0.999 × 100 shows as 99.9.
func round12(x float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	if err != nil {
		return x
	}
	return r
}
