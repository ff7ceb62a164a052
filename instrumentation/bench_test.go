package instrumentation_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/instrumentation"
)

// The handler chain benchmarks compare, in one run, the cost per request of
// a bare gorilla/mux router, the same router with our instrumentation, with
// stock otelhttp and the SDK as its documentation wires them, and with
// client_golang's promhttp middleware. Every span is sampled and goes through
// a BatchSpanProcessor to an exporter that drops it, so the figures are the
// instrumentation's, not a disk's.
//
//	go test -run '^$' -bench 'Handler|Scrape' -benchmem ./instrumentation/

func benchRouter() *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/api/items/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"42"}`)
	}).Methods(http.MethodGet)
	return r
}

func runHandler(b *testing.B, h http.Handler) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/items/42", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
	cpu = processCPU() - cpu
	b.StopTimer()
	if w.code != http.StatusOK {
		b.Fatalf("status %d", w.code)
	}
	// The process's CPU time per request, background work (span batching,
	// GC) included: on a busy machine wall time also counts other
	// processes, CPU time does not.
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler chain and not httptest.ResponseRecorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(c int) { w.code = c }

// The rest of what net/http's HTTP/1 writer offers, so that the handler
// treats discardWriter as it treats the server's writer.
func (w *discardWriter) WriteString(s string) (int, error)   { return w.Write([]byte(s)) }
func (w *discardWriter) Flush()                              {}
func (w *discardWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }
func (w *discardWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errors.New("discardWriter: no connection")
}
func (w *discardWriter) CloseNotify() <-chan bool { return nil }
func (w *discardWriter) reset() {
	clear(w.h)
	w.code = 0
}

// sloReaders stands for the SLO processor's two readers, configured as
// otelsource.Source configures them (exact counts with delta temporality, and
// exponential histograms for quantiles, other instruments dropped), so the
// figures include what serve really runs.
func sloReaders() []sdkmetric.Reader {
	delta := sdkmetric.WithTemporalitySelector(func(sdkmetric.InstrumentKind) metricdata.Temporality {
		return metricdata.DeltaTemporality
	})
	return []sdkmetric.Reader{
		sdkmetric.NewManualReader(delta),
		sdkmetric.NewManualReader(delta, sdkmetric.WithAggregationSelector(func(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
			if k == sdkmetric.InstrumentKindHistogram {
				return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 2048, MaxScale: 20}
			}
			return sdkmetric.AggregationDrop{}
		})),
	}
}

// instrumented is the bench router behind our handler, spans sampled by
// sampler and batched to an exporter that drops them, with the Prometheus
// reader and the given extra readers.
func instrumented(b *testing.B, sampler sdktrace.Sampler, readers ...sdkmetric.Reader) http.Handler {
	b.Helper()
	opts := []instrumentation.Option{
		instrumentation.WithSpanExporter(tracetest.NewNoopExporter()),
		instrumentation.WithSampler(sampler),
		instrumentation.WithoutRuntimeMetrics(),
		instrumentation.WithLogger(slog.New(slog.DiscardHandler)),
	}
	for _, r := range readers {
		opts = append(opts, instrumentation.WithReader(r))
	}
	p, err := instrumentation.New(context.Background(), opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Shutdown(context.Background()) })
	return p.Handler(benchRouter())
}

func BenchmarkHandler(b *testing.B) {
	b.Run("mux", func(b *testing.B) {
		runHandler(b, benchRouter())
	})
	b.Run("sloguard", func(b *testing.B) {
		runHandler(b, instrumented(b, sdktrace.AlwaysSample(), sloReaders()...))
	})
	// Head sampling: one request in ten recorded, and none (the short path
	// every unsampled request takes).
	b.Run("sloguard-sampled10", func(b *testing.B) {
		runHandler(b, instrumented(b, sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.1)), sloReaders()...))
	})
	b.Run("sloguard-unsampled", func(b *testing.B) {
		runHandler(b, instrumented(b, sdktrace.NeverSample(), sloReaders()...))
	})
	b.Run("otelhttp-stock", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			b.Fatal(err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()), sdktrace.WithSampler(sdktrace.AlwaysSample()))
		defer tp.Shutdown(context.Background())
		defer mp.Shutdown(context.Background())
		runHandler(b, otelhttp.NewHandler(benchRouter(), "http.server",
			otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp)))
	})
	b.Run("client_golang", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds"}, []string{"code", "method"})
		reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total"}, []string{"code", "method"})
		reg.MustRegister(dur, reqs)
		runHandler(b, promhttp.InstrumentHandlerDuration(dur, promhttp.InstrumentHandlerCounter(reqs, benchRouter())))
	})
}

// BenchmarkHandlerReaders shows what each metric reader costs a request:
// every reader aggregates every measurement again. 1 is the Prometheus
// reader alone, 2 adds the SLO counts reader, 3 the SLO quantile reader (as
// serve runs).
func BenchmarkHandlerReaders(b *testing.B) {
	for n := 1; n <= 3; n++ {
		b.Run(fmt.Sprintf("readers=%d", n), func(b *testing.B) {
			runHandler(b, instrumented(b, sdktrace.AlwaysSample(), sloReaders()[:n-1]...))
		})
	}
}

// BenchmarkScrape measures one GET /metrics with n routes that each served
// one request, for our exporter setup and for client_golang's.
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("sloguard/routes=%d", n), func(b *testing.B) {
			p, err := instrumentation.New(context.Background(), instrumentation.WithoutRuntimeMetrics(),
				instrumentation.WithCardinalityLimit(4*n))
			if err != nil {
				b.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			r := mux.NewRouter()
			for i := range n {
				r.HandleFunc(fmt.Sprintf("/r%d/{id}", i), func(http.ResponseWriter, *http.Request) {})
			}
			h := p.Handler(r)
			for i := range n {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/r%d/1", i), nil))
			}
			runScrape(b, p.MetricsHandler(), n)
		})
		b.Run(fmt.Sprintf("client_golang/routes=%d", n), func(b *testing.B) {
			reg := prometheus.NewRegistry()
			dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds", Buckets: httpmetrics.BucketBoundaries()},
				[]string{"handler", "code", "method"})
			reg.MustRegister(dur)
			for i := range n {
				dur.WithLabelValues(fmt.Sprintf("/r%d/{id}", i), "200", "get").Observe(0.01)
			}
			runScrape(b, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), n)
		})
	}
}

func runScrape(b *testing.B, h http.Handler, n int) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		size = w.Body.Len()
	}
	b.StopTimer()
	b.ReportMetric(float64(size), "bytes/scrape")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/series")
}
