package rules_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// TestDefaultRulesQueryTheExportersSeries serves real requests through
// otelhttp and records the webhook counter, exports both with the real
// Prometheus exporter, and checks that every metric and label the default
// rules select is one the exporter serves.
func TestDefaultRulesQueryTheExportersSeries(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithTranslationStrategy(httpmetrics.PrometheusTranslation))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	t.Cleanup(func() { _ = mp.Shutdown(ctx) })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "broken" {
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	})
	srv := httptest.NewServer(otelhttp.NewHandler(mux, "server", otelhttp.WithMeterProvider(mp)))
	defer srv.Close()
	for _, id := range []string{"1", "broken"} {
		resp, err := srv.Client().Get(srv.URL + "/api/items/" + id)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	srv.Client().CloseIdleConnections()

	deliveries, err := mp.Meter("webhooks").Int64Counter("webhook.deliveries", metric.WithUnit("{delivery}"))
	if err != nil {
		t.Fatal(err)
	}
	deliveries.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", "failure")))

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string][]string{} // series name -> label names
	for _, f := range families {
		names := []string{f.GetName()}
		if f.GetType().String() == "HISTOGRAM" {
			names = []string{f.GetName() + "_bucket", f.GetName() + "_count", f.GetName() + "_sum"}
		}
		var labels []string
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if !slices.Contains(labels, l.GetName()) {
					labels = append(labels, l.GetName())
				}
			}
		}
		for _, n := range names {
			served[n] = labels
		}
	}

	// A metric name, its matchers (quoted values may hold braces), a range.
	selectorRE := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_:]*)(\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})?\[`)
	labelRE := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)(=~|!=|=)"`)
	checked, withRoute := 0, 0
	var groups []rules.RuleGroup
	for _, spec := range []slo.Spec{demo.Spec(), spec28d()} { // spec28d filters by route and method
		file, err := rules.Generate(spec)
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, file.Groups...)
	}
	for _, g := range groups {
		for _, r := range g.Rules {
			for _, m := range selectorRE.FindAllStringSubmatch(r.Expr, -1) {
				name := m[1]
				labels, ok := served[name]
				if !ok {
					t.Errorf("rule %s%s reads %s, which the exporter does not serve (served: %v)", r.Record, r.Alert, name, keys(served))
					continue
				}
				checked++
				if strings.Contains(m[2], "route") {
					withRoute++
				}
				for _, lm := range labelRE.FindAllStringSubmatch(m[2], -1) {
					if lm[1] == "le" && strings.HasSuffix(name, "_bucket") {
						continue
					}
					if !slices.Contains(labels, lm[1]) {
						t.Errorf("rule %s%s selects label %s of %s, which the exporter does not write (labels: %v)", r.Record, r.Alert, lm[1], name, labels)
					}
				}
			}
		}
	}
	if checked == 0 || withRoute == 0 {
		t.Fatalf("checked %d selectors, %d of them with a route filter: the test checks too little", checked, withRoute)
	}
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
