package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// sloth28d is Sloth's own window set for 28 days, as its repository ships it
// (internal/alert/windows/google-28d.yaml), in the AlertWindows format.
const sloth28d = `apiVersion: sloth.slok.dev/v1
kind: AlertWindows
spec:
  sloPeriod: 28d
  page:
    quick:
      errorBudgetPercent: 2
      shortWindow: 5m
      longWindow: 1h
    slow:
      errorBudgetPercent: 5
      shortWindow: 30m
      longWindow: 6h
  ticket:
    quick:
      errorBudgetPercent: 10
      shortWindow: 2h
      longWindow: 1d
    slow:
      errorBudgetPercent: 10
      shortWindow: 6h
      longWindow: 3d
`

func mustAlertWindows(t *testing.T, name, doc string) *slo.AlertWindowSets {
	t.Helper()
	a, err := slo.ParseAlertWindows(name, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGenerateRejectsWhatCannotBecomeRules(t *testing.T) {
	withSLO := func(f func(*slo.SLO)) slo.Spec {
		s := demo.Spec()
		f(&s.SLOs[1]) // latency_p95
		return s
	}
	tests := []struct {
		name  string
		spec  slo.Spec
		opts  []rules.Option
		wants []string // every one must be in the error
	}{
		{
			name:  "a latency threshold between two buckets",
			spec:  withSLO(func(s *slo.SLO) { s.SLI.Threshold = 450 * time.Millisecond }),
			wants: []string{"threshold", "450ms", "bucket"},
		},
		{
			name:  "a latency threshold that is no bucket of the buckets given",
			spec:  demo.Spec(),
			opts:  []rules.Option{rules.WithLatencyBuckets(0.1, 0.5, 1)},
			wants: []string{"threshold", "400ms"},
		},
		{
			name:  "a window under an hour",
			spec:  withSLO(func(s *slo.SLO) { s.Window = 30 * time.Minute }),
			wants: []string{`slo "latency_p95"`, "window: 30m", "shorter than 1h"},
		},
		{
			name:  "alert windows that have no set for the SLO's window",
			spec:  demo.Spec(),
			opts:  []rules.Option{rules.WithAlertWindows(mustAlertWindows(t, "28d.yaml", sloth28d))},
			wants: []string{`slo "availability"`, "window", "28d.yaml", "sloPeriod 30d", "28d"},
		},
		{
			name:  "alert windows shorter than the rule groups' interval",
			spec:  spec28d(),
			opts:  []rules.Option{rules.WithAlertWindows(mustAlertWindows(t, "28d.yaml", sloth28d)), rules.WithRuleGroupInterval(10 * time.Minute)},
			wants: []string{`slo "availability"`, "page", "1h/5m", "10m"},
		},
		{
			name:  "a grouping label the rules set themselves",
			spec:  demo.Spec(),
			opts:  []rules.Option{rules.WithGroupingLabels("severity")},
			wants: []string{"grouping label", "severity"},
		},
		{
			name:  "grouping by le, which the latency queries sum away",
			spec:  demo.Spec(),
			opts:  []rules.Option{rules.WithGroupingLabels("le")},
			wants: []string{"grouping label", `"le"`},
		},
		{
			name:  "a grouping label that is no label name",
			spec:  demo.Spec(),
			opts:  []rules.Option{rules.WithGroupingLabels("k8s.cluster")},
			wants: []string{"k8s.cluster", "label name"},
		},
		{
			name:  "a grouping label given twice",
			spec:  demo.Spec(),
			opts:  []rules.Option{rules.WithGroupingLabels("cluster", "cluster")},
			wants: []string{"cluster", "twice"},
		},
		{
			name:  "an SLO label that is also a grouping label",
			spec:  withSLO(func(s *slo.SLO) { s.Labels = map[string]string{"cluster": "east"} }),
			opts:  []rules.Option{rules.WithGroupingLabels("cluster")},
			wants: []string{`slo "latency_p95"`, "cluster", "grouping"},
		},
		{
			name:  "a negative rule group interval",
			spec:  demo.Spec(),
			opts:  []rules.Option{rules.WithRuleGroupInterval(-time.Minute)},
			wants: []string{"interval", "negative"},
		},
		{
			name:  "a spec without a service",
			spec:  func() slo.Spec { s := demo.Spec(); s.Service = ""; return s }(),
			wants: []string{"service"},
		},
		{
			name: "a PromQL SLI without the window placeholder",
			spec: withSLO(func(s *slo.SLO) {
				s.SLI = slo.SLI{Kind: slo.KindLatency, Threshold: 400 * time.Millisecond, PromQL: &slo.PromQL{
					Good: `sum(increase(fast_total[5m]))`, Total: `sum(increase(all_total[{{.window}}]))`}}
			}),
			wants: []string{"good", "{{.window}}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := rules.Generate(tt.spec, tt.opts...)
			if err == nil {
				t.Fatalf("no error; generated %d groups", len(f.Groups))
			}
			if f != nil {
				t.Errorf("a file came back with the error %v", err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestWithLatencyBucketsAcceptsItsOwnBoundaries(t *testing.T) {
	spec := demo.Spec()
	spec.SLOs[1].SLI.Threshold = 450 * time.Millisecond
	f, err := rules.Generate(spec, rules.WithLatencyBuckets(0.1, 0.45, 1))
	if err != nil {
		t.Fatal(err)
	}
	if expr := f.Groups[3].Rules[0].Expr; !strings.Contains(expr, `le="0.45"`) {
		t.Errorf("latency ratio %q does not select the 0.45 bucket", expr)
	}
}

func TestWithMetricNamesRenamesTheQueriedSeries(t *testing.T) {
	f, err := rules.Generate(demo.Spec(), rules.WithMetricNames(rules.MetricNames{
		HTTPDuration: "edge_request_duration_seconds",
		Counters:     map[string]string{"webhook.deliveries": "hooks_sent_total"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{"edge_request_duration_seconds_count", "edge_request_duration_seconds_bucket", "hooks_sent_total{outcome=\"failure\"}"} {
		if !strings.Contains(out, want) {
			t.Errorf("rules do not query %s", want)
		}
	}
	for _, gone := range []string{"http_server_request_duration_seconds", "webhook_deliveries_total"} {
		if strings.Contains(out, gone) {
			t.Errorf("rules still query %s", gone)
		}
	}
}
