package sloguard_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
	"github.com/sloguard/sloguard/slo/spec/sloguard"
)

func TestExportWritesTheGoldenFile(t *testing.T) {
	spec, err := loadFile(filepath.Join("testdata", "checkout.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := sloguard.Export(spec)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "checkout.export.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("Export differs from testdata/checkout.export.golden:\n%s", got)
	}
}

func TestExportReadsBackIntoTheSameSpec(t *testing.T) {
	checkout, err := loadFile(filepath.Join("testdata", "checkout.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	queryOnly := slo.Spec{Version: slo.Version, Service: "shop", SLOs: []slo.SLO{{
		Name: "orders", Objective: 0.9995, Window: 7 * slo.Day, MinEvents: 12.5,
		Labels: map[string]string{"team": "true"},
		SLI: slo.SLI{PromQL: &slo.PromQL{
			Good:  `sum by (region) (rate(orders_total{outcome="ok"}[{{.window}}]))`,
			Total: `sum by (region) (rate(orders_total[{{.window}}]))`,
		}},
	}, {
		Name: "fast", Objective: 0.99, Window: time.Hour,
		MinEvents: slo.DefaultMinEvents, SLI: slo.SLI{Kind: slo.KindLatency, Threshold: 2500 * time.Millisecond},
	}}}
	for _, tc := range []struct {
		name string
		spec slo.Spec
	}{
		{"the checkout example", checkout},
		{"the demo spec", demo.Spec()},
		{"query-only SLIs and odd numbers", queryOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := sloguard.Export(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			back, err := slospec.Parse("export.yaml", b)
			if err != nil {
				t.Fatalf("the export does not load: %v\n%s", err, b)
			}
			if !reflect.DeepEqual(back, tc.spec) {
				t.Errorf("load(export(spec)) differs:\n got %#v\nwant %#v\n%s", back, tc.spec, b)
			}
		})
	}
}

func TestExportRefusesWhatItCannotWrite(t *testing.T) {
	ok := slo.SLO{Name: "a", Objective: 0.99, Window: slo.DefaultWindow, SLI: slo.SLI{Kind: slo.KindAvailability}}
	for _, tc := range []struct {
		name string
		spec slo.Spec
		want string
	}{
		{"a spec without service", slo.Spec{SLOs: []slo.SLO{ok}}, "names no service"},
		{"a spec without SLOs", slo.Spec{Service: "s"}, "has no SLO"},
		{"an objective of 1", slo.Spec{Service: "s", SLOs: []slo.SLO{func() slo.SLO { o := ok; o.Objective = 1; return o }()}}, "not a fraction"},
		{"a window of a part of a millisecond", slo.Spec{Service: "s", SLOs: []slo.SLO{func() slo.SLO { o := ok; o.Window = time.Hour + 1; return o }()}}, "window"},
		{"an SLI of no kind and no queries", slo.Spec{Service: "s", SLOs: []slo.SLO{func() slo.SLO { o := ok; o.SLI = slo.SLI{}; return o }()}}, "neither a kind nor PromQL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sloguard.Export(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Export error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// alertingSpec is a spec whose alerting block sets every setting.
const alertingSpec = `version: sloguard/v1
service: checkout
slos:
  - name: availability
    objective: 99.9
    sli: {availability: {}}
    alerting:
      name: CheckoutHighErrorRate
      labels: {category: availability}
      annotations: {summary: High error rate}
      page: {labels: {routing_key: payments}, annotations: {playbook: pages.md}}
      ticket: {disable: true}
      disable: [SLOMetricAbsent, SLOBudgetConsumed]
`

func TestTheAlertingBlockReadsAndExportsBackTheSame(t *testing.T) {
	spec, err := slospec.Parse("a.yaml", []byte(alertingSpec))
	if err != nil {
		t.Fatal(err)
	}
	want := slo.Alerting{
		Name:        "CheckoutHighErrorRate",
		Labels:      map[string]string{"category": "availability"},
		Annotations: map[string]string{"summary": "High error rate"},
		Page:        slo.AlertClass{Labels: map[string]string{"routing_key": "payments"}, Annotations: map[string]string{"playbook": "pages.md"}},
		Ticket:      slo.AlertClass{Disabled: true},
		Disabled:    []string{slo.AlertMetricAbsent, slo.AlertBudgetConsumed},
	}
	if !reflect.DeepEqual(spec.SLOs[0].Alerting, want) {
		t.Errorf("alerting %+v,\nwant %+v", spec.SLOs[0].Alerting, want)
	}
	out, err := sloguard.Export(spec)
	if err != nil {
		t.Fatal(err)
	}
	again, err := slospec.Parse("b.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(again, spec) {
		t.Errorf("read back %+v,\nwant %+v", again, spec)
	}
}

func TestBadAlertSettingsAreRefusedWithTheirLine(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"a reserved label", "category: availability", "severity: critical", `a.yaml:9: slos[0].alerting.labels.severity: "severity" is set by sloguard itself`},
		{"an unknown alert turned off", "SLOMetricAbsent,", "SLOAbsent,", `a.yaml:13: slos[0].alerting.disable[0]: "SLOAbsent" is not an alert sloguard raises`},
		{"a disable that is no boolean", "disable: true}", "disable: yes}", "a.yaml:12: slos[0].alerting.ticket.disable: must be true or false"},
		{"an unknown field", "ticket:", "tickets:", `a.yaml:12: slos[0].alerting.tickets: unknown field`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := slospec.Parse("a.yaml", []byte(strings.Replace(alertingSpec, tc.from, tc.to, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
