package rules_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// grafanaDashboard is what the test reads of a dashboard: the panels'
// queries and the template variables' queries.
type grafanaDashboard struct {
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Targets []struct {
			Expr  string `json:"expr"`
			RefID string `json:"refId"`
		} `json:"targets"`
	} `json:"panels"`
}

var dashboardPath = filepath.Join("..", "..", "otel-config", "grafana", "dashboards", "sloguard-slo.json")

func readGrafanaDashboard(t *testing.T) grafanaDashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	return d
}

// labelValuesRE reads Grafana's label_values(selector, label).
var labelValuesRE = regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// dashboardSpec has one SLO per SLI kind and per window people use.
func dashboardSpec() slo.Spec {
	d := demo.Spec()
	byKind := map[slo.Kind]slo.SLO{}
	for _, s := range d.SLOs {
		byKind[s.SLI.Kind] = s
	}
	with := func(k slo.Kind, name string, w time.Duration) slo.SLO {
		s := byKind[k]
		s.Name, s.Window, s.MinEvents = name, w, 10
		return s
	}
	return slo.Spec{Version: slo.Version, Service: testService, SLOs: []slo.SLO{
		with(slo.KindAvailability, "availability_30d", 30*slo.Day),
		with(slo.KindLatency, "latency_28d", 28*slo.Day),
		with(slo.KindEvents, "webhooks_7d", 7*slo.Day),
		with(slo.KindAvailability, "availability_1h", time.Hour),
	}}
}

// dashboardSeries are 20 requests a minute from minute 1, one of them a
// slow 500, and 20 webhook deliveries, one failing: every SLI's error ratio
// is 5% over every window, exactly (the series are proportional).
func dashboardSeries(minutes int) []inputSeries {
	counter := func(perMinute float64) string {
		vals := []string{"_"}
		for m := 1; m <= minutes; m++ {
			vals = append(vals, fnum(perMinute*float64(m)))
		}
		return strings.Join(vals, " ")
	}
	http := func(name, code, extra string) string {
		return fmt.Sprintf(`%s{http_request_method="GET",http_response_status_code="%s",http_route="/api/items/{id}",instance="app-0:8080",job="shop"%s}`, name, code, extra)
	}
	return []inputSeries{
		{Series: http(durationSeries+"_count", "200", ""), Values: counter(19)},
		{Series: http(durationSeries+"_count", "500", ""), Values: counter(1)},
		{Series: http(durationSeries+"_bucket", "200", `,le="0.25"`), Values: counter(19)},
		{Series: http(durationSeries+"_bucket", "200", `,le="0.4"`), Values: counter(19)},
		{Series: http(durationSeries+"_bucket", "200", `,le="+Inf"`), Values: counter(19)},
		{Series: http(durationSeries+"_bucket", "500", `,le="0.25"`), Values: counter(0)},
		{Series: http(durationSeries+"_bucket", "500", `,le="0.4"`), Values: counter(0)},
		{Series: http(durationSeries+"_bucket", "500", `,le="+Inf"`), Values: counter(1)},
		{Series: webhookSeries + `{instance="app-0:8080",job="shop",outcome="success"}`, Values: counter(19)},
		{Series: webhookSeries + `{instance="app-0:8080",job="shop",outcome="failure"}`, Values: counter(1)},
	}
}

// TestEveryDashboardPanelShowsEverySLO evaluates every query of the Grafana
// dashboard, its variables substituted as Grafana does (All and each
// value), against the generated rules of SLOs over 30d, 28d, 7d and 1h
// windows under promtool: a query that returns nothing fails. The error
// ratio panel must also read 5%, the share of the synthetic errors.
func TestEveryDashboardPanelShowsEverySLO(t *testing.T) {
	d := readGrafanaDashboard(t)
	spec := dashboardSpec()
	file, err := rules.Generate(spec, rules.WithScrapeInterval(testScrape))
	if err != nil {
		t.Fatal(err)
	}
	const at = "150m"
	tg := testGroup{Name: "dashboard", Interval: "1m", InputSeries: dashboardSeries(180)}
	nonEmpty := func(expr string) promqlTest {
		return promqlTest{Expr: "count(" + expr + ") > bool 0", EvalTime: at, ExpSamples: []expSample{{Labels: "{}", Value: 1}}}
	}

	var sloNames []string
	for _, s := range spec.SLOs {
		sloNames = append(sloNames, s.Name)
	}
	// The values each variable takes: Grafana's All (its allValue, .*) and
	// every single value.
	values := map[string][]string{
		"service":         {".*", testService},
		"slo":             append([]string{".*"}, sloNames...),
		"job":             {".*", "shop"},
		"route":           {".*", `/api/items/\\{id\\}`},
		"datasource":      {"prometheus"},
		"__rate_interval": {"4m"},
	}
	wantValues := map[string][]string{"service": {testService}, "slo": sloNames, "job": {"shop"}, "route": {"/api/items/{id}"}}

	substitute := func(expr, name, value string) string {
		r := strings.NewReplacer("${"+name+"}", value, "$"+name, value)
		return r.Replace(expr)
	}
	// every expands expr over the values of the variables it names.
	var every func(expr string) []string
	every = func(expr string) []string {
		for _, n := range slices.Sorted(maps.Keys(values)) {
			if strings.Contains(expr, "$"+n) || strings.Contains(expr, "${"+n+"}") {
				var out []string
				for _, v := range values[n] {
					out = append(out, every(substitute(expr, n, v))...)
				}
				return out
			}
		}
		if strings.Contains(expr, "$") && regexp.MustCompile(`\$\{?[A-Za-z_]`).MatchString(expr) {
			t.Fatalf("query %q uses a variable the test does not know", expr)
		}
		return []string{expr}
	}

	// Each variable lists every value (label_values over the rules' series).
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		m := labelValuesRE.FindStringSubmatch(fmt.Sprint(q["query"]))
		if m == nil {
			t.Fatalf("variable %s: query %v is not label_values(selector, label)", v.Name, v.Query)
		}
		want := wantValues[v.Name]
		if len(want) == 0 {
			t.Fatalf("variable %s: the test does not know its values", v.Name)
		}
		for _, sel := range every(m[1]) {
			var exp []expSample
			for _, w := range want {
				exp = append(exp, expSample{Labels: "{" + m[2] + "=" + fmt.Sprintf("%q", w) + "}", Value: 1})
			}
			tg.PromqlExprTests = append(tg.PromqlExprTests, promqlTest{
				Expr: "count by (" + m[2] + ") (" + sel + ") > bool 0", EvalTime: at, ExpSamples: exp})
		}
	}

	// Every panel query, for every value of its variables, returns series.
	queries := 0
	for _, p := range d.Panels {
		for _, tgt := range p.Targets {
			if tgt.Expr == "" {
				t.Errorf("panel %q query %s has no expression", p.Title, tgt.RefID)
				continue
			}
			for _, expr := range every(tgt.Expr) {
				tg.PromqlExprTests = append(tg.PromqlExprTests, nonEmpty(expr))
				queries++
			}
		}
	}
	if queries < 50 {
		t.Fatalf("only %d queries to evaluate: the test checks too little", queries)
	}

	// The error ratio over the SLO window is each SLO's own: 5% of events.
	ratioPanel := ""
	for _, p := range d.Panels {
		if strings.HasPrefix(p.Title, "Error ratio") && len(p.Targets) == 1 {
			ratioPanel = p.Targets[0].Expr
		}
	}
	if ratioPanel == "" {
		t.Fatal("no single-query error ratio panel")
	}
	for _, name := range sloNames {
		expr := substitute(substitute(ratioPanel, "service", testService), "slo", name)
		tg.PromqlExprTests = append(tg.PromqlExprTests, promqlTest{
			Expr: "abs(" + expr + " - 0.05) < bool 1e-9", EvalTime: at,
			ExpSamples: []expSample{{Labels: promLabels(map[string]string{"service": testService, "slo": name}), Value: 1}},
		})
	}
	runPromtool(t, file, tg)
}
