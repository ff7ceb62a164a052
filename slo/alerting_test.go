package slo

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

// burning is traffic of s at 20× the sustainable rate over every window:
// every burn-rate pair and all three budget alerts fire.
func burning(s SLO) map[time.Duration]Counts { return traffic(s, 20, nil) }

func updateOnce(t *testing.T, spec Spec, counts map[time.Duration]Counts) []Alert {
	t.Helper()
	changed, _ := NewAlerter(nil).Update(spec, reportAt(at(0), spec, map[string]map[time.Duration]Counts{spec.SLOs[0].Name: counts}))
	return changed
}

func TestAlerterHonoursTheAlertSettingsOfAnSLO(t *testing.T) {
	every := []string{
		"firing SLOBreach availability critical",
		"firing SLOBudgetBurnRate availability warning",
		"firing SLOBudgetConsumed availability warning",
		"firing SLOErrorBudgetBurn availability page 1h/5m>14.4",
		"firing SLOErrorBudgetBurn availability page 6h/30m>6",
		"firing SLOErrorBudgetBurn availability ticket 1d/2h>3",
		"firing SLOErrorBudgetBurn availability ticket 3d/6h>1",
	}
	tests := []struct {
		name     string
		alerting Alerting
		want     []string
	}{
		{"the zero value raises every alert", Alerting{}, every},
		{
			"a disabled page class raises the tickets only", Alerting{Page: AlertClass{Disabled: true}},
			[]string{every[0], every[1], every[2], every[5], every[6]},
		},
		{
			"a disabled ticket class raises the pages only", Alerting{Ticket: AlertClass{Disabled: true}},
			every[:5],
		},
		{
			"disabled alerts by name are not raised", Alerting{Disabled: []string{AlertBreach, AlertBudgetConsumed}},
			[]string{every[1], every[3], every[4], every[5], every[6]},
		},
		{
			"burn-rate alerts disabled by name leave the budget alerts", Alerting{Disabled: []string{AlertErrorBudgetBurn}},
			every[:3],
		},
		{
			"policies raise the burn-rate pairs they select and no other",
			Alerting{Policies: []AlertPolicy{{Name: "fast", Pair: BurnPair{"page", false}}, {Name: "slow-ticket", Pair: BurnPair{"ticket", true}}}},
			[]string{every[0], every[1], every[2], every[3], every[6]},
		},
		{
			"a name override renames the burn-rate alerts only", Alerting{Name: "CheckoutHighErrorRate", Ticket: AlertClass{Disabled: true}},
			[]string{every[0], every[1], every[2], "firing CheckoutHighErrorRate availability page 1h/5m>14.4", "firing CheckoutHighErrorRate availability page 6h/30m>6"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := alertSpec()
			spec.SLOs[0].Alerting = tt.alerting
			if err := spec.Validate(nil); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			got := updateOnce(t, spec, burning(spec.SLOs[0]))
			if !reflect.DeepEqual(sortedSigs(sigs(got)), sortedSigs(tt.want)) {
				t.Errorf("firing %q,\nwant %q", sortedSigs(sigs(got)), sortedSigs(tt.want))
			}
		})
	}
}

// sortedSigs sorts signatures, to compare sets of alerts.
func sortedSigs(sigs []string) []string {
	out := slices.Clone(sigs)
	slices.Sort(out)
	return out
}

func TestAlertsCarryTheLabelsAndAnnotationsOfTheirSettings(t *testing.T) {
	spec := alertSpec()
	spec.SLOs[0].Alerting = Alerting{
		Labels:      map[string]string{"category": "availability", "team": "checkout"},
		Annotations: map[string]string{"summary": "High error rate on checkout"},
		Page:        AlertClass{Labels: map[string]string{"routing_key": "pager"}, Annotations: map[string]string{"playbook": "pages.md"}},
		Ticket:      AlertClass{Labels: map[string]string{"channel": "#alerts"}},
	}
	got := updateOnce(t, spec, burning(spec.SLOs[0]))
	seen := map[string]bool{}
	for _, a := range got {
		var wantLabels, wantAnn map[string]string
		switch {
		case a.Name == AlertErrorBudgetBurn && a.Severity == "page":
			wantLabels = map[string]string{"category": "availability", "team": "checkout", "routing_key": "pager"}
			wantAnn = map[string]string{"summary": "High error rate on checkout", "playbook": "pages.md"}
		case a.Name == AlertErrorBudgetBurn && a.Severity == "ticket":
			wantLabels = map[string]string{"category": "availability", "team": "checkout", "channel": "#alerts"}
			wantAnn = map[string]string{"summary": "High error rate on checkout"}
		default:
			// The SLO's team label is overridden by the alerts' own; the
			// classes' labels belong to the burn-rate alerts only.
			wantLabels = map[string]string{"category": "availability", "team": "checkout"}
			wantAnn = map[string]string{"summary": "High error rate on checkout"}
		}
		seen[a.Name+" "+a.Severity] = true
		if !reflect.DeepEqual(a.Labels, wantLabels) {
			t.Errorf("%s %s %s: labels %v, want %v", a.Name, a.Severity, a.LongWindow, a.Labels, wantLabels)
		}
		if !reflect.DeepEqual(a.Annotations, wantAnn) {
			t.Errorf("%s %s %s: annotations %v, want %v", a.Name, a.Severity, a.LongWindow, a.Annotations, wantAnn)
		}
	}
	if len(seen) != 5 {
		t.Errorf("alerts seen %v, want page, ticket and the three budget alerts", seen)
	}
	if spec.SLOs[0].Labels["team"] != "payments" {
		t.Errorf("the SLO's labels were changed: %v", spec.SLOs[0].Labels)
	}
}

func TestARenamedBurnAlertResolvesUnderItsNameWithItsWindows(t *testing.T) {
	spec := alertSpec()
	spec.SLOs[0].Alerting = Alerting{Name: "CheckoutHighErrorRate", Labels: map[string]string{"category": "availability"}, Ticket: AlertClass{Disabled: true}}
	s := spec.SLOs[0]
	a := NewAlerter(nil)
	counts := func(c map[time.Duration]Counts) map[string]map[time.Duration]Counts {
		return map[string]map[time.Duration]Counts{"availability": c}
	}
	a.Update(spec, reportAt(at(0), spec, counts(traffic(s, 0.1, map[string]float64{"5m": 20, "1h": 20}))))
	changed, firing := a.Update(spec, reportAt(at(15), spec, counts(traffic(s, 0.1, nil))))
	if len(firing) != 0 || len(changed) != 1 {
		t.Fatalf("changed %q, firing %q: want the page resolved", sigs(changed), sigs(firing))
	}
	r := changed[0]
	if r.State != StateResolved || r.Name != "CheckoutHighErrorRate" || r.LongWindow != "1h" || r.ShortWindow != "5m" || r.Factor != 14.4 {
		t.Errorf("resolved %s, want the renamed 1h/5m page resolved with its windows", sig(r))
	}
	if r.Kind() != AlertErrorBudgetBurn {
		t.Errorf("Kind() = %q, want %s", r.Kind(), AlertErrorBudgetBurn)
	}
	if r.Labels["category"] != "availability" {
		t.Errorf("resolved labels %v, want the settings' category", r.Labels)
	}
}

func TestTurningAnAlertOffWhileItFiresResolvesIt(t *testing.T) {
	spec := alertSpec()
	a := NewAlerter(nil)
	counts := map[string]map[time.Duration]Counts{"availability": burning(spec.SLOs[0])}
	a.Update(spec, reportAt(at(0), spec, counts))
	spec.SLOs[0].Alerting.Page.Disabled = true
	changed, firing := a.Update(spec, reportAt(at(15), spec, counts))
	want := []string{"resolved SLOErrorBudgetBurn availability page 1h/5m>14.4", "resolved SLOErrorBudgetBurn availability page 6h/30m>6"}
	if !reflect.DeepEqual(sigs(changed), want) {
		t.Errorf("changed %q, want %q", sigs(changed), want)
	}
	if len(firing) != 5 {
		t.Errorf("firing %q, want the tickets and the three budget alerts", sigs(firing))
	}
}

func TestValidateChecksAlertSettings(t *testing.T) {
	tests := []struct {
		name     string
		alerting Alerting
		want     []problem
	}{
		{
			"an alert name Prometheus would refuse", Alerting{Name: "high-error-rate"},
			[]problem{{0, "slos[0].alerting.name", `"high-error-rate" is not a valid alert name`}},
		},
		{
			"the name of another sloguard alert", Alerting{Name: AlertBreach},
			[]problem{{0, "slos[0].alerting.name", "is the name of another of sloguard's alerts"}},
		},
		{
			"reserved, invalid and empty labels", Alerting{Labels: map[string]string{"severity": "critical", "1x": "y", "team": ""}, Page: AlertClass{Labels: map[string]string{"alertname": "X"}}},
			[]problem{
				{0, "slos[0].alerting.labels.1x", "not a valid label name"},
				{0, "slos[0].alerting.labels.severity", `"severity" is set by sloguard itself`},
				{0, "slos[0].alerting.labels.team", "empty value"},
				{0, "slos[0].alerting.page.labels.alertname", `"alertname" is set by sloguard itself`},
			},
		},
		{
			"an invalid annotation name", Alerting{Ticket: AlertClass{Annotations: map[string]string{"run-book": "x"}}},
			[]problem{{0, "slos[0].alerting.ticket.annotations.run-book", "not a valid annotation name"}},
		},
		{
			"unknown and repeated disabled alerts", Alerting{Disabled: []string{"SLOAbsent", AlertBreach, AlertBreach}},
			[]problem{{0, "slos[0].alerting.disable[0]", `"SLOAbsent" is not an alert sloguard raises`}, {0, "slos[0].alerting.disable[2]", "listed twice"}},
		},
		{
			"policies without a name, on a pair that does not exist or twice on one",
			Alerting{Policies: []AlertPolicy{
				{Pair: BurnPair{"page", false}, Targets: []NotificationTarget{{Name: "pd"}}},
				{Name: "b", Pair: BurnPair{"critical", false}},
				{Name: "c", Pair: BurnPair{"page", false}},
			}},
			[]problem{
				{0, "slos[0].alerting.policies[0].name", "missing"},
				{0, "slos[0].alerting.policies[0].notification_targets[0].target", "missing"},
				{0, "slos[0].alerting.policies[1].alert", `"critical quick" is not a burn-rate window pair`},
				{0, "slos[0].alerting.policies[2].alert", "as policies[0] does"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := Default()
			spec.SLOs[0].Alerting = tt.alerting
			var verr *ValidationError
			if err := spec.Validate(nil); !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			checkProblems(t, verr.Problems, tt.want, "")
		})
	}
}

func TestBurnWindowsNamesPairsQuickThenSlowPerSeverity(t *testing.T) {
	ws := AlertWindows(30 * Day)
	var got []string
	for i := range ws {
		got = append(got, PairOf(ws, i).String())
	}
	want := []string{"page quick", "page slow", "ticket quick", "ticket slow"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pairs %q, want %q", got, want)
	}
	s := SLO{Alerting: Alerting{Policies: []AlertPolicy{{Name: "x", Pair: BurnPair{"ticket", true}}}}}
	if kept := s.BurnWindows(ws); len(kept) != 1 || kept[0].Long != 3*Day {
		t.Errorf("BurnWindows with a ticket-slow policy = %+v, want the 3d pair alone", kept)
	}
}
