package promsource_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	slospec "github.com/sloguard/sloguard/slo/spec"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/internal/golden"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/promsource"
	"github.com/sloguard/sloguard/slo/rules"
)

// goldenSpecs are the specs whose queries are kept in testdata: the
// built-in SLOs, and a spec with routes, methods, several values, an
// events total matcher and PromQL of its own.
func goldenSpecs(t *testing.T) map[string]slo.Spec {
	t.Helper()
	checkoutPath := filepath.Join("..", "spec", "sloguard", "testdata", "checkout.yaml")
	checkout, err := slospec.Parse(checkoutPath, mustRead(t, checkoutPath))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]slo.Spec{"default": demo.Spec(), "checkout": checkout}
}

func TestQueriesMatchGoldenFiles(t *testing.T) {
	for name, spec := range goldenSpecs(t) {
		for _, variant := range []struct {
			suffix   string
			matchers []string
		}{
			{"", nil},
			{".region-eu", []string{`region="eu"`, `cluster=~"eu-.*"`}},
		} {
			t.Run(name+variant.suffix, func(t *testing.T) {
				src := newSource(t, promsource.WithURL("http://prometheus:9090"), promsource.WithMatchers(variant.matchers...))
				var b strings.Builder
				fmt.Fprintf(&b, "# queries of testdata spec %q, matchers %q\n", name, variant.matchers)
				for _, s := range spec.SLOs {
					for _, w := range []time.Duration{5 * time.Minute, 30 * slo.Day, 1500 * time.Millisecond} {
						q, err := src.Queries(s, w)
						if err != nil {
							t.Fatalf("SLO %s: %v", s.Name, err)
						}
						fmt.Fprintf(&b, "\n%s over %s\n  total: %s\n", s.Name, w, q.Total)
						if q.Good != "" {
							fmt.Fprintf(&b, "  good:  %s\n", q.Good)
						}
						if q.Bad != "" {
							fmt.Fprintf(&b, "  bad:   %s\n", q.Bad)
						}
					}
				}
				path := filepath.Join("testdata", name+variant.suffix+".queries")
				golden.Assert(t, path, []byte(b.String()))
			})
		}
	}
}

// TestQueriesSelectWhatTheRulesSelect checks that the source and the
// Prometheus rules read the same series for every SLO: the rules' event
// count is the source's total query, and the rules' error ratio divides
// rates of the very selectors the source's queries increase over.
func TestQueriesSelectWhatTheRulesSelect(t *testing.T) {
	src := newSource(t, promsource.WithURL("http://prometheus:9090"))
	for name, spec := range goldenSpecs(t) {
		// The rules need windows of at least a minute: give every SLO 30 days.
		for i := range spec.SLOs {
			spec.SLOs[i].Window = slo.DefaultWindow
		}
		file, err := rules.Generate(spec)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		exprs := map[string]string{} // slo/record -> expr
		for _, g := range file.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					exprs[r.Labels["slo"]+"/"+r.Record] = r.Expr
				}
			}
		}
		for _, s := range spec.SLOs {
			long := slo.AlertWindows(s.Window)[0].Long
			w := slo.WindowName(long)
			q, err := src.Queries(s, long)
			if err != nil {
				t.Fatal(err)
			}
			ratio, ok := exprs[s.Name+"/"+rules.ErrorRatioPrefix+w]
			if !ok {
				t.Fatalf("%s: the rules record no error ratio over %s for SLO %s", name, w, s.Name)
			}
			if s.SLI.PromQL != nil {
				for _, part := range []string{q.Total, q.Good + q.Bad} {
					if !strings.Contains(ratio, part) {
						t.Errorf("%s/%s: the rules' error ratio %s does not use the query %s", name, s.Name, ratio, part)
					}
				}
				continue
			}
			for _, query := range []string{q.Total, q.Good + q.Bad} {
				sel, ok := strings.CutPrefix(query, "sum(increase(")
				sel, ok2 := strings.CutSuffix(sel, "["+w+"]))")
				if !ok || !ok2 {
					t.Fatalf("%s/%s: query %s is not sum(increase(selector[%s]))", name, s.Name, query, w)
				}
				if !strings.Contains(ratio, "rate("+sel+"["+w+"])") {
					t.Errorf("%s/%s: the rules' error ratio %s does not read %s", name, s.Name, ratio, sel)
				}
			}
			if s.MinEvents > 0 {
				if events := exprs[s.Name+"/"+rules.EventsPrefix+w]; events != q.Total {
					t.Errorf("%s/%s: the rules count the events of %s as %s, the source as %s", name, s.Name, w, events, q.Total)
				}
			}
		}
	}
}

func TestQueriesRefuseSLIsWithoutQueries(t *testing.T) {
	src := newSource(t, promsource.WithURL("http://prometheus:9090"))
	for _, tc := range []struct {
		name string
		sli  slo.SLI
		want string
	}{
		{"no kind", slo.SLI{}, "kind is not set"},
		{"an unknown kind", slo.SLI{Kind: "throughput"}, `unknown kind "throughput"`},
		{"latency without threshold", slo.SLI{Kind: slo.KindLatency}, "threshold is not set"},
		{"an empty route", slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/a", ""}}, "routes[1] is empty"},
		{"events without metric", slo.SLI{Kind: slo.KindEvents, Bad: slo.Matcher{"outcome": {"failure"}}}, "metric is not set"},
		{"events with good and bad", slo.SLI{Kind: slo.KindEvents, Metric: "jobs", Good: slo.Matcher{"a": {"b"}}, Bad: slo.Matcher{"a": {"c"}}}, "both good and bad"},
		{"events with neither", slo.SLI{Kind: slo.KindEvents, Metric: "jobs"}, "neither good nor bad"},
		{"a matcher without values", slo.SLI{Kind: slo.KindEvents, Metric: "jobs", Bad: slo.Matcher{"outcome": nil}}, "lists no value"},
		{"promql without window", slo.SLI{PromQL: &slo.PromQL{Bad: "sum(x)", Total: "sum(increase(y[{{.window}}]))"}}, "does not use the {{.window}} placeholder"},
		{"promql with another placeholder", slo.SLI{PromQL: &slo.PromQL{Bad: "sum(increase(x[{{.range}}]))", Total: "sum(increase(y[{{.window}}]))"}}, "range"},
		{"promql without total", slo.SLI{PromQL: &slo.PromQL{Bad: "sum(increase(x[{{.window}}]))"}}, "total is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := src.Queries(slo.SLO{Name: "x", SLI: tc.sli}, time.Hour)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %+v, %v; want an error saying %q", q, err, tc.want)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
