package rules

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// alertRules returns one SLOErrorBudgetBurn rule per window pair, then the
// SLOMetricAbsent rule.
//
// A pair fires when the burn rate (error ratio / error budget) over both
// its long and its short window exceeds the pair's factor and, when the SLO
// sets MinEvents, the long window holds at least that many events. Each
// condition reads a recorded series that is absent when its window holds no
// event, and "and" drops what is absent: no traffic never fires.
func (g *generator) alertRules(r sloRules) []Rule {
	budget := number(r.budget)
	windowName := slo.WindowName(r.Window)
	var out []Rule
	for _, t := range r.tiers {
		long, short := slo.WindowName(t.Long), slo.WindowName(t.Short)
		factor := number(t.Factor)
		conds := []string{
			equalSelector(ErrorRatioPrefix+long, r.labels).String() + " / " + budget + " > " + factor,
			equalSelector(ErrorRatioPrefix+short, r.labels).String() + " / " + budget + " > " + factor,
		}
		if r.MinEvents > 0 {
			conds = append(conds, equalSelector(EventsPrefix+long, r.labels).String()+" >= "+number(r.MinEvents))
		}
		labels := maps.Clone(r.labels)
		labels["severity"] = t.Severity
		labels["long_window"] = long
		labels["short_window"] = short
		exhaustion := time.Duration(float64(r.Window) / t.Factor).Round(time.Minute)
		out = append(out, Rule{
			Alert:  BurnAlert,
			Expr:   strings.Join(conds, "\nand\n"),
			Labels: labels,
			Annotations: map[string]string{
				"summary": fmt.Sprintf("%s: SLO %s is burning its error budget at more than %s× the sustainable rate over %s and %s",
					r.service, r.Name, factor, long, short),
				"description": fmt.Sprintf("SLO %s of %s (%s%% of events good over %s) failed more than %s%% of its events over both the last %s and the last %s: more than %s× the rate that spends exactly the whole budget in %s. At this rate %s%% of the budget goes in %s, and all of it in %s.",
					r.Name, r.service, percent(r.Objective), windowName, percent(t.Factor*r.budget), long, short,
					factor, windowName, percent(t.BudgetShare), long, slo.WindowName(exhaustion)),
				"runbook": g.cfg.runbook + "#" + strings.ToLower(BurnAlert),
			},
		})
	}

	// The fastest long window (1h for 30 days): OTel creates a series on its
	// first measurement, so a restarted service shows no metric until its
	// first request; a quiet hour is worth a ticket, a quiet minute is not.
	absentFor := r.tiers[0].Long
	absentLabels := maps.Clone(r.labels)
	absentLabels["severity"] = "ticket"
	out = append(out, Rule{
		Alert:  AbsentAlert,
		Expr:   r.q.absent(slo.WindowName(r.windows[0])),
		For:    slo.WindowName(absentFor),
		Labels: absentLabels,
		Annotations: map[string]string{
			"summary": fmt.Sprintf("%s: SLO %s has no data: its SLI metric is absent", r.service, r.Name),
			"description": fmt.Sprintf("Prometheus has had no series of %s for %s: SLO %s of %s cannot be evaluated and none of its burn-rate alerts can fire. Check that the service runs, records the metric and is scraped.",
				r.q.absentWhat(slo.WindowName(r.windows[0])), slo.WindowName(absentFor), r.Name, r.service),
			"runbook": g.cfg.runbook + "#" + strings.ToLower(AbsentAlert),
		},
	})
	return out
}
