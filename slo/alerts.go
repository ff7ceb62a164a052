package slo

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Alert names.
const (
	AlertErrorBudgetBurn = "SLOErrorBudgetBurn"
	AlertBreach          = "SLOBreach"
	AlertBudgetBurnRate  = "SLOBudgetBurnRate"
	AlertBudgetConsumed  = "SLOBudgetConsumed"
)

// Alert states and the event name of every alert.
const (
	StateFiring   = "firing"
	StateResolved = "resolved"
	AlertEvent    = "slo_alert"
)

// Alerter decides which alerts fire from one report to the next. It is a
// pure state machine: it keeps the firing alerts and takes time from the
// reports. It is safe for concurrent use, though reports must reach it in
// order.
//
// Per SLO it raises:
//   - SLOErrorBudgetBurn, one per window pair of AlertWindows (severity page
//     or ticket): the burn rate over both the long and the short window is
//     above the pair's factor, and the long window holds at least MinEvents
//     events;
//   - SLOBreach (critical): actual below target over the SLO window;
//   - SLOBudgetBurnRate (warning): more than 2% of the budget burned in the
//     last day;
//   - SLOBudgetConsumed (warning): more than 50% of the budget consumed.
//
// The last three also need MinEvents events, in the SLO window for breach
// and consumed and in the last day for the burn: one failed request out of
// one is 100% bad, and must not raise any alert.
type Alerter struct {
	mu     sync.Mutex
	firing map[alertKey]Alert
}

// alertKey identifies an alert across evaluations.
type alertKey struct {
	name, slo, long, short string
}

func keyOf(a Alert) alertKey { return alertKey{a.Name, a.SLO, a.LongWindow, a.ShortWindow} }

// NewAlerter returns an Alerter that resumes the alerts that were firing
// before a restart (those of firing in state "firing"; the others are
// ignored): they are not announced again while they keep firing, and are
// resolved, with their original StartsAt, when they stop.
func NewAlerter(firing []Alert) *Alerter {
	a := &Alerter{firing: map[alertKey]Alert{}}
	for _, al := range firing {
		if al.State == StateFiring {
			a.firing[keyOf(al)] = cloneAlert(al)
		}
	}
	return a
}

// Firing returns the alerts firing now, sorted.
func (a *Alerter) Firing() []Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sortedFiring()
}

func (a *Alerter) sortedFiring() []Alert {
	out := make([]Alert, 0, len(a.firing))
	for _, al := range a.firing {
		out = append(out, cloneAlert(al))
	}
	sortAlerts(out)
	return out
}

// Update applies the report r of spec at r.TS. changed holds the alerts
// that started firing (state firing, StartsAt r.TS) and those that stopped
// (state resolved, EndsAt r.TS, StartsAt kept); firing holds every alert
// firing after r, with its current figures. Both are sorted and never nil.
//
// A report with Error set changes nothing: the source being down is no news
// about the SLOs. The same holds for one SLO whose report is missing or
// UNKNOWN. The alerts of an SLO no longer in spec are resolved.
func (a *Alerter) Update(spec Spec, r Report) (changed, firing []Alert) {
	a.mu.Lock()
	defer a.mu.Unlock()
	changed = []Alert{}
	if r.Error != "" {
		return changed, a.sortedFiring()
	}
	ts := r.TS
	active := map[alertKey]Alert{}
	held := map[string]bool{}
	slos := map[string]SLO{}
	for _, s := range spec.SLOs {
		slos[s.Name] = s
		sr, ok := r.SLOs[s.Name]
		if !ok || sr.Status == StatusUnknown {
			held[s.Name] = true
			continue
		}
		for _, al := range conditions(spec, r, s, sr) {
			if s.Raises(al.Name) {
				al = decorate(s, al)
				active[keyOf(al)] = al
			}
		}
	}
	for k, cur := range a.firing {
		if _, still := active[k]; still || held[k.slo] {
			continue
		}
		res := cur
		if s, ok := slos[k.slo]; ok {
			sr := r.SLOs[s.Name]
			res = decorate(s, describe(spec, r, s, sr, alertBase(spec, r, s, sr, cur.Kind(), cur.Severity), cur.Factor, cur.LongWindow, cur.ShortWindow))
			res.Summary = "resolved; now " + res.Summary
		} else {
			res.Breaches = breachList(r)
			res.Summary = fmt.Sprintf("resolved: SLO %s is no longer in the spec of %s", k.slo, res.Service)
		}
		res.State = StateResolved
		res.TS = ts
		res.StartsAt = cur.StartsAt
		res.EndsAt = &ts
		changed = append(changed, res)
		delete(a.firing, k)
	}
	for k, al := range active {
		if prev, ok := a.firing[k]; ok {
			al.StartsAt = prev.StartsAt
		} else {
			al.StartsAt = ts
			changed = append(changed, cloneAlert(al))
		}
		a.firing[k] = al
	}
	sortAlerts(changed)
	return changed, a.sortedFiring()
}

// conditions returns the alerts of one SLO that the report says are firing.
func conditions(spec Spec, r Report, s SLO, sr SLOReport) []Alert {
	var out []Alert
	if sr.NoData {
		return nil
	}
	enough := func(total float64) bool { return enoughEvents(s, total) }
	for _, bw := range s.BurnWindows(AlertWindows(s.Window)) {
		long, short := WindowName(bw.Long), WindowName(bw.Short)
		bl, bs := sr.BurnRates[long], sr.BurnRates[short]
		if bl == nil || bs == nil || !above(*bl, bw.Factor) || !above(*bs, bw.Factor) || !enough(sr.Windows[long].Total) {
			continue
		}
		out = append(out, describe(spec, r, s, sr, alertBase(spec, r, s, sr, AlertErrorBudgetBurn, bw.Severity), bw.Factor, long, short))
	}
	if Breached(sr) && enough(sr.Total) {
		out = append(out, describe(spec, r, s, sr, alertBase(spec, r, s, sr, AlertBreach, "critical"), 0, "", ""))
	}
	day := WindowName(min(Day, s.Window))
	if above(Pace30dPct(sr.ErrorBudget.BurnPerDayPct, s.Window), WarningBurnPerDayPct) && enough(sr.Windows[day].Total) {
		out = append(out, describe(spec, r, s, sr, alertBase(spec, r, s, sr, AlertBudgetBurnRate, "warning"), 0, "", ""))
	}
	if above(sr.ErrorBudget.ConsumedPct, ConsumedAlertPct) && enough(sr.Total) {
		out = append(out, describe(spec, r, s, sr, alertBase(spec, r, s, sr, AlertBudgetConsumed, "warning"), 0, "", ""))
	}
	return out
}

// decorate applies the SLO's alert settings to one of its alerts, named
// as sloguard names it: the burn-rate alerts' name, the labels and the
// annotations of Alerting. Disabled alerts are left out before.
func decorate(s SLO, a Alert) Alert {
	kind := a.Name
	if kind == AlertErrorBudgetBurn {
		a.Name = s.BurnAlertName()
	}
	a.Labels = s.AlertLabels(kind, a.Severity)
	a.Annotations = s.AlertAnnotations(kind, a.Severity)
	return a
}

// Kind is the sloguard name of the alert (AlertErrorBudgetBurn,
// AlertBreach...) whatever SLO.Alerting named it: only burn-rate alerts
// have windows. Runbook links key on it.
func (a Alert) Kind() string {
	if a.LongWindow != "" {
		return AlertErrorBudgetBurn
	}
	return a.Name
}

// alertBase fills the fields every alert of s carries in report r.
func alertBase(spec Spec, r Report, s SLO, sr SLOReport, name, severity string) Alert {
	service := r.Service
	if service == "" || s.Service != "" {
		service = spec.ServiceOf(s)
	}
	var labels map[string]string
	if len(s.Labels) > 0 {
		labels = maps.Clone(s.Labels)
	}
	return Alert{
		TS:                 r.TS,
		Event:              AlertEvent,
		State:              StateFiring,
		Name:               name,
		SLO:                s.Name,
		Service:            service,
		Severity:           severity,
		Breaches:           breachList(r),
		BudgetRemainingPct: sr.ErrorBudget.RemainingPct,
		BudgetConsumedPct:  sr.ErrorBudget.ConsumedPct,
		BurnPerDayPct:      sr.ErrorBudget.BurnPerDayPct,
		P95LatencyMS:       latencyMS(spec, r, s),
		Labels:             labels,
	}
}

// describe adds the burn-rate fields (for SLOErrorBudgetBurn) and the summary.
func describe(spec Spec, r Report, s SLO, sr SLOReport, a Alert, factor float64, long, short string) Alert {
	id := fmt.Sprintf("SLO %s of %s", s.Name, a.Service)
	window := WindowName(s.Window)
	switch a.Name {
	case AlertErrorBudgetBurn:
		a.LongWindow, a.ShortWindow, a.Factor = long, short, factor
		if bl := sr.BurnRates[long]; bl != nil {
			v := *bl
			a.BurnRate = &v
		}
		a.Summary = fmt.Sprintf("%s burns its error budget %s× as fast as the objective allows over the last %s and %s× over the last %s (%s above %s×)",
			id, num(deref(sr.BurnRates[long])), long, num(deref(sr.BurnRates[short])), short, a.Severity, num(factor))
		if bl := deref(sr.BurnRates[long]); bl > 0 {
			a.Summary += fmt.Sprintf("; at that rate the %s budget lasts %s", window, humanDuration(time.Duration(float64(s.Window)/bl)))
		}
	case AlertBreach:
		actual := "no data"
		if sr.ActualPct != nil {
			actual = num(*sr.ActualPct) + "%"
		}
		a.Summary = fmt.Sprintf("%s is at %s over the last %s, target %s%%", id, actual, window, num(sr.Target))
	case AlertBudgetBurnRate:
		a.Summary = fmt.Sprintf("%s burned %s%% of its %s error budget in the last day (alert above %s%%)", id, num(sr.ErrorBudget.BurnPerDayPct), window, num(WarningBurnPerDayPct))
	case AlertBudgetConsumed:
		a.Summary = fmt.Sprintf("%s has consumed %s%% of its %s error budget (alert above %s%%)", id, num(sr.ErrorBudget.ConsumedPct), window, num(ConsumedAlertPct))
	}
	return a
}

// latencyMS is the observed latency of s if it is a latency SLO, else of the
// first latency SLO of the spec that has one: the Flask app's p95_latency_ms.
func latencyMS(spec Spec, r Report, s SLO) *float64 {
	candidates := append([]SLO{s}, spec.SLOs...)
	for _, o := range candidates {
		if o.SLI.Kind != KindLatency {
			continue
		}
		if ms := r.SLOs[o.Name].ActualMS; ms != nil {
			v := *ms
			return &v
		}
	}
	return nil
}

func sortAlerts(as []Alert) {
	slices.SortFunc(as, func(x, y Alert) int {
		return cmp.Or(
			cmp.Compare(x.SLO, y.SLO),
			cmp.Compare(x.Name, y.Name),
			-cmp.Compare(x.Factor, y.Factor),
			cmp.Compare(x.LongWindow, y.LongWindow),
			cmp.Compare(x.ShortWindow, y.ShortWindow),
		)
	})
}

func cloneAlert(a Alert) Alert {
	a.Breaches = slices.Clone(a.Breaches)
	if a.Labels != nil {
		a.Labels = maps.Clone(a.Labels)
	}
	if a.Annotations != nil {
		a.Annotations = maps.Clone(a.Annotations)
	}
	if a.BurnRate != nil {
		v := *a.BurnRate
		a.BurnRate = &v
	}
	if a.P95LatencyMS != nil {
		v := *a.P95LatencyMS
		a.P95LatencyMS = &v
	}
	if a.EndsAt != nil {
		v := *a.EndsAt
		a.EndsAt = &v
	}
	return a
}

// breachList copies the report's breaches; never nil, so that the JSON
// field is a list.
func breachList(r Report) []string {
	if r.Breaches == nil {
		return []string{}
	}
	return slices.Clone(r.Breaches)
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// num formats a figure for a summary: two decimals at most, three
// significant digits below 1.
func num(x float64) string {
	if math.Abs(x) < 1 && x != 0 {
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
}

// humanDuration writes d in its largest whole unit with one decimal: 2.1d, 5h, 12m.
func humanDuration(d time.Duration) string {
	switch {
	case d >= Day:
		return num(math.Round(d.Hours()/24*10)/10) + "d"
	case d >= time.Hour:
		return num(math.Round(d.Hours()*10)/10) + "h"
	case d >= time.Minute:
		return num(math.Round(d.Minutes()*10)/10) + "m"
	default:
		return num(math.Round(d.Seconds()*10)/10) + "s"
	}
}
