package promql

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sloguard/sloguard/httpmetrics"
)

// TestBucketMatcherSelectsTheExportersBuckets exposes a real histogram with
// the instrumentation's buckets through the real exporter, in the text
// format (what Prometheus 2 stored) and in OpenMetrics (the form Prometheus 3
// normalises every le value to), and checks that the matcher of each bound
// selects that bound's bucket, and no other, in both.
func TestBucketMatcherSelectsTheExportersBuckets(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithTranslationStrategy(httpmetrics.PrometheusTranslation))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	t.Cleanup(func() { _ = mp.Shutdown(ctx) })
	h, err := mp.Meter("bucket-test").Float64Histogram(httpmetrics.DurationMetric, metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(httpmetrics.BucketBoundaries()...))
	if err != nil {
		t.Fatal(err)
	}
	h.Record(ctx, 0.3)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}

	bucketLine := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(HTTPDuration()) + `_bucket\{.*le="([^"]+)".*\}`)
	for _, format := range []expfmt.Format{expfmt.NewFormat(expfmt.TypeTextPlain), expfmt.NewFormat(expfmt.TypeOpenMetrics)} {
		var buf bytes.Buffer
		enc := expfmt.NewEncoder(&buf, format)
		for _, f := range families {
			if err := enc.Encode(f); err != nil {
				t.Fatal(err)
			}
		}
		var les []string
		for _, m := range bucketLine.FindAllStringSubmatch(buf.String(), -1) {
			les = append(les, m[1])
		}
		// The exposition lists the buckets in ascending order, then +Inf.
		if len(les) != len(httpmetrics.BucketBoundaries())+1 {
			t.Fatalf("%s: got le values %q, want %d buckets and +Inf", format, les, len(httpmetrics.BucketBoundaries()))
		}
		for i, bound := range httpmetrics.BucketBoundaries() {
			m := BucketMatcher(bound)
			var matches func(string) bool
			switch m.Op {
			case "=":
				matches = func(s string) bool { return s == m.Value }
			case "=~":
				re := regexp.MustCompile("^(?:" + m.Value + ")$") // PromQL anchors regexes
				matches = re.MatchString
			default:
				t.Fatalf("BucketMatcher(%v) has operator %q", bound, m.Op)
			}
			for j, le := range les {
				if got, want := matches(le), i == j; got != want {
					t.Errorf("%s: matcher %s for bound %v matches le=%q: %v, want %v", format, m, bound, le, got, want)
				}
			}
		}
	}
}

func TestOpenMetricsFloatFormatsAsPrometheusStoresLe(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0.4, "0.4"},
		{1, "1.0"},
		{10, "10.0"},
		{2.5, "2.5"},
		{0.005, "0.005"},
		{1e-7, "1e-07"},
	}
	for _, tt := range tests {
		if got := openMetricsFloat(tt.in); got != tt.want {
			t.Errorf("openMetricsFloat(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
