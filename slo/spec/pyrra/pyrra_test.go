package pyrra_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

var corpus = filepath.Join("..", "..", "..", "testdata", "interop", "pyrra")

func TestLoadReadsPyrraIndicatorsAsCountsOverTheWindow(t *testing.T) {
	for _, tc := range []struct {
		file string
		want slo.SLO
	}{
		{"ratio-errors.yaml", slo.SLO{
			Name: "checkout-http-errors", Description: "Checkout requests answered without a server error.",
			Objective: 0.995, Window: 28 * slo.Day, MinEvents: slo.DefaultMinEvents,
			Labels: map[string]string{"team": "payments"},
			SLI: slo.SLI{PromQL: &slo.PromQL{
				Bad:   `sum(increase(http_requests_total{code=~"5..",job="checkout"}[{{.window}}]))`,
				Total: `sum(increase(http_requests_total{job="checkout"}[{{.window}}]))`,
			}},
		}},
		{"ratio-grouping.yaml", slo.SLO{
			Name: "shop-route-errors", Objective: 0.99, Window: 14 * slo.Day, MinEvents: slo.DefaultMinEvents,
			SLI: slo.SLI{PromQL: &slo.PromQL{
				Bad:   `sum by (route)(increase(http_requests_total{code=~"5..",job="shop"}[{{.window}}]))`,
				Total: `sum by (route)(increase(http_requests_total{job="shop"}[{{.window}}]))`,
			}},
		}},
		{"latency.yaml", slo.SLO{
			Name: "shop-read-latency", Description: "Reads answered within 400ms.",
			Objective: 0.95, Window: 28 * slo.Day, MinEvents: slo.DefaultMinEvents,
			Labels:   map[string]string{"component": "frontend"},
			Alerting: slo.Alerting{Name: "ShopReadLatencyBudgetBurn"},
			SLI: slo.SLI{PromQL: &slo.PromQL{
				Good:  `sum(increase(http_request_duration_seconds_bucket{job="shop",le="0.4",method="GET"}[{{.window}}]))`,
				Total: `sum(increase(http_request_duration_seconds_count{job="shop",method="GET"}[{{.window}}]))`,
			}},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, _, err := slospec.Load([]string{filepath.Join(corpus, tc.file)})
			if err != nil {
				t.Fatal(err)
			}
			want := slo.Spec{Version: slo.Version, Service: "shop", SLOs: []slo.SLO{tc.want}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%+v\nwant\n%+v", got.SLOs[0], tc.want)
			}
		})
	}
}

// Pyrra's alerting switches become the SLO's alert settings.
func TestPyrraAlertingTurnsAlertsOff(t *testing.T) {
	for _, tc := range []struct {
		name, alerting string
		want           []string
	}{
		{"disabled turns every alert off", "{disabled: true, absent: true}", slo.AlertNames()},
		{"burnrates false turns the burn-rate alerts off", "{burnrates: false}", []string{slo.AlertErrorBudgetBurn}},
		{"absent false turns the absent alert off", "{absent: false}", []string{slo.AlertMetricAbsent}},
		{"both", "{burnrates: false, absent: false}", []string{slo.AlertErrorBudgetBurn, slo.AlertMetricAbsent}},
		{"true values change nothing", "{disabled: false, burnrates: true, absent: true}", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := slospec.Parse("f.yaml", []byte("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: a}\nspec:\n  target: '99'\n  window: 4w\n  alerting: "+tc.alerting+"\n  indicator:\n    ratio:\n      errors: {metric: 'x_total{c=\"5\"}'}\n      total: {metric: x_total}\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.SLOs[0].Alerting.Disabled; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("disabled %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAnObjectWithoutNamespaceIsOfTheDefaultNamespace(t *testing.T) {
	s, err := slospec.Parse("f.yaml", []byte("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: a}\nspec:\n  target: '99'\n  window: 4w\n  indicator:\n    ratio:\n      errors: {metric: 'x_total{c=\"5\"}'}\n      total: {metric: x_total}\n"))
	if err != nil || s.Service != "default" {
		t.Fatalf("service %q, error %v; want default", s.Service, err)
	}
}

func TestPyrraFilesAreRefusedWithTheirLineAndReason(t *testing.T) {
	head := "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: a, namespace: n}\nspec:\n"
	for _, tc := range []struct{ name, spec, want string }{
		{"a target with a percent sign", "  target: '99%'\n  window: 4w\n  indicator: {ratio: {errors: {metric: x_total}, total: {metric: x_total}}}\n", "f.yaml:5: spec.target: must be a percent like 99.9"},
		{"no window", "  target: '99'\n  indicator: {ratio: {errors: {metric: x_total}, total: {metric: x_total}}}\n", "f.yaml:4: spec.window: missing"},
		{"a calendar window", "  target: '99'\n  window: 1M\n  indicator: {ratio: {errors: {metric: x_total}, total: {metric: x_total}}}\n", "f.yaml:6: spec.window:"},
		{"an expression for a metric", "  target: '99'\n  window: 4w\n  indicator: {ratio: {errors: {metric: 'sum(rate(x_total[5m]))'}, total: {metric: x_total}}}\n", "f.yaml:7: spec.indicator.ratio.errors.metric: \"sum(rate(x_total[5m]))\" is not a series selector"},
		{"invalid PromQL", "  target: '99'\n  window: 4w\n  indicator: {ratio: {errors: {metric: 'x_total{'}, total: {metric: x_total}}}\n", "spec.indicator.ratio.errors.metric: \"x_total{\" is not valid PromQL"},
		{"a success metric that is not a bucket", "  target: '99'\n  window: 4w\n  indicator: {latency: {success: {metric: 'x_count{le=\"1\"}'}, total: {metric: x_count}}}\n", "spec.indicator.latency.success.metric: the success metric of a latency indicator is a histogram's _bucket series"},
		{"no indicator", "  target: '99'\n  window: 4w\n", "f.yaml:4: spec.indicator: missing"},
		{"an offset", "  target: '99'\n  window: 4w\n  indicator: {ratio: {errors: {metric: 'x_total offset 5m'}, total: {metric: x_total}}}\n", "offset and @ are not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := slospec.Parse("f.yaml", []byte(head+tc.spec))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant one containing %q", err, tc.want)
			}
		})
	}
}
