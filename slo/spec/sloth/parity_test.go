package sloth_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/internal/testbin"
	"github.com/sloguard/sloguard/slo/rules"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

// paritySpec is a Sloth spec of ours: rate() queries over a request
// counter, as Sloth's own examples write them.
const paritySpec = `version: "prometheus/v1"
service: "parity"
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="parity",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="parity"}[{{.window}}]))
    alerting:
      name: ParityHighErrorRate
`

// parityPhase is a stretch of traffic: requests and failed requests a
// minute, for a number of minutes.
type parityPhase struct {
	minutes       int
	perMin, badPM float64
}

// TestSlothAndSloguardPageAndTicketAtTheSameTimes runs, under promtool,
// the rules Sloth v0.16.0 generates for paritySpec and the rules sloguard
// generates from the same file, over the same series, and compares, at
// every fifth evaluation minute, whether each one's page and ticket alerts
// fire. Where they must differ (the low-traffic guard, docs/SLOS.md) the
// test says which fires.
func TestSlothAndSloguardPageAndTicketAtTheSameTimes(t *testing.T) {
	promtool, dir := generateBoth(t, paritySpec)

	const (
		slothPage    = `clamp_max(count(ALERTS{alertname="ParityHighErrorRate",sloth_severity="page",alertstate="firing"}), 1) or vector(0)`
		slothTicket  = `clamp_max(count(ALERTS{alertname="ParityHighErrorRate",sloth_severity="ticket",alertstate="firing"}), 1) or vector(0)`
		ourPage      = `clamp_max(count(ALERTS{alertname="ParityHighErrorRate",severity="page",alertstate="firing"}), 1) or vector(0)`
		ourTicket    = `clamp_max(count(ALERTS{alertname="ParityHighErrorRate",severity="ticket",alertstate="firing"}), 1) or vector(0)`
		totalMinutes = 600
	)
	tests := []struct {
		name   string
		phases []parityPhase
		// fixed holds what must hold whatever the two agree on: minute ->
		// expression -> value.
		fixed map[int]map[string]float64
		// lowTraffic marks the scenario where the two alert differently:
		// sloguard holds back while the long window has fewer than
		// min_events (100) events, Sloth has no such guard.
		lowTraffic bool
	}{
		{
			name:   "healthy traffic raises nothing",
			phases: []parityPhase{{totalMinutes, 600, 0.1}},
			fixed:  map[int]map[string]float64{300: {ourPage: 0, ourTicket: 0}},
		},
		{
			name:   "an hour of 20% errors pages, and the page resolves after recovery",
			phases: []parityPhase{{60, 600, 0}, {60, 600, 120}, {totalMinutes - 120, 600, 0}},
			fixed:  map[int]map[string]float64{90: {ourPage: 1, slothPage: 1}, 200: {ourPage: 0, slothPage: 0}, 595: {ourTicket: 0, slothTicket: 0}},
		},
		{
			name:       "half a request a minute, half of them failing, pages Sloth but not sloguard",
			phases:     []parityPhase{{totalMinutes, 0.5, 0.25}},
			fixed:      map[int]map[string]float64{90: {slothPage: 1, ourPage: 0, slothTicket: 1, ourTicket: 0}},
			lowTraffic: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("rule_files: [sloth.yaml, sloguard.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n")
			fmt.Fprintf(&b, "      - series: 'http_requests_total{job=\"parity\",code=\"200\"}'\n        values: '%s'\n", series(tt.phases, func(p parityPhase) float64 { return p.perMin - p.badPM }))
			fmt.Fprintf(&b, "      - series: 'http_requests_total{job=\"parity\",code=\"500\"}'\n        values: '%s'\n", series(tt.phases, func(p parityPhase) float64 { return p.badPM }))
			b.WriteString("    promql_expr_test:\n")
			for minute := 5; minute < totalMinutes; minute += 5 {
				pairs := [][2]string{{slothPage, ourPage}, {slothTicket, ourTicket}}
				if tt.lowTraffic {
					pairs = nil // the guard: what each does is in fixed
				}
				for _, p := range pairs {
					fmt.Fprintf(&b, "      - expr: '(%s) - (%s)'\n        eval_time: %dm\n        exp_samples: [{labels: '{}', value: 0}]\n", p[0], p[1], minute)
				}
				for expr, v := range tt.fixed[minute] {
					fmt.Fprintf(&b, "      - expr: '%s'\n        eval_time: %dm\n        exp_samples: [{labels: '{}', value: %g}]\n", expr, minute, v)
				}
			}
			for minute := range tt.fixed {
				if minute%5 != 0 {
					t.Fatalf("fixed minute %d is not evaluated", minute)
				}
			}
			testFile := filepath.Join(dir, "test.yaml")
			if err := os.WriteFile(testFile, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(promtool, "test", "rules", "test.yaml")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("promtool test rules: %v\n%s", err, out)
			}
		})
	}
}

// generateBoth writes the rules Sloth and sloguard generate for a Sloth
// spec into a directory, as sloth.yaml and sloguard.yaml.
func generateBoth(t *testing.T, slothSpec string) (promtool, dir string) {
	t.Helper()
	promtool = testbin.Path(t, "promtool")
	sloth := testbin.Path(t, "sloth")
	dir = t.TempDir()
	specFile := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(specFile, []byte(slothSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	gen := exec.Command(sloth, "generate", "-i", specFile, "-o", filepath.Join(dir, "sloth.yaml"))
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("sloth generate: %v\n%s", err, out)
	}
	spec, _, err := slospec.Load([]string{specFile})
	if err != nil {
		t.Fatal(err)
	}
	file, err := rules.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := file.WriteFile(filepath.Join(dir, "sloguard.yaml")); err != nil {
		t.Fatal(err)
	}

	return promtool, dir
}

// settingsSpec sets what Sloth's alerting block can: the alerts' name,
// labels and annotations for the pages, and tickets off.
const settingsSpec = `version: "prometheus/v1"
service: "parity"
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="parity",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="parity"}[{{.window}}]))
    alerting:
      name: ParityPaged
      labels:
        category: availability
      annotations:
        summary: Parity requests fail
      page_alert:
        labels:
          routing_key: payments
        annotations:
          playbook: https://wiki.example/parity
      ticket_alert:
        disable: true
`

// TestSlothAndSloguardHonourTheSameAlertSettings runs an hour of 20%
// errors, which pages and would ticket, under the rules of both tools for
// a spec that labels its pages and turns tickets off: both raise pages
// named and labelled alike at the same minutes, and no ticket.
func TestSlothAndSloguardHonourTheSameAlertSettings(t *testing.T) {
	promtool, dir := generateBoth(t, settingsSpec)
	const (
		slothPage   = `clamp_max(count(ALERTS{alertname="ParityPaged",sloth_severity="page",category="availability",routing_key="payments",alertstate="firing"}), 1) or vector(0)`
		ourPage     = `clamp_max(count(ALERTS{alertname="ParityPaged",severity="page",category="availability",routing_key="payments",alertstate="firing"}), 1) or vector(0)`
		slothTicket = `count(ALERTS{sloth_severity="ticket"}) or vector(0)`
		ourTicket   = `count(ALERTS{severity="ticket",alertname!="SLOMetricAbsent"}) or vector(0)`
		minutes     = 300
	)
	phases := []parityPhase{{60, 600, 0}, {60, 600, 120}, {minutes - 120, 600, 0}}
	var b strings.Builder
	b.WriteString("rule_files: [sloth.yaml, sloguard.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n")
	fmt.Fprintf(&b, "      - series: 'http_requests_total{job=\"parity\",code=\"200\"}'\n        values: '%s'\n", series(phases, func(p parityPhase) float64 { return p.perMin - p.badPM }))
	fmt.Fprintf(&b, "      - series: 'http_requests_total{job=\"parity\",code=\"500\"}'\n        values: '%s'\n", series(phases, func(p parityPhase) float64 { return p.badPM }))
	b.WriteString("    promql_expr_test:\n")
	expect := func(expr string, minute int, v float64) {
		fmt.Fprintf(&b, "      - expr: '%s'\n        eval_time: %dm\n        exp_samples: [{labels: '{}', value: %g}]\n", expr, minute, v)
	}
	for minute := 5; minute < minutes; minute += 5 {
		expect("("+slothPage+") - ("+ourPage+")", minute, 0)
		expect(slothTicket, minute, 0)
		expect(ourTicket, minute, 0)
	}
	expect(ourPage, 90, 1)
	expect(slothPage, 90, 1)
	cmd := exec.Command(promtool, "test", "rules", "test.yaml")
	cmd.Dir = dir
	if err := os.WriteFile(filepath.Join(dir, "test.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// series writes promtool's expanding notation for a counter growing by
// each phase's rate(p) a minute.
func series(phases []parityPhase, rate func(parityPhase) float64) string {
	var parts []string
	value := 0.0
	for i, p := range phases {
		steps := p.minutes
		if i == 0 {
			parts = append(parts, fmt.Sprintf("%g+%gx%d", value, rate(p), steps))
		} else {
			parts = append(parts, fmt.Sprintf("%g+%gx%d", value+rate(p), rate(p), steps-1))
		}
		value += rate(p) * float64(steps)
	}
	return strings.Join(parts, " ")
}
