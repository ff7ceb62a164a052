package alertmanager

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

func TestLabelsMatchTheGeneratedRules(t *testing.T) {
	firing, _ := burnAlert(t)
	file, err := rules.Generate(testSpec())
	if err != nil {
		t.Fatalf("generate the rules: %v", err)
	}
	var rule *rules.Rule
	for _, g := range file.Groups {
		for i, r := range g.Rules {
			if r.Alert == firing.Name && r.Labels["long_window"] == firing.LongWindow && r.Labels["short_window"] == firing.ShortWindow {
				rule = &g.Rules[i]
			}
		}
	}
	if rule == nil {
		t.Fatalf("no generated rule for %s %s/%s", firing.Name, firing.LongWindow, firing.ShortWindow)
	}
	// Prometheus adds alertname to the rule's labels.
	want := maps.Clone(rule.Labels)
	want["alertname"] = rule.Alert
	if got := labels(firing, nil); !maps.Equal(got, want) {
		t.Errorf("labels\n got %v\nwant %v (the generated rule's)", got, want)
	}
	if got, want := annotations(firing, rules.DefaultRunbook)["runbook"], rule.Annotations["runbook"]; got != want {
		t.Errorf("runbook annotation %q, the generated rule's %q", got, want)
	}
}

// An SLO's alert settings reach Alertmanager as the rules put them on the
// same alert: renamed, with their labels, their annotations over
// sloguard's, and the runbook of the kind of alert.
func TestAlertSettingsMatchTheGeneratedRules(t *testing.T) {
	spec := testSpec()
	spec.SLOs[0].Alerting = slo.Alerting{
		Name:        "CheckoutHighErrorRate",
		Labels:      map[string]string{"category": "availability"},
		Annotations: map[string]string{"summary": "High error rate on checkout"},
		Page:        slo.AlertClass{Labels: map[string]string{"routing_key": "pager"}, Annotations: map[string]string{"playbook": "https://wiki.example/pages"}},
	}
	changed, _ := slo.NewAlerter(nil).Update(spec, report(spec, time.Now().Truncate(time.Second), 20))
	if len(changed) != 1 {
		t.Fatalf("a fast burn raised %+v, want one page", changed)
	}
	firing := changed[0]
	file, err := rules.Generate(spec)
	if err != nil {
		t.Fatalf("generate the rules: %v", err)
	}
	var rule *rules.Rule
	for _, g := range file.Groups {
		for i, r := range g.Rules {
			if r.Alert == "CheckoutHighErrorRate" && r.Labels["long_window"] == firing.LongWindow {
				rule = &g.Rules[i]
			}
		}
	}
	if rule == nil {
		t.Fatalf("no generated rule named CheckoutHighErrorRate over %s", firing.LongWindow)
	}
	want := maps.Clone(rule.Labels)
	want["alertname"] = rule.Alert
	if got := labels(firing, nil); !maps.Equal(got, want) {
		t.Errorf("labels\n got %v\nwant %v (the generated rule's)", got, want)
	}
	if want["routing_key"] != "pager" || want["category"] != "availability" || want["team"] != "payments" {
		t.Errorf("the rule's labels %v lack the page class's, the settings' or the SLO's", want)
	}
	got := annotations(firing, rules.DefaultRunbook)
	for _, k := range []string{"summary", "playbook", "runbook"} {
		if got[k] != rule.Annotations[k] {
			t.Errorf("annotation %s = %q, the generated rule's %q", k, got[k], rule.Annotations[k])
		}
	}
	if got["summary"] != "High error rate on checkout" || !strings.HasSuffix(got["runbook"], "#sloerrorbudgetburn") {
		t.Errorf("annotations %v: want the spec's summary and the burn-rate runbook", got)
	}
}

func TestLabels(t *testing.T) {
	burn := 15.5
	tests := []struct {
		name     string
		alert    slo.Alert
		external map[string]string
		want     map[string]string
	}{
		{
			name: "a burn-rate alert carries both windows and the SLO's labels",
			alert: slo.Alert{Name: "SLOErrorBudgetBurn", SLO: "availability", Service: "checkout", Severity: "page",
				LongWindow: "1h", ShortWindow: "5m", BurnRate: &burn, Labels: map[string]string{"team": "payments"}},
			want: map[string]string{"alertname": "SLOErrorBudgetBurn", "slo": "availability", "service": "checkout",
				"severity": "page", "long_window": "1h", "short_window": "5m", "team": "payments"},
		},
		{
			name:  "other alerts carry no window labels",
			alert: slo.Alert{Name: "SLOBreach", SLO: "latency_p95", Service: "checkout", Severity: "critical"},
			want:  map[string]string{"alertname": "SLOBreach", "slo": "latency_p95", "service": "checkout", "severity": "critical"},
		},
		{
			name:  "an empty service is left out, as Prometheus drops empty labels",
			alert: slo.Alert{Name: "SLOBreach", SLO: "a", Severity: "critical", Labels: map[string]string{"tier": ""}},
			want:  map[string]string{"alertname": "SLOBreach", "slo": "a", "severity": "critical"},
		},
		{
			name:     "external labels add to the set but never replace sloguard's or the SLO's",
			alert:    slo.Alert{Name: "SLOBreach", SLO: "a", Service: "s", Severity: "critical", Labels: map[string]string{"team": "t"}},
			external: map[string]string{"cluster": "eu-1", "team": "ext", "slo": "ext"},
			want:     map[string]string{"alertname": "SLOBreach", "slo": "a", "service": "s", "severity": "critical", "team": "t", "cluster": "eu-1"},
		},
		{
			name:  "an SLO label cannot replace the alert's own",
			alert: slo.Alert{Name: "SLOBreach", SLO: "a", Service: "s", Severity: "critical", Labels: map[string]string{"severity": "info"}},
			want:  map[string]string{"alertname": "SLOBreach", "slo": "a", "service": "s", "severity": "critical"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := labels(tt.alert, tt.external); !maps.Equal(got, tt.want) {
				t.Errorf("labels\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestAnnotations(t *testing.T) {
	burn, p95 := 15.4567, 412.0
	a := slo.Alert{
		Name: "SLOErrorBudgetBurn", SLO: "availability", Service: "checkout", Severity: "page",
		LongWindow: "1h", ShortWindow: "5m", BurnRate: &burn, Factor: 14.4,
		BudgetConsumedPct: 62.5, BudgetRemainingPct: 37.5, BurnPerDayPct: 4.25, P95LatencyMS: &p95,
		Breaches: []string{"latency_p95"}, Summary: "SLO availability of checkout burns its error budget",
	}
	got := annotations(a, "https://runbooks.example/slo.md")
	want := map[string]string{
		"summary":   "SLO availability of checkout burns its error budget",
		"runbook":   "https://runbooks.example/slo.md#sloerrorbudgetburn",
		"burn_rate": "15.46",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, got[k], v)
		}
	}
	for _, part := range []string{"62.5% of the error budget consumed", "37.5% remaining", "4.25% of the budget burned in the last day",
		"15.46× over the last 1h", "above 14.4× over both 1h and 5m", "p95 latency 412 ms", "SLOs in breach: latency_p95"} {
		if !strings.Contains(got["description"], part) {
			t.Errorf("description %q lacks %q", got["description"], part)
		}
	}
	if _, ok := annotations(slo.Alert{Name: "SLOBreach"}, "RUNBOOK.md")["burn_rate"]; ok {
		t.Error("an alert without a burn rate has a burn_rate annotation")
	}
}

func TestPostableEndsAt(t *testing.T) {
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	end := start.Add(30 * time.Minute)
	now := start.Add(time.Hour)
	s := &Sink{cfg: config{runbook: "RUNBOOK.md"}}
	tests := []struct {
		name     string
		alert    slo.Alert
		resolved bool
		want     time.Time
	}{
		{"a firing alert ends four resend intervals from now", slo.Alert{Name: "A", StartsAt: start}, false, now.Add(4 * time.Minute)},
		{"a resolved alert ends at its EndsAt", slo.Alert{Name: "A", StartsAt: start, EndsAt: &end, TS: now}, true, end},
		{"a resolved alert without EndsAt ends at its TS", slo.Alert{Name: "A", StartsAt: start, TS: end}, true, end},
		{"an alert never ends before it starts", slo.Alert{Name: "A", StartsAt: now.Add(time.Hour)}, false, now.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := postable([]queued{s.toQueued(tt.alert, tt.resolved)}, now, 4*time.Minute)[0]
			if p.EndsAt == nil || !p.EndsAt.Equal(tt.want) {
				t.Errorf("endsAt = %v, want %v", p.EndsAt, tt.want)
			}
			if p.StartsAt == nil || !p.StartsAt.Equal(tt.alert.StartsAt) {
				t.Errorf("startsAt = %v, want %v", p.StartsAt, tt.alert.StartsAt)
			}
		})
	}
}
