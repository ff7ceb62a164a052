package rules_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/internal/testbin"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// TestRateAndIncreaseQueriesPageAlike runs, under promtool, the rules of one
// SLO written twice, with increase() and with rate(), over the same series:
// both must page at the same evaluation times, and both must hold back the
// same way when the long window has fewer events than min_events. A rate
// read as a count would hold back at 1 request per second, for it would
// compare about 1 (per second) with 100 (requests).
func TestRateAndIncreaseQueriesPageAlike(t *testing.T) {
	spellings := map[string]string{"increase": "sum(increase(%s[{{.window}}]))", "rate": "sum(rate(%s[{{.window}}]))"}
	const (
		bad   = `webhook_deliveries_total{outcome="failure"}`
		total = `webhook_deliveries_total`
	)
	tests := []struct {
		name      string
		perMinute float64 // events a minute, for the first 180 minutes
		badShare  float64
		minEvents float64
		// paging says, per evaluation minute, whether the 1h page fires.
		paging map[int]bool
	}{
		{
			name:      "1 request a second with 10% failing pages until the short window clears",
			perMinute: 60, badShare: 0.1, minEvents: 100,
			paging: map[int]bool{10: true, 60: true, 170: true, 200: false, 300: false},
		},
		{
			name:      "half a request a minute holds fewer events than min_events and never pages",
			perMinute: 0.5, badShare: 0.5, minEvents: 100,
			paging: map[int]bool{10: false, 60: false, 170: false, 200: false},
		},
		{
			name:      "the same low traffic pages once min_events is under what the long window holds",
			perMinute: 0.5, badShare: 0.5, minEvents: 10,
			paging: map[int]bool{60: true, 170: true, 200: false},
		},
	}
	promtool := testbin.Path(t, "promtool")
	for _, tt := range tests {
		for spelling, tmpl := range spellings {
			t.Run(tt.name+"/"+spelling, func(t *testing.T) {
				spec := slo.Spec{Version: slo.Version, Service: testService, SLOs: []slo.SLO{{
					Name: "deliveries", Objective: 0.999, Window: 30 * slo.Day, MinEvents: tt.minEvents,
					SLI: slo.SLI{Kind: slo.KindEvents, Metric: "webhook.deliveries", Bad: slo.Matcher{"outcome": {"failure"}},
						PromQL: &slo.PromQL{Bad: fmt.Sprintf(tmpl, bad), Total: fmt.Sprintf(tmpl, total)}},
				}}}
				if err := spec.Validate(nil); err != nil {
					t.Fatalf("the spec is refused: %v", err)
				}
				file, err := rules.Generate(spec)
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				if err := file.WriteFile(filepath.Join(dir, "rules.yaml")); err != nil {
					t.Fatal(err)
				}
				good := tt.perMinute * (1 - tt.badShare)
				failed := tt.perMinute * tt.badShare
				var b strings.Builder
				fmt.Fprintf(&b, "rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n")
				fmt.Fprintf(&b, "      - series: '%s'\n        values: '0+%gx180 %g+%gx180'\n", `webhook_deliveries_total{outcome="success"}`, good, good*180, tt.perMinute)
				fmt.Fprintf(&b, "      - series: '%s'\n        values: '0+%gx180 %g+0x180'\n", bad, failed, failed*180)
				b.WriteString("    promql_expr_test:\n")
				for minute, fires := range tt.paging {
					want := 0
					if fires {
						want = 1
					}
					fmt.Fprintf(&b, "      - expr: 'count(ALERTS{alertname=\"SLOErrorBudgetBurn\",alertstate=\"firing\",severity=\"page\",long_window=\"1h\"}) or vector(0)'\n        eval_time: %dm\n        exp_samples: [{labels: '{}', value: %d}]\n", minute, want)
				}
				testPath := filepath.Join(dir, "rules_test.yaml")
				if err := os.WriteFile(testPath, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(promtool, "test", "rules", testPath).CombinedOutput(); err != nil {
					t.Fatalf("promtool test rules: %v\n%s", err, truncate(string(out), 4000))
				}
			})
		}
	}
}
