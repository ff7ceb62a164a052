package slogenerator_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

var corpus = filepath.Join("..", "..", "..", "testdata", "interop", "slogenerator")

func TestLoadReadsThePrometheusMethodsAsCountsOverTheWindow(t *testing.T) {
	for _, tc := range []struct {
		file string
		want slo.SLO
	}{
		{"good-valid.yaml", slo.SLO{
			Name: "checkout-availability", Description: "99.9% of cart requests return a good HTTP code",
			Objective: 0.999, Window: 7 * slo.Day, MinEvents: slo.DefaultMinEvents,
			Labels: map[string]string{"feature_name": "cart", "slo_name": "availability"},
			SLI: slo.SLI{PromQL: &slo.PromQL{
				Good:  `sum(increase(http_requests_total{code=~"2..",handler="/api/cart"}[{{.window}}]))`,
				Total: `sum(increase(http_requests_total{handler="/api/cart"}[{{.window}}]))`,
			}},
		}},
		{"bad-valid.yaml", slo.SLO{
			Name: "checkout-errors", Description: "99.5% of payment requests do not fail",
			Objective: 0.995, Window: 7 * slo.Day, MinEvents: slo.DefaultMinEvents,
			Labels: map[string]string{"feature_name": "payment", "slo_name": "errors"},
			SLI: slo.SLI{PromQL: &slo.PromQL{
				Bad:   `sum(increase(http_requests_total{code=~"5..",handler="/api/pay"}[{{.window}}]))`,
				Total: `sum(increase(http_requests_total{handler="/api/pay"}[{{.window}}]))`,
			}},
		}},
		{"good-bad.yaml", slo.SLO{
			Name: "checkout-jobs", Objective: 0.99, Window: 7 * slo.Day, MinEvents: slo.DefaultMinEvents,
			Labels: map[string]string{"feature_name": "jobs", "slo_name": "success"},
			SLI: slo.SLI{PromQL: &slo.PromQL{
				Good:  `sum(increase(jobs_total{result="ok"}[{{.window}}]))`,
				Total: `sum(increase(jobs_total{result="ok"}[{{.window}}])) + sum(increase(jobs_total{result="failed"}[{{.window}}]))`,
			}},
		}},
		{"distribution-cut.yaml", slo.SLO{
			Name: "checkout-latency", Description: "99% of cart requests return within 250ms",
			Objective: 0.99, Window: 7 * slo.Day, MinEvents: slo.DefaultMinEvents,
			Labels: map[string]string{"feature_name": "cart", "slo_name": "latency"},
			SLI: slo.SLI{PromQL: &slo.PromQL{
				Good:  `sum(increase(http_request_duration_seconds_bucket{code=~"2..",handler="/api/cart",le="0.25"}[{{.window}}]))`,
				Total: `sum(increase(http_request_duration_seconds_bucket{code=~"2..",handler="/api/cart",le="+Inf"}[{{.window}}]))`,
			}},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, _, err := slospec.Load([]string{filepath.Join(corpus, tc.file)}, slospec.WithWindow(7*slo.Day))
			if err != nil {
				t.Fatal(err)
			}
			want := slo.Spec{Version: slo.Version, Service: "checkout", SLOs: []slo.SLO{tc.want}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%+v\nwant\n%+v", got.SLOs[0], tc.want)
			}
		})
	}
}

func TestSloGeneratorFilesAreRefusedWithTheirLineAndReason(t *testing.T) {
	head := "apiVersion: sre.google.com/v2\nkind: ServiceLevelObjective\nmetadata:\n  name: a\n  labels: {service_name: s}\nspec:\n"
	ok := "  service_level_indicator: {filter_good: 'x_total{c=\"2\"}', filter_valid: x_total}\n  goal: 0.99\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"no service_name label", "apiVersion: sre.google.com/v2\nkind: ServiceLevelObjective\nmetadata: {name: a}\nspec: {backend: prometheus, method: good_bad_ratio, goal: 0.9}\n", "f.yaml:3: metadata.labels.service_name: missing"},
		{"a datadog backend", head + "  backend: datadog\n  method: good_bad_ratio\n" + ok, "f.yaml:7: spec.backend: the datadog backend is not supported"},
		{"a named prometheus backend is read", head + "  backend: prometheus/dev\n  method: good_bad_ratio\n  service_level_indicator: {filter_good: 'x_total{c=\"2\"}'}\n  goal: 0.99\n", "f.yaml:9: spec.service_level_indicator: give filter_valid with filter_good or filter_bad"},
		{"an unknown method", head + "  backend: prometheus\n  method: ratio\n" + ok, `f.yaml:8: spec.method: method "ratio" is not supported`},
		{"a goal of 1", head + "  backend: prometheus\n  method: good_bad_ratio\n  service_level_indicator: {filter_good: 'x_total{c=\"2\"}', filter_valid: x_total}\n  goal: 1\n", "f.yaml:10: spec.goal: 1 is not a fraction between 0 and 1"},
		{"a threshold that is not a number", head + "  backend: prometheus\n  method: distribution_cut\n  service_level_indicator: {expression: x_bucket, threshold_bucket: fast}\n  goal: 0.9\n", "f.yaml:9: spec.service_level_indicator.threshold_bucket: must be the le of the bucket"},
		{"an expression that is not a bucket", head + "  backend: prometheus\n  method: distribution_cut\n  service_level_indicator: {expression: x_count, threshold_bucket: 0.5}\n  goal: 0.9\n", `spec.service_level_indicator.expression: "x_count" is not a histogram's _bucket series`},
		{"three filters", head + "  backend: prometheus\n  method: good_bad_ratio\n  service_level_indicator: {filter_good: a_total, filter_bad: b_total, filter_valid: c_total}\n  goal: 0.9\n", "gives filter_good, filter_bad and filter_valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := slospec.Parse("f.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant one containing %q", err, tc.want)
			}
		})
	}
}
