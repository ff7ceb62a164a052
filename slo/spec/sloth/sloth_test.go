package sloth_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

var corpus = filepath.Join("..", "..", "..", "testdata", "interop", "sloth")

func TestLoadReadsASlothSpecIntoQueryOnlySLOs(t *testing.T) {
	got, warnings, err := slospec.Load([]string{filepath.Join(corpus, "getting-started.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	want := slo.Spec{Version: slo.Version, Service: "checkout", SLOs: []slo.SLO{{
		Name:        "requests-availability",
		Description: "Requests answered without a server error or throttling.",
		Objective:   0.999,
		Window:      slo.DefaultWindow,
		MinEvents:   slo.DefaultMinEvents,
		Labels:      map[string]string{"owner": "payments", "tier": "1", "category": "availability"},
		SLI: slo.SLI{PromQL: &slo.PromQL{
			Bad:   `sum(rate(http_request_duration_seconds_count{job="checkout",code=~"(5..|429)"}[{{.window}}]))`,
			Total: `sum(rate(http_request_duration_seconds_count{job="checkout"}[{{.window}}]))`,
		}},
		// Sloth's example routes on severity, which sloguard sets itself:
		// its values are carried as sloth_severity.
		Alerting: slo.Alerting{
			Name:        "CheckoutHighErrorRate",
			Labels:      map[string]string{"category": "availability"},
			Annotations: map[string]string{"summary": "High error rate on checkout requests"},
			Page:        slo.AlertClass{Labels: map[string]string{"routing_key": "payments", "sloth_severity": "pageteam"}},
			Ticket:      slo.AlertClass{Labels: map[string]string{"slack_channel": "#alerts-payments", "sloth_severity": "slack"}},
		},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0].String(), `getting-started.yaml:26: slos[0].alerting.page_alert.labels.severity: warning: label "severity" is set by sloguard itself`) ||
		!strings.Contains(warnings[1].String(), `getting-started.yaml:30: slos[0].alerting.ticket_alert.labels.severity: warning:`) || !strings.Contains(warnings[1].String(), `carried as "sloth_severity"`) {
		t.Errorf("warnings %v, want the two severity labels renamed, at lines 26 and 30", warnings)
	}
}

func TestTheCustomResourceReadsLikeTheSpec(t *testing.T) {
	got, _, err := slospec.Load([]string{filepath.Join(corpus, "k8s-crd.yaml")}, slospec.WithWindow(28*slo.Day))
	if err != nil {
		t.Fatal(err)
	}
	if got.Service != "checkout-k8s" || len(got.SLOs) != 1 {
		t.Fatalf("got %+v", got)
	}
	o := got.SLOs[0]
	if o.Objective != 0.9995 || o.Window != 28*slo.Day || o.Labels["owner"] != "payments" ||
		o.SLI.PromQL == nil || !strings.HasPrefix(o.SLI.PromQL.Bad, "sum(rate(") || o.SLI.PromQL.Total == "" {
		t.Errorf("got %+v", o)
	}
}

// The errors of Sloth files: each names the file, the line and the field
// in the file's own spelling.
func TestSlothFilesAreRefusedWithTheirLineAndReason(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want string
	}{
		{"a snake_case field in the custom resource", "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nspec:\n  service: s\n  slos:\n    - name: a\n      objective: 99\n      sli:\n        events:\n          error_query: x\n", `f.yaml:10: spec.slos[0].sli.events.error_query: unknown field "error_query"`},
		{"a missing total query", "version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 99\n    sli:\n      events:\n        error_query: sum(rate(x[{{.window}}]))\n", "f.yaml:7: slos[0].sli.events.total_query: missing"},
		{"a query without the window", "version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 99\n    sli:\n      events:\n        error_query: sum(rate(x{c=\"5\"}[5m]))\n        total_query: sum(rate(x[{{.window}}]))\n", "f.yaml:8: slos[0].sli.events.error_query: the query does not use {{.window}}"},
		{"an objective of 100", "version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 100\n    sli:\n      events: {error_query: 'sum(rate(x[{{.window}}]))', total_query: 'sum(rate(x[{{.window}}]))'}\n", "f.yaml:5: slos[0].objective: 100 is not a percent"},
		{"an invalid SLO name", "version: prometheus/v1\nservice: s\nslos:\n  - name: 9lives\n    objective: 99\n    sli:\n      events: {error_query: 'sum(rate(x[{{.window}}]))', total_query: 'sum(rate(x[{{.window}}]))'}\n", `f.yaml:4: slos[0].name: "9lives" is not a valid name`},
		{"no service", "version: prometheus/v1\nslos: []\n", "f.yaml:1: service: missing"},
		{"SLO plugins", "version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 99\n    plugins: {chain: []}\n    sli:\n      events: {error_query: 'sum(rate(x[{{.window}}]))', total_query: 'sum(rate(x[{{.window}}]))'}\n", "f.yaml:6: slos[0].plugins: SLO plugins change the rules"},
		{"a disable that is not a boolean", "version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 99\n    sli:\n      events: {error_query: 'sum(rate(x[{{.window}}]))', total_query: 'sum(rate(x[{{.window}}]))'}\n    alerting:\n      page_alert: {disable: yes please}\n", "f.yaml:9: slos[0].alerting.page_alert.disable: must be true or false"},
		{"an alert name Prometheus refuses", slothAlerting("      name: high-error-rate\n"), `f.yaml:9: slos[0].alerting.name: "high-error-rate" is not a valid alert name`},
		{"an invalid page label name", slothAlerting("      page_alert:\n        labels: {routing-key: x}\n"), `f.yaml:10: slos[0].alerting.page_alert.labels.routing-key: "routing-key" is not a valid label name`},
		{"an invalid annotation name", slothAlerting("      annotations: {run book: x}\n"), `f.yaml:9: slos[0].alerting.annotations.run book: "run book" is not a valid annotation name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := slospec.Parse("f.yaml", []byte(tc.yaml))
			var ve *slo.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant one containing %q", err, tc.want)
			}
		})
	}
}

func TestTwoSlothFilesOfDifferentServicesAreRefused(t *testing.T) {
	_, _, err := slospec.Load([]string{filepath.Join(corpus, "getting-started.yaml"), filepath.Join(corpus, "no-alerts.yaml")})
	if err == nil || !strings.Contains(err.Error(), `no-alerts.yaml:3: service: service "inventory" differs from "checkout"`) {
		t.Fatalf("error %v", err)
	}
}

// slothAlerting is a Sloth spec whose SLO's alerting block holds block
// (from line 9).
func slothAlerting(block string) string {
	return "version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 99\n    sli:\n      events: {error_query: 'sum(rate(x[{{.window}}]))', total_query: 'sum(rate(x[{{.window}}]))'}\n    alerting:\n" + block
}
