package slo_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/otelsource"
	"github.com/sloguard/sloguard/slo/spec"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// The processor watching the SLOs of the service it runs in: the source's
// readers join the application's MeterProvider, samples go to an SQLite
// store, and every evaluation writes the report.
func ExampleNewProcessor() {
	dir, _ := os.MkdirTemp("", "sloguard-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	// Where to start: a spec, here inline; spec.Load reads files from disk.
	checkout, err := spec.Parse("slos.yaml", []byte(`
version: sloguard/v1
service: checkout
slos:
  - name: availability
    objective: 99.9
    sli:
      availability: {}
  - name: latency_p95
    objective: 95
    sli:
      latency: {threshold: 400ms}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := otelsource.New(checkout)
	if err != nil {
		fmt.Println(err)
		return
	}
	var opts []sdkmetric.Option
	for _, r := range src.Readers() {
		opts = append(opts, sdkmetric.WithReader(r))
	}
	mp := sdkmetric.NewMeterProvider(opts...)
	defer mp.Shutdown(ctx)

	store, err := sqlite.Open(filepath.Join(dir, "slo.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	p, err := slo.NewProcessor(slo.Config{
		Spec:       checkout,
		Source:     src,
		Store:      store,
		ReportPath: filepath.Join(dir, "logs", "slo_report.json"),
		Logger:     slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}

	// what otelhttp records for three requests.
	duration, _ := mp.Meter("app").Float64Histogram(slo.DurationMetric, metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(slo.DefaultBucketBoundaries()...))
	for _, r := range []struct {
		status  int
		seconds float64
	}{{200, 0.120}, {200, 0.650}, {503, 0.030}} {
		duration.Record(ctx, r.seconds, metric.WithAttributes(
			attribute.String(slo.RouteAttr, "/orders/{id}"),
			attribute.String(slo.MethodAttr, "GET"),
			attribute.Int(slo.StatusCodeAttr, r.status)))
	}

	// Shutdown stores the last sample and evaluates once more.
	if err := p.Shutdown(ctx); err != nil {
		fmt.Println(err)
		return
	}
	rep, _ := p.Report()
	for _, name := range []string{"availability", "latency_p95"} {
		s := rep.SLOs[name]
		fmt.Printf("%s: %g good of %g\n", name, s.Good, s.Total)
	}
	// Output:
	// availability: 2 good of 3
	// latency_p95: 2 good of 3
}

// Quantiles of request durations, within one bucket (0.54% at scale 7) of
// the nearest-rank value.
func ExampleHistogram_Quantile() {
	var h slo.Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(float64(i) / 1000) // 1ms … 1s
	}
	fmt.Printf("p50 %.0fms, p99 %.0fms, max %.0fms\n", h.Quantile(0.5)*1000, h.Quantile(0.99)*1000, h.Quantile(1)*1000)
	// Output: p50 500ms, p99 990ms, max 1000ms
}
