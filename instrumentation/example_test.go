package instrumentation_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	slospec "github.com/sloguard/sloguard/slo/spec"

	"github.com/gorilla/mux"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sloguard/sloguard/api"
	"github.com/sloguard/sloguard/exporters/ndjson"
	"github.com/sloguard/sloguard/instrumentation"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/otelsource"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// Example_service is the README's "embed it in your service": a gorilla/mux
// service with traces in an NDJSON file, /metrics, and an SLO processor
// whose report and dashboard are served behind a key.
func Example_service() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "sloguard-example-")
	defer os.RemoveAll(dir)

	// 1. The SLOs, here inline; a service reads them with spec.Load([]string{"slos.yaml"}) of package slo/spec.
	spec, err := slospec.Parse("slos.yaml", []byte(`version: sloguard/v1
service: checkout
slos:
  - name: availability
    objective: 99.9
    window: 30d
    sli: {availability: {}}
  - name: latency_p95
    objective: 95
    window: 30d
    sli: {latency: {threshold: 400ms}}
`))
	if err != nil {
		log.Fatal(err)
	}

	// 2. Providers, with the SLO processor's readers on the MeterProvider.
	source, err := otelsource.New(spec)
	if err != nil {
		log.Fatal(err)
	}
	opts := []instrumentation.Option{instrumentation.WithServiceName(spec.Service)}
	for _, r := range source.Readers() {
		opts = append(opts, instrumentation.WithReader(r))
	}
	p, err := instrumentation.New(ctx, opts...)
	if err != nil {
		log.Fatal(err)
	}
	traces, err := ndjson.New(ndjson.WithPath(filepath.Join(dir, "http_traces.ndjson")))
	if err != nil {
		log.Fatal(err)
	}
	p.AddSpanExporter(traces)

	// 3. The SLO processor: a durable store, evaluations every 15 minutes.
	store, err := sqlite.Open(filepath.Join(dir, "sloguard.db"))
	if err != nil {
		log.Fatal(err)
	}
	proc, err := slo.NewProcessor(slo.Config{
		Spec: spec, Source: source, Store: store,
		ReportPath:    filepath.Join(dir, "slo_report.json"),
		MeterProvider: p.MeterProvider,
		Logger:        slog.New(slog.DiscardHandler),
		Recent:        func(route string) []float64 { return p.Recent(route, 60) },
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := proc.Start(ctx); err != nil {
		log.Fatal(err)
	}

	// 4. Your routes, /metrics, and the authenticated SLO API + dashboard.
	r := mux.NewRouter()
	r.HandleFunc("/api/orders/{id}", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "order")
	}).Methods(http.MethodGet)
	r.Handle("/metrics", p.MetricsHandler())
	dash, err := api.New(api.Config{Engine: proc, Key: []byte("a-long-random-dashboard-key")})
	if err != nil {
		log.Fatal(err)
	}
	dash.Register(r)
	srv := httptest.NewServer(p.Handler(r)) // http.ListenAndServe(addr, p.Handler(r))

	resp, _ := http.Get(srv.URL + "/api/orders/42")
	resp.Body.Close()
	fmt.Println("order:", resp.StatusCode)

	// At exit: stop taking requests, then the processor (a last sample and
	// evaluation), the store, and the providers (which flush the spans).
	srv.Close()
	if err := proc.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	store.Close()
	if err := p.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}

	rep, _ := proc.Report()
	fmt.Println("availability events:", rep.SLOs["availability"].Total)
	f, _ := os.Open(filepath.Join(dir, "http_traces.ndjson"))
	defer f.Close()
	ndjson.Read(f, func(rec ndjson.Record) error {
		fmt.Println("span:", rec.Name)
		return nil
	})
	// Output:
	// order: 200
	// availability events: 1
	// span: GET /api/orders/{id}
}

// Head sampling keeps a share of the traces and every request in the
// metrics; the requests it drops cost little more than the bare router. A
// service usually leaves the choice to OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG (read by New, or ahead of it by SamplerFromEnv);
// WithSampler fixes it in code.
func ExampleWithSampler() {
	ctx := context.Background()
	traced := tracetest.NewSpanRecorder()
	p, err := instrumentation.New(ctx,
		instrumentation.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.1))),
		instrumentation.WithSpanProcessor(traced),
		instrumentation.WithoutRuntimeMetrics(),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Shutdown(ctx)
	r := mux.NewRouter()
	r.HandleFunc("/api/orders/{id}", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "order")
	})
	h := p.Handler(r)
	for i := range 1000 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/orders/%d", i), nil))
	}

	mfs, _ := p.Registry.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "http_server_request_duration_seconds" {
			fmt.Println("requests in the duration histogram:", mf.GetMetric()[0].GetHistogram().GetSampleCount())
		}
	}
	n := len(traced.Ended())
	fmt.Println("traced about one in ten:", n > 50 && n < 150)
	// Output:
	// requests in the duration histogram: 1000
	// traced about one in ten: true
}
