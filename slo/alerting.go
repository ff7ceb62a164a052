package slo

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// AlertMetricAbsent is the alert the rules raise when an SLI's total
// series is absent (see slo/rules).
const AlertMetricAbsent = "SLOMetricAbsent"

// AlertNames lists every alert sloguard raises for an SLO, the names
// Alerting.Disabled takes.
func AlertNames() []string {
	return []string{AlertErrorBudgetBurn, AlertBreach, AlertBudgetBurnRate, AlertBudgetConsumed, AlertMetricAbsent}
}

// Alerting is how the alerts of one SLO differ from those sloguard raises
// for every SLO. The zero value changes nothing: every alert, named and
// labelled as documented. Every engine honours it: slo.Alerter (embedded
// and Prometheus source) and the rules.
type Alerting struct {
	// Name, when set, is the alert name of the SLO's burn-rate alerts,
	// page and ticket, instead of SLOErrorBudgetBurn (Sloth's and Pyrra's
	// alerting.name): Alertmanager routes, inhibits and silences by
	// alertname, so a spec that names its alerts means that name to reach
	// it. Their runbook link still goes to the SLOErrorBudgetBurn section,
	// which explains what such an alert means; the other alerts keep their
	// names.
	Name string
	// Labels and Annotations are put on every alert of the SLO: labels
	// over the SLO's own Labels, annotations over sloguard's (a summary
	// given here replaces sloguard's in what Alertmanager shows).
	Labels      map[string]string
	Annotations map[string]string
	// Page and Ticket apply to the burn-rate alerts of that severity.
	Page, Ticket AlertClass
	// Disabled names alerts of AlertNames this SLO does not raise (Pyrra's
	// burnrates: false is SLOErrorBudgetBurn, absent: false
	// SLOMetricAbsent, disabled: true all of them), in the order given.
	Disabled []string
	// Policies, when there are any, are the OpenSLO alert policies of the
	// SLO, each selecting one burn-rate window pair: the pairs no policy
	// selects are not raised. They keep what an OpenSLO file says of them
	// so that an export writes them back.
	Policies []AlertPolicy
}

// AlertClass holds the settings of the burn-rate alerts of one severity
// (Sloth's page_alert and ticket_alert).
type AlertClass struct {
	// Disabled turns the burn-rate alerts of this severity off.
	Disabled    bool
	Labels      map[string]string
	Annotations map[string]string
}

// BurnPair names one window pair of the burn-rate alerts independently of
// the SLO's window, as Sloth's AlertWindows do: its severity, page or
// ticket, and whether it is the quick pair (shorter windows, higher
// factor: 1h/5m at 14.4 for page at 30 days) or the slow one of the
// severity.
type BurnPair struct {
	Severity string
	Slow     bool
}

// String is "page quick", "ticket slow"...
func (p BurnPair) String() string {
	if p.Slow {
		return p.Severity + " slow"
	}
	return p.Severity + " quick"
}

// BurnPairs are the four pairs, in the order of AlertWindows.
func BurnPairs() []BurnPair {
	return []BurnPair{{"page", false}, {"page", true}, {"ticket", false}, {"ticket", true}}
}

// PairOf names the pair ws[i] is: the first of its severity in ws is the
// quick one (AlertWindows and AlertWindowSets list quick before slow).
func PairOf(ws []BurnWindow, i int) BurnPair {
	slow := false
	for _, w := range ws[:i] {
		if w.Severity == ws[i].Severity {
			slow = true
		}
	}
	return BurnPair{Severity: ws[i].Severity, Slow: slow}
}

// AlertPolicy is an OpenSLO alert policy of an SLO with its one
// condition, which selects a burn-rate window pair.
type AlertPolicy struct {
	Name, DisplayName, Description string
	// Pair is the window pair the condition describes (its lookback window
	// and threshold are those of AlertWindows for the SLO's window).
	Pair BurnPair
	// Condition is the AlertCondition's name; ConditionDescription its
	// description.
	Condition, ConditionDescription string
	// Targets are the policy's notification targets: sloguard delivers to
	// the sinks it is given, and keeps them for export.
	Targets []NotificationTarget
}

// NotificationTarget is an OpenSLO AlertNotificationTarget.
type NotificationTarget struct {
	Name, Description, Target string
}

// IsZero reports whether a changes nothing.
func (a Alerting) IsZero() bool {
	return a.Name == "" && len(a.Labels) == 0 && len(a.Annotations) == 0 &&
		a.Page.isZero() && a.Ticket.isZero() && len(a.Disabled) == 0 && len(a.Policies) == 0
}

func (c AlertClass) isZero() bool {
	return !c.Disabled && len(c.Labels) == 0 && len(c.Annotations) == 0
}

// Class returns the settings of the burn-rate alerts of severity.
func (a Alerting) Class(severity string) AlertClass {
	switch severity {
	case "page":
		return a.Page
	case "ticket":
		return a.Ticket
	}
	return AlertClass{}
}

// Raises reports whether the SLO raises the alert of that sloguard name
// at all (a burn-rate pair may still be off, see BurnWindows).
func (s SLO) Raises(name string) bool { return !slices.Contains(s.Alerting.Disabled, name) }

// BurnAlertName is the alert name of the SLO's burn-rate alerts.
func (s SLO) BurnAlertName() string {
	if s.Alerting.Name != "" {
		return s.Alerting.Name
	}
	return AlertErrorBudgetBurn
}

// BurnWindows returns the window pairs of ws (as AlertWindows or
// AlertWindowSets.Windows give them, before any flooring) that the SLO
// raises alerts for: none when SLOErrorBudgetBurn is disabled, not those
// of a disabled severity, and with policies only those they select.
func (s SLO) BurnWindows(ws []BurnWindow) []BurnWindow {
	out := make([]BurnWindow, 0, len(ws))
	if !s.Raises(AlertErrorBudgetBurn) {
		return out
	}
	for i, w := range ws {
		if s.Alerting.Class(w.Severity).Disabled || !s.selects(PairOf(ws, i)) {
			continue
		}
		out = append(out, w)
	}
	return out
}

func (s SLO) selects(p BurnPair) bool {
	if len(s.Alerting.Policies) == 0 {
		return true
	}
	return slices.ContainsFunc(s.Alerting.Policies, func(ap AlertPolicy) bool { return ap.Pair == p })
}

// AlertLabels are the labels of the SLO's alert of that sloguard name and
// severity, below those sloguard sets itself (slo, service, severity and
// the windows): the SLO's labels, then Alerting.Labels, then the class's
// for a burn-rate alert. Nil when there are none.
func (s SLO) AlertLabels(name, severity string) map[string]string {
	return merged(s.Labels, s.Alerting.Labels, s.classOf(name, severity).Labels)
}

// AlertAnnotations are the annotations the spec gives the SLO's alert of
// that sloguard name and severity: Alerting.Annotations, then the class's
// for a burn-rate alert. They replace sloguard's own of the same name.
func (s SLO) AlertAnnotations(name, severity string) map[string]string {
	return merged(s.Alerting.Annotations, s.classOf(name, severity).Annotations)
}

func (s SLO) classOf(name, severity string) AlertClass {
	if name != AlertErrorBudgetBurn {
		return AlertClass{}
	}
	return s.Alerting.Class(severity)
}

func merged(ms ...map[string]string) map[string]string {
	var out map[string]string
	for _, m := range ms {
		if len(m) == 0 {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		maps.Copy(out, m)
	}
	return out
}

// alertNameRE is what Prometheus accepts as an alerting rule's name.
var alertNameRE = regexp.MustCompile(`^[A-Za-z_:][A-Za-z0-9_:]*$`)

// validateAlerting checks the alert settings of one SLO (field is its
// path, slos[i]).
func validateAlerting(a Alerting, field string, add func(string, string, ...any)) {
	af := field + ".alerting"
	if a.Name != "" {
		switch {
		case !alertNameRE.MatchString(a.Name):
			add(af+".name", "%q is not a valid alert name: use letters, digits, _ and :, not starting with a digit", a.Name)
		case a.Name != AlertErrorBudgetBurn && slices.Contains(AlertNames(), a.Name):
			add(af+".name", "%q is the name of another of sloguard's alerts: name the burn-rate alerts otherwise", a.Name)
		}
	}
	validateAlertLabels(a.Labels, af+".labels", add)
	validateAnnotations(a.Annotations, af+".annotations", add)
	for _, c := range []struct {
		name  string
		class AlertClass
	}{{"page", a.Page}, {"ticket", a.Ticket}} {
		validateAlertLabels(c.class.Labels, af+"."+c.name+".labels", add)
		validateAnnotations(c.class.Annotations, af+"."+c.name+".annotations", add)
	}
	seen := map[string]bool{}
	for i, n := range a.Disabled {
		df := fmt.Sprintf("%s.disable[%d]", af, i)
		switch {
		case !slices.Contains(AlertNames(), n):
			add(df, "%q is not an alert sloguard raises; they are %s", n, strings.Join(AlertNames(), ", "))
		case seen[n]:
			add(df, "%q is listed twice", n)
		}
		seen[n] = true
	}
	pairs := map[BurnPair]int{}
	for i, p := range a.Policies {
		pf := fmt.Sprintf("%s.policies[%d]", af, i)
		if p.Name == "" {
			add(pf+".name", "missing: every alert policy has a name")
		}
		if !slices.Contains(BurnPairs(), p.Pair) {
			add(pf+".alert", "%q is not a burn-rate window pair: page or ticket, quick or slow", p.Pair)
		} else if first, dup := pairs[p.Pair]; dup {
			add(pf+".alert", "selects the %s burn-rate alert, as policies[%d] does: one policy per alert", p.Pair, first)
		} else {
			pairs[p.Pair] = i
		}
		for j, t := range p.Targets {
			tf := fmt.Sprintf("%s.notification_targets[%d]", pf, j)
			if t.Name == "" {
				add(tf+".name", "missing: every notification target has a name")
			}
			if t.Target == "" {
				add(tf+".target", "missing: where the alerts go, like email or slack")
			}
		}
	}
}

func validateAlertLabels(m map[string]string, field string, add func(string, string, ...any)) {
	for _, k := range sortedKeys(m) {
		lf := field + "." + k
		switch {
		case !labelNameRE.MatchString(k) || strings.HasPrefix(k, "__"):
			add(lf, "%q is not a valid label name: use letters, digits and _, not starting with a digit or __", k)
		case slices.Contains(reservedLabels, k):
			add(lf, "%q is set by sloguard itself; reserved: %s", k, strings.Join(reservedLabels, ", "))
		}
		if m[k] == "" {
			add(lf, "empty value: a label needs a value")
		}
	}
}

func validateAnnotations(m map[string]string, field string, add func(string, string, ...any)) {
	for _, k := range sortedKeys(m) {
		if !labelNameRE.MatchString(k) || strings.HasPrefix(k, "__") {
			add(field+"."+k, "%q is not a valid annotation name: use letters, digits and _, not starting with a digit or __", k)
		}
	}
}
