package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// alertRules returns one SLOErrorBudgetBurn rule per window pair, the
// Flask app's three alerts (SLOBreach, SLOBudgetBurnRate, SLOBudgetConsumed)
// and the SLOMetricAbsent rule: the alerts of slo.Alerter, with its
// names, severities and labels, and the absent-metric alert it cannot
// raise (it sees no metric, only counts).
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
	for _, t := range r.alertTiers {
		long, short := slo.WindowName(t.Long), slo.WindowName(t.Short)
		factor := number(t.Factor)
		conds := []string{equalSelector(ErrorRatioPrefix+long, r.labels).String() + " / " + budget + " > " + factor}
		if short != long { // floored windows of a short SLO may be one
			conds = append(conds, equalSelector(ErrorRatioPrefix+short, r.labels).String()+" / "+budget+" > "+factor)
		}
		if r.MinEvents > 0 {
			conds = append(conds, equalSelector(EventsPrefix+long, r.labels).String()+" >= "+number(r.MinEvents))
		}
		labels := r.alertLabels(BurnAlert, t.Severity)
		labels["long_window"] = long
		labels["short_window"] = short
		exhaustion := time.Duration(float64(r.Window) / t.Factor).Round(time.Minute)
		out = append(out, Rule{
			Alert:  r.BurnAlertName(),
			Expr:   strings.Join(conds, "\nand\n"),
			Labels: labels,
			Annotations: r.annotations(BurnAlert, t.Severity, map[string]string{
				"summary": fmt.Sprintf("%s: SLO %s is burning its error budget at more than %s× the sustainable rate over %s and %s",
					r.service, r.Name, factor, long, short),
				"description": fmt.Sprintf("SLO %s of %s (%s%% of events good over %s) failed more than %s%% of its events over both the last %s and the last %s: more than %s× the rate that spends exactly the whole budget in %s. At this rate %s%% of the budget goes in %s, and all of it in %s.",
					r.Name, r.service, percent(r.Objective), windowName, percent(t.Factor*r.budget), long, short,
					factor, windowName, percent(t.BudgetShare), long, slo.WindowName(exhaustion)),
				"runbook":   g.cfg.runbook + "#" + strings.ToLower(BurnAlert),
				"burn_rate": valueFigure,
			}),
		})
	}
	out = append(out, g.budgetRules(r)...)
	if !r.Raises(AbsentAlert) {
		return out
	}

	// The fastest long window (1h for 30 days): OTel creates a series on its
	// first measurement, so a restarted service shows no metric until its
	// first request; a quiet hour is worth a ticket, a quiet minute is not.
	absentFor := r.tiers[0].Long
	out = append(out, Rule{
		Alert:  AbsentAlert,
		Expr:   r.q.absent(slo.WindowName(r.windows[0])),
		For:    slo.WindowName(absentFor),
		Labels: r.alertLabels(AbsentAlert, "ticket"),
		Annotations: r.annotations(AbsentAlert, "ticket", map[string]string{
			"summary": fmt.Sprintf("%s: SLO %s has no data: its SLI metric is absent", r.service, r.Name),
			"description": fmt.Sprintf("Prometheus has had no series of %s for %s: SLO %s of %s cannot be evaluated and none of its burn-rate alerts can fire. Check that the service runs, records the metric and is scraped.",
				r.q.absentWhat(slo.WindowName(r.windows[0])), slo.WindowName(absentFor), r.Name, r.service),
			"runbook": g.cfg.runbook + "#" + strings.ToLower(AbsentAlert),
		}),
	})
	return out
}

// alertLabels are the labels of the SLO's alert of that sloguard name and
// severity: slo, service, the SLO's labels and those of its alert
// settings, and the severity.
func (r sloRules) alertLabels(name, severity string) map[string]string {
	labels := maps.Clone(r.labels)
	maps.Copy(labels, r.AlertLabels(name, severity))
	labels["severity"] = severity
	return labels
}

// annotations puts the annotations of the SLO's alert settings over
// sloguard's own.
func (r sloRules) annotations(name, severity string, own map[string]string) map[string]string {
	maps.Copy(own, r.AlertAnnotations(name, severity))
	return own
}

// budgetRules are the Flask app's alerts (slo_guard.py's), each guarded like the processor's:
// at least MinEvents events in the window it reads (the SLO window, or the
// last day for the burn per day). The value of each expression is the
// figure its summary shows.
func (g *generator) budgetRules(r sloRules) []Rule {
	window, day := slo.WindowName(r.Window), slo.WindowName(r.day)
	id := fmt.Sprintf("SLO %s of %s", r.Name, r.service)
	guarded := func(cond string, w string) string {
		if r.MinEvents <= 0 {
			return cond
		}
		return cond + "\nand\n" + equalSelector(EventsPrefix+w, r.labels).String() + " >= " + number(r.MinEvents)
	}
	ratio := func(w string) string { return equalSelector(ErrorRatioPrefix+w, r.labels).String() }
	rule := func(name, severity, expr string, annotations map[string]string) Rule {
		annotations["runbook"] = g.cfg.runbook + "#" + strings.ToLower(name)
		return Rule{Alert: name, Expr: expr, Labels: r.alertLabels(name, severity), Annotations: r.annotations(name, severity, annotations)}
	}
	guard := ""
	if r.MinEvents > 0 {
		guard = fmt.Sprintf(", with at least %s events in the window", number(r.MinEvents))
	}

	// Burn per day: the share of the window's budget the last day spent,
	// day ratio / (budget × window / 1 day) (a window shorter than a day is
	// its own day, its figure extrapolated to a day); the processor alerts
	// when its pace for a 30-day window, that × window / 30d, is above 2%.
	perDay := r.budget * float64(r.Window) / float64(slo.Day)
	dayLimit := slo.WarningBurnPerDayPct / 100 * float64(slo.DefaultWindow) / float64(r.Window)
	return slices.DeleteFunc([]Rule{
		rule(BreachAlert, "critical",
			guarded("100 * (1 - "+ratio(window)+") < "+percent(r.Objective), window),
			map[string]string{
				"summary": fmt.Sprintf("%s is at %s%% over the last %s, target %s%%", id, valueFigure, window, percent(r.Objective)),
				"description": fmt.Sprintf("%s has had fewer than %s%% of its events good over the last %s%s: the objective is missed and the error budget is spent.",
					id, percent(r.Objective), window, guard),
			}),
		rule(BurnDayAlert, "warning",
			guarded(ratio(day)+" / "+number(perDay)+" * 100 > "+percent(dayLimit), day),
			map[string]string{
				"summary": fmt.Sprintf("%s burned %s%% of its %s error budget in the last day (alert above %s%%)", id, valueFigure, window, percent(dayLimit)),
				"description": fmt.Sprintf("%s spent more than %s%% of its %s error budget over the last %s%s: faster than %s%% of a 30-day budget a day, the pace above which its status is WARNING.",
					id, percent(dayLimit), window, day, guard, number(slo.WarningBurnPerDayPct)),
			}),
		rule(ConsumedAlert, "warning",
			guarded(ratio(window)+" / "+number(r.budget)+" * 100 > "+number(slo.ConsumedAlertPct), window),
			map[string]string{
				"summary": fmt.Sprintf("%s has consumed %s%% of its %s error budget (alert above %s%%)", id, valueFigure, window, number(slo.ConsumedAlertPct)),
				"description": fmt.Sprintf("%s has spent more than %s%% of the errors its objective allows over the last %s%s.",
					id, number(slo.ConsumedAlertPct), window, guard),
			}),
	}, func(rl Rule) bool { return !r.Raises(rl.Alert) })
}

// valueFigure prints an alert's value in an annotation, as the processor's
// summaries do: two decimals.
const valueFigure = `{{ printf "%.2f" $value }}`
