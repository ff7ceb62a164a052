package openslo_test

import (
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

// promSLO is an OpenSLO SLO over Prometheus queries; the tests below put
// one construct other tools write into it at a time.
const promSLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: api
  displayName: API availability
  labels: LABELS
  annotations: {example.com/owner: payments}
spec:
  service: shop
  indicator:
    metadata: {name: api}
    spec:
      ratioMetric:
        counter: COUNTER
        bad: {metricSource: {type: prometheus, spec: {promql: 'BAD'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'TOTAL'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: OBJECTIVES
`

func promVariant(labels, counter, bad, total, objectives string) string {
	return strings.NewReplacer("LABELS", labels, "COUNTER", counter, "BAD", bad, "TOTAL", total, "OBJECTIVES", objectives).Replace(promSLO)
}

func TestOpenSLOShapesOfOtherToolsLoad(t *testing.T) {
	const (
		rateBad   = `sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))`
		rateTotal = `sum(rate(http_requests_total[{{ .window }}]))`
	)
	tests := []struct {
		name     string
		src      string
		want     []slo.SLO // Name, Objective, Labels, PromQL compared
		warnings []string
	}{
		{
			name: "several objectives are one SLO each, named by displayName or index",
			src:  promVariant("{}", "false", rateBad, rateTotal, "[{displayName: Fast (p99), target: 0.99}, {targetPercent: 99.9}]"),
			want: []slo.SLO{
				{Name: "api-fast-p99", Objective: 0.99, SLI: slo.SLI{PromQL: &slo.PromQL{Bad: rateBad, Total: rateTotal}}},
				{Name: "api-1", Objective: 0.999, SLI: slo.SLI{PromQL: &slo.PromQL{Bad: rateBad, Total: rateTotal}}},
			},
		},
		{
			name: "counter: true over bare selectors counts their increase over each window",
			src:  promVariant("{}", "true", `http_requests_total{code=~"5.."}`, `sum by (job) (http_requests_total)`, "[{target: 0.999}]"),
			want: []slo.SLO{{Name: "api", Objective: 0.999, SLI: slo.SLI{PromQL: &slo.PromQL{
				Bad:   `sum(increase(http_requests_total{code=~"5.."}[{{.window}}]))`,
				Total: `sum by (job) (increase(http_requests_total[{{.window}}]))`,
			}}}},
		},
		{
			name: "labels as OpenSLO allows them are read, each change with a warning",
			src:  promVariant("{team: [a, b], app.kubernetes.io/name: shop, service: checkout, env: [prod]}", "false", rateBad, rateTotal, "[{target: 0.999, op: gte, value: 1}]"),
			want: []slo.SLO{{Name: "api", Objective: 0.999,
				Labels: map[string]string{"team": "a,b", "app_kubernetes_io_name": "shop", "openslo_service": "checkout", "env": "prod"},
				SLI:    slo.SLI{PromQL: &slo.PromQL{Bad: rateBad, Total: rateTotal}}}},
			warnings: []string{
				`lists 2 values: sloguard labels have one value, so they are joined as "a,b"`,
				`"app.kubernetes.io/name" is not a Prometheus label name: read as "app_kubernetes_io_name"`,
				`"service" is a label sloguard sets itself on alerts and rules: renamed "openslo_service"`,
				"op and value compare the values of a thresholdMetric",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, warnings, err := slospec.Read([]slospec.File{{Name: "slos.yaml", Data: []byte(tt.src)}})
			if err != nil {
				t.Fatalf("Read: %v\n%s", err, tt.src)
			}
			if len(spec.SLOs) != len(tt.want) {
				t.Fatalf("got %d SLOs, want %d: %+v", len(spec.SLOs), len(tt.want), spec.SLOs)
			}
			for i, w := range tt.want {
				g := spec.SLOs[i]
				if g.Name != w.Name || g.Objective != w.Objective || *g.SLI.PromQL != *w.SLI.PromQL {
					t.Errorf("SLO %d = %q %v %+v, want %q %v %+v", i, g.Name, g.Objective, *g.SLI.PromQL, w.Name, w.Objective, *w.SLI.PromQL)
				}
				if w.Labels != nil && !equalLabels(g.Labels, w.Labels) {
					t.Errorf("SLO %d labels = %v, want %v", i, g.Labels, w.Labels)
				}
				if g.DisplayName != "API availability" || g.Annotations["example.com/owner"] != "payments" {
					t.Errorf("SLO %d lost its displayName or annotations: %q %v", i, g.DisplayName, g.Annotations)
				}
			}
			if len(warnings) != len(tt.warnings) {
				t.Errorf("got %d warnings, want %d: %v", len(warnings), len(tt.warnings), warnings)
			}
			for _, w := range tt.warnings {
				found := false
				for _, p := range warnings {
					found = found || p.Severity == slo.SeverityWarning && strings.Contains(p.Msg, w) && p.Line > 0
				}
				if !found {
					t.Errorf("no warning with a line says %q: %v", w, warnings)
				}
			}
		})
	}
}

func equalLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
