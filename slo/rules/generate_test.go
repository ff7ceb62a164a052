package rules_test

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/internal/golden"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// spec28d is the default spec with every SLO over 28 days, a team label
// and, for the availability SLO, a route and method filter.
func spec28d() slo.Spec {
	s := demo.Spec()
	for i := range s.SLOs {
		s.SLOs[i].Window = 28 * slo.Day
		s.SLOs[i].Labels = map[string]string{"team": "payments"}
	}
	s.SLOs[0].SLI.Routes = []string{"/api/payments", "/api/payments/{id}"}
	s.SLOs[0].SLI.Methods = []string{"POST"}
	return s
}

// promQLSpec has an SLI given as PromQL and a latency SLI at a whole-second
// threshold, whose bucket Prometheus 2 and 3 label differently.
func promQLSpec() slo.Spec {
	return slo.Spec{
		Version: slo.Version,
		Service: "checkout",
		SLOs: []slo.SLO{
			{
				Name: "orders", Objective: 0.995, Window: 30 * slo.Day, MinEvents: 50,
				SLI: slo.SLI{Kind: slo.KindEvents, Metric: "orders.placed", Good: slo.Matcher{"outcome": {"ok"}},
					PromQL: &slo.PromQL{
						Good:  `sum(increase(orders_total{outcome="ok"}[{{.window}}]))`,
						Total: `sum(increase(orders_total[{{.window}}]))`,
					}},
			},
			{
				Name: "slow_checkout", Objective: 0.99, Window: 30 * slo.Day,
				SLI: slo.SLI{Kind: slo.KindLatency, Threshold: time.Second, Routes: []string{"/checkout"}},
			},
		},
	}
}

type goldenCase struct {
	name string
	spec slo.Spec
	opts []rules.Option
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{name: "default", spec: demo.Spec()},
		{name: "28d", spec: spec28d(), opts: []rules.Option{
			rules.WithGroupingLabels("cluster"),
			rules.WithRuleGroupInterval(30 * time.Second),
			rules.WithRunbook("https://runbooks.example.com/sloguard.md"),
		}},
		{name: "promql", spec: promQLSpec()},
		{name: "short-windows", spec: windowsSpec(time.Hour, 6*time.Hour, 7*slo.Day)},
		{name: "alerting", spec: alertingSpec()},
		{name: "alert-windows", spec: windowsSpec(7 * slo.Day), opts: []rules.Option{
			rules.WithAlertWindows(loadAlertWindows("testdata/7d.alertwindows.yaml")),
		}},
	}
}

// alertingSpec has SLOs with alert settings: one as Sloth's getting
// started example sets them (a name, labels and annotations, tickets
// off), one as Pyrra's absent: false and an OpenSLO policy list keeping
// the quick page alone.
func alertingSpec() slo.Spec {
	s := demo.Spec()
	s.SLOs = s.SLOs[:2]
	s.SLOs[0].Alerting = slo.Alerting{
		Name:        "CheckoutHighErrorRate",
		Labels:      map[string]string{"category": "availability"},
		Annotations: map[string]string{"summary": "High error rate on checkout"},
		Page:        slo.AlertClass{Labels: map[string]string{"routing_key": "myteam"}, Annotations: map[string]string{"playbook": "https://wiki.example/pages"}},
		Ticket:      slo.AlertClass{Disabled: true},
	}
	s.SLOs[1].Alerting = slo.Alerting{
		Disabled: []string{slo.AlertMetricAbsent, slo.AlertBudgetConsumed},
		Policies: []slo.AlertPolicy{{Name: "latency-fast-burn", Pair: slo.BurnPair{Severity: "page"}}},
	}
	return s
}

// windowsSpec has one availability SLO per window.
func windowsSpec(windows ...time.Duration) slo.Spec {
	s := slo.Spec{Version: slo.Version, Service: "shop"}
	for _, w := range windows {
		s.SLOs = append(s.SLOs, slo.SLO{
			Name: "availability_" + slo.WindowName(w), Objective: 0.99, Window: w, MinEvents: 20,
			SLI: slo.SLI{Kind: slo.KindAvailability},
		})
	}
	return s
}

func loadAlertWindows(path string) *slo.AlertWindowSets {
	a, err := slo.LoadAlertWindows(path)
	if err != nil {
		panic(err) // a fixture of the tests
	}
	return a
}

func TestGenerateMatchesGoldenFiles(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			f, err := rules.Generate(tc.spec, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tc.name+".rules.yaml"), got)
		})
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	for _, tc := range goldenCases() {
		var first []byte
		for range 5 {
			f, err := rules.Generate(tc.spec, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = b
			} else if !bytes.Equal(first, b) {
				t.Fatalf("%s: two runs gave different files:\n%s", tc.name, firstDiff(string(first), string(b)))
			}
		}
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(same lines)"
}

// A Prometheus that receives the app's metrics twice (scraped, and through
// the Collector) counts them once when the rules select one job.
func TestMatchersReachEveryDerivedSelector(t *testing.T) {
	f, err := rules.Generate(demo.Spec(), rules.WithMatchers(`job="sloguard"`))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			for _, metric := range []string{"http_server_request_duration_seconds_count", "http_server_request_duration_seconds_bucket", "webhook_deliveries_total"} {
				for rest := r.Expr; ; {
					i := strings.Index(rest, metric)
					if i < 0 {
						break
					}
					rest = rest[i+len(metric):]
					n++
					if !strings.HasPrefix(rest, `{job="sloguard"`) {
						t.Fatalf("rule %s selects %s without the job matcher: %s", r.Record+r.Alert, metric, r.Expr)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no selector found to check")
	}
	if _, err := rules.Generate(demo.Spec(), rules.WithMatchers(`job=sloguard`)); err == nil || !strings.Contains(err.Error(), "double quotes") {
		t.Errorf("an unquoted matcher gave %v, want an error saying to quote it", err)
	}
}
