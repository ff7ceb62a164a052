package httpmetrics_test

import (
	"context"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sloguard/sloguard/httpmetrics"
)

func TestPrometheusTranslationIsTheExporterStrategyOfThatName(t *testing.T) {
	if httpmetrics.PrometheusTranslation != otlptranslator.UnderscoreEscapingWithSuffixes {
		t.Fatalf("PrometheusTranslation = %q, want otlptranslator.UnderscoreEscapingWithSuffixes (%q)",
			httpmetrics.PrometheusTranslation, otlptranslator.UnderscoreEscapingWithSuffixes)
	}
}

// TestPrometheusNamesMatchTheExporter records real instruments through the
// real Prometheus exporter and checks that the names the functions predict
// are the names the registry serves.
func TestPrometheusNamesMatchTheExporter(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(
		otelprom.WithRegisterer(reg),
		otelprom.WithTranslationStrategy(httpmetrics.PrometheusTranslation),
	)
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	t.Cleanup(func() { _ = mp.Shutdown(ctx) })
	meter := mp.Meter("promnames-test")

	type instrument struct {
		name, unit string
		kind       httpmetrics.MetricKind
		attrs      []attribute.KeyValue
	}
	httpAttrs := []attribute.KeyValue{
		attribute.String("http.route", "/api/items/{id}"),
		attribute.String("http.request.method", "GET"),
		attribute.Int("http.response.status_code", 200),
	}
	instruments := []instrument{
		{name: "http.server.request.duration", unit: "s", kind: httpmetrics.MetricHistogram, attrs: httpAttrs},
		{name: "webhook.deliveries", unit: "{delivery}", kind: httpmetrics.MetricCounter,
			attrs: []attribute.KeyValue{attribute.String("outcome", "failure")}},
		{name: "payments.processed", unit: "{payment}", kind: httpmetrics.MetricCounter,
			attrs: []attribute.KeyValue{attribute.String("outcome", "success")}},
		{name: "sloguard.scheduler.ticks", unit: "", kind: httpmetrics.MetricCounter},
		{name: "process.memory.usage", unit: "By", kind: httpmetrics.MetricUpDownCounter,
			attrs: []attribute.KeyValue{attribute.String("memory.type", "heap")}},
		{name: "system.cpu.utilization", unit: "1", kind: httpmetrics.MetricGauge},
	}
	for _, in := range instruments {
		opts := metric.WithAttributes(in.attrs...)
		switch in.kind {
		case httpmetrics.MetricHistogram:
			h, err := meter.Float64Histogram(in.name, metric.WithUnit(in.unit))
			if err != nil {
				t.Fatal(err)
			}
			h.Record(ctx, 0.12, opts)
		case httpmetrics.MetricCounter:
			c, err := meter.Int64Counter(in.name, metric.WithUnit(in.unit))
			if err != nil {
				t.Fatal(err)
			}
			c.Add(ctx, 3, opts)
		case httpmetrics.MetricUpDownCounter:
			c, err := meter.Int64UpDownCounter(in.name, metric.WithUnit(in.unit))
			if err != nil {
				t.Fatal(err)
			}
			c.Add(ctx, 1024, opts)
		case httpmetrics.MetricGauge:
			g, err := meter.Float64Gauge(in.name, metric.WithUnit(in.unit))
			if err != nil {
				t.Fatal(err)
			}
			g.Record(ctx, 0.5, opts)
		}
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	labelsOf := map[string][]string{}
	for _, f := range families {
		var names []string
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				names = append(names, l.GetName())
			}
		}
		labelsOf[f.GetName()] = names
	}
	gathered := make([]string, 0, len(labelsOf))
	for n := range labelsOf {
		gathered = append(gathered, n)
	}
	slices.Sort(gathered)

	for _, in := range instruments {
		want := httpmetrics.PrometheusMetricName(in.name, in.unit, in.kind)
		labels, ok := labelsOf[want]
		if !ok {
			t.Errorf("PrometheusMetricName(%q, %q, %v) = %q, not among the gathered families %q",
				in.name, in.unit, in.kind, want, gathered)
			continue
		}
		for _, a := range in.attrs {
			ln := httpmetrics.PrometheusLabelName(string(a.Key))
			if !slices.Contains(labels, ln) {
				t.Errorf("PrometheusLabelName(%q) = %q, not among the labels %q of %s", a.Key, ln, labels, want)
			}
		}
	}

	// The names the rest of the product writes down must be the ones served.
	for _, want := range []string{
		"http_server_request_duration_seconds",
		"webhook_deliveries_total",
		"payments_processed_total",
	} {
		if _, ok := labelsOf[want]; !ok {
			t.Errorf("family %q not gathered; got %q", want, gathered)
		}
	}
}

func TestPrometheusNamesOfUntranslatableNamesAreEmpty(t *testing.T) {
	tests := []struct {
		name string
		got  string
	}{
		{"an empty metric name", httpmetrics.PrometheusMetricName("", "s", httpmetrics.MetricHistogram)},
		{"a metric name of dots only", httpmetrics.PrometheusMetricName("...", "", httpmetrics.MetricGauge)},
		{"an empty attribute", httpmetrics.PrometheusLabelName("")},
		{"an attribute of underscores only", httpmetrics.PrometheusLabelName("__")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != "" {
				t.Errorf("got %q, want \"\"", tt.got)
			}
		})
	}
}

func TestBucketBoundariesAreACopyEveryCall(t *testing.T) {
	a := httpmetrics.BucketBoundaries()
	want := slices.Clone(a)
	a[0] = 99
	if b := httpmetrics.BucketBoundaries(); !slices.Equal(b, want) {
		t.Fatalf("after a caller changed its copy, BucketBoundaries() = %v, want %v", b, want)
	}
	if !slices.IsSorted(want) || !slices.Contains(want, 0.4) {
		t.Fatalf("BucketBoundaries() = %v: want ascending boundaries holding 0.4, the Flask app's latency threshold", want)
	}
}
