package instrumentation_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sloguard/sloguard/instrumentation"
)

// recordingProviders are providers whose spans, sampled by s, are recorded
// in memory, with no runtime gauges and no log output, and opts.
func recordingProviders(t *testing.T, s sdktrace.Sampler, opts ...instrumentation.Option) (*instrumentation.Providers, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	p, err := instrumentation.New(context.Background(), append([]instrumentation.Option{
		instrumentation.WithSpanProcessor(rec),
		instrumentation.WithoutRuntimeMetrics(),
		instrumentation.WithSampler(s),
		instrumentation.WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p, rec
}

// sampledService is a service whose spans are sampled by s and recorded in
// memory. Its routes cover what naming and metrics must get right on both
// paths: a template, statuses, a panic, a handler adding a Labeler
// attribute, an informational response before the final one.
func sampledService(t *testing.T, s sdktrace.Sampler) (*instrumentation.Providers, *tracetest.SpanRecorder, http.Handler) {
	t.Helper()
	p, rec := recordingProviders(t, s)
	r := mux.NewRouter()
	r.HandleFunc("/api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if mux.Vars(r)["id"] == "missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "ok")
	}).Methods(http.MethodGet, http.MethodPost)
	r.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	r.HandleFunc("/labelled", func(w http.ResponseWriter, r *http.Request) {
		l, _ := otelhttp.LabelerFromContext(r.Context())
		l.Add(attribute.String("tenant", "acme"))
		w.WriteHeader(http.StatusAccepted)
	})
	r.HandleFunc("/early", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusTeapot)
	})
	r.HandleFunc("/silent", func(http.ResponseWriter, *http.Request) {})
	return p, rec, p.Handler(r)
}

// durationSeries is the duration histogram as Prometheus shows it: each
// series' labels, with its count.
func durationSeries(t *testing.T, p *instrumentation.Providers) []string {
	t.Helper()
	var out []string
	for _, m := range series(t, p)["http_server_request_duration_seconds"] {
		var labels []string
		for _, l := range m.GetLabel() {
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		out = append(out, fmt.Sprintf("%s count=%d", strings.Join(labels, ","), m.GetHistogram().GetSampleCount()))
	}
	sort.Strings(out)
	return out
}

// A request the sampler drops skips otelhttp, and records its duration
// itself: the series must be exactly those otelhttp records for the same
// requests when they are sampled.
func TestUnsampledRequestsRecordTheMetricsOtelhttpRecords(t *testing.T) {
	requests := []struct{ method, target string }{
		{"GET", "/api/items/1"},
		{"GET", "/api/items/2"},
		{"POST", "/api/items/3"},
		{"get", "/api/items/4"}, // a lower-case method is recorded upper-case
		{"GET", "/api/items/missing"},
		{"DELETE", "/api/items/1"}, // method not allowed: the route, with its 405
		{"BREW", "/api/items/1"},   // an unknown method: _OTHER
		{"GET", "/no/such/route"},
		{"GET", "/api//items/1"}, // mux redirects an unclean path: unmatched
		{"GET", "/boom"},
		{"GET", "/labelled"},
		{"GET", "/early"},
		{"GET", "/silent"},
	}
	run := func(s sdktrace.Sampler) (*instrumentation.Providers, []string) {
		p, _, h := sampledService(t, s)
		var codes []string
		for _, r := range requests {
			codes = append(codes, fmt.Sprint(serve(h, r.method, r.target).Code))
		}
		return p, codes
	}
	sampledP, sampledCodes := run(sdktrace.AlwaysSample())
	unsampledP, unsampledCodes := run(sdktrace.NeverSample())
	if got, want := strings.Join(unsampledCodes, " "), strings.Join(sampledCodes, " "); got != want {
		t.Errorf("status codes unsampled %s, sampled %s", got, want)
	}
	want, got := durationSeries(t, sampledP), durationSeries(t, unsampledP)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("unsampled requests recorded\n  %s\nsampled ones (through otelhttp)\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if len(want) < 8 {
		t.Errorf("only %d series: the requests did not exercise the paths", len(want))
	}
	if a, b := len(unsampledP.Recent("", 100)), len(sampledP.Recent("", 100)); a != len(requests) || b != len(requests) {
		t.Errorf("recent durations kept: unsampled %d, sampled %d, want %d each", a, b, len(requests))
	}
}

// countingSampler counts its calls and samples every other one, so that a
// decision taken twice for one request would show.
type countingSampler struct{ calls atomic.Int64 }

func (s *countingSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	n := s.calls.Add(1)
	d := sdktrace.Drop
	if n%2 == 1 {
		d = sdktrace.RecordAndSample
	}
	return sdktrace.SamplingResult{Decision: d, Tracestate: trace.SpanContextFromContext(p.ParentContext).TraceState()}
}

func (*countingSampler) Description() string { return "counting" }

// The sampler is asked once per request, before otelhttp, and the span of a
// sampled request is the one it decided on, even for a sampler whose
// answers do not depend on the trace ID alone.
func TestTheSamplerIsAskedOncePerRequest(t *testing.T) {
	s := &countingSampler{}
	_, rec, h := sampledService(t, s)
	const n = 10
	for i := range n {
		serve(h, "GET", fmt.Sprintf("/api/items/%d", i))
	}
	if got := s.calls.Load(); got != n {
		t.Errorf("sampler asked %d times for %d requests", got, n)
	}
	if got := len(rec.Ended()); got != n/2 {
		t.Errorf("%d spans recorded, want %d (every other request)", got, n/2)
	}
}

// With a trace ID ratio, the recorded spans are about that share, and each
// carries a trace ID the ratio sampler keeps: the ID decided on is the ID the
// span got.
func TestATraceIDRatioKeepsItsShareWithTheDecidedIDs(t *testing.T) {
	ratio := sdktrace.TraceIDRatioBased(0.1)
	_, rec, h := sampledService(t, sdktrace.ParentBased(ratio))
	const n = 3000
	for i := range n {
		serve(h, "GET", fmt.Sprintf("/api/items/%d", i))
	}
	spans := rec.Ended()
	// 300 expected; 6 standard deviations (16.4) either side.
	if len(spans) < 200 || len(spans) > 400 {
		t.Errorf("%d of %d requests recorded at ratio 0.1", len(spans), n)
	}
	for _, s := range spans {
		res := ratio.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: s.SpanContext().TraceID()})
		if res.Decision != sdktrace.RecordAndSample {
			t.Fatalf("span with trace ID %s recorded, which the ratio drops", s.SpanContext().TraceID())
		}
		if s.Parent().IsValid() {
			t.Fatalf("a root request's span has parent %s", s.Parent().SpanID())
		}
	}
}

// handlerSeen records what the handler of a request saw: its span context,
// whether its span records, and the traceparent an outgoing call would send.
type handlerSeen struct {
	sc          trace.SpanContext
	recording   bool
	traceparent string
	baggage     string // what an outgoing call would send
	childSC     trace.SpanContext
}

func contextService(t *testing.T, s sdktrace.Sampler) (*tracetest.SpanRecorder, http.Handler, *handlerSeen) {
	t.Helper()
	p, rec := recordingProviders(t, s)
	seen := &handlerSeen{}
	r := mux.NewRouter()
	r.HandleFunc("/call", func(_ http.ResponseWriter, r *http.Request) {
		span := trace.SpanFromContext(r.Context())
		seen.sc, seen.recording = span.SpanContext(), span.IsRecording()
		out := http.Header{}
		p.Propagator().Inject(r.Context(), propagation.HeaderCarrier(out))
		seen.traceparent = out.Get("traceparent")
		seen.baggage = out.Get("baggage")
		// A child span, as a database call would start: through the span's
		// own tracer provider, as instrumentations that take none do.
		_, child := span.TracerProvider().Tracer("db").Start(r.Context(), "query")
		seen.childSC = child.SpanContext()
		child.End()
	})
	return rec, p.Handler(r), seen
}

func TestAnUnsampledRequestStillCarriesATraceContext(t *testing.T) {
	const parentTrace, parentSpan = callerTraceID, callerSpanID
	tests := []struct {
		name        string
		sampler     sdktrace.Sampler
		traceparent string
		wantSampled bool
	}{
		{"a root request the sampler drops", sdktrace.ParentBased(sdktrace.NeverSample()), "", false},
		{"a request whose caller did not sample it", sdktrace.ParentBased(sdktrace.AlwaysSample()), "00-" + parentTrace + "-" + parentSpan + "-00", false},
		{"a request whose caller sampled it, with a root sampler that drops", sdktrace.ParentBased(sdktrace.NeverSample()), "00-" + parentTrace + "-" + parentSpan + "-01", true},
		{"a root request the sampler keeps", sdktrace.ParentBased(sdktrace.AlwaysSample()), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, h, seen := contextService(t, tt.sampler)
			req := httptest.NewRequest("GET", "/call", nil)
			if tt.traceparent != "" {
				req.Header.Set("traceparent", tt.traceparent)
			}
			req.Header.Set("baggage", "tenant=acme")
			h.ServeHTTP(httptest.NewRecorder(), req)

			sc := seen.sc
			if !sc.IsValid() || sc.IsRemote() {
				t.Fatalf("handler saw span context %+v, want a valid local one", sc)
			}
			if sc.IsSampled() != tt.wantSampled || seen.recording != tt.wantSampled {
				t.Errorf("sampled %v, recording %v, want %v", sc.IsSampled(), seen.recording, tt.wantSampled)
			}
			if tt.traceparent != "" {
				if sc.TraceID().String() != parentTrace {
					t.Errorf("trace ID %s, want the caller's %s", sc.TraceID(), parentTrace)
				}
				if sc.SpanID().String() == parentSpan {
					t.Error("the request's span reuses the caller's span ID")
				}
			}
			flags := "00"
			if tt.wantSampled {
				flags = "01"
			}
			if want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + flags; seen.traceparent != want {
				t.Errorf("outgoing traceparent %q, want %q", seen.traceparent, want)
			}
			if seen.baggage != "tenant=acme" {
				t.Errorf("outgoing baggage %q, want the caller's tenant=acme", seen.baggage)
			}
			if seen.childSC.TraceID() != sc.TraceID() || seen.childSC.SpanID() == sc.SpanID() || seen.childSC.IsSampled() != tt.wantSampled {
				t.Errorf("child span %s/%s sampled %v, want a new span of trace %s sampled %v",
					seen.childSC.TraceID(), seen.childSC.SpanID(), seen.childSC.IsSampled(), sc.TraceID(), tt.wantSampled)
			}
			var spans int
			for _, s := range rec.Ended() {
				if s.SpanKind() == trace.SpanKindServer {
					spans++
					if s.SpanContext().SpanID() != sc.SpanID() {
						t.Errorf("server span %s, the handler saw %s", s.SpanContext().SpanID(), sc.SpanID())
					}
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tt.wantSampled]; spans != want {
				t.Errorf("%d server spans recorded, want %d", spans, want)
			}
		})
	}
}

func TestTheSamplerComesFromTheEnvironmentAsInTheSDK(t *testing.T) {
	tests := []struct {
		name, sampler, arg string
		want               string // the sampler's description, or the start of the error
	}{
		{"unset is parent based, always on", "", "", "ParentBased{root:AlwaysOnSampler"},
		{"always_on", "always_on", "", "AlwaysOnSampler"},
		{"always_off", "always_off", "", "AlwaysOffSampler"},
		{"a ratio", "traceidratio", "0.25", "TraceIDRatioBased{0.25}"},
		{"a ratio without its argument is 1", "traceidratio", "", "TraceIDRatioBased{1}"},
		{"a parent based ratio, in capitals with spaces", " ParentBased_TraceIDRatio ", " 0.1 ", "ParentBased{root:TraceIDRatioBased{0.1}"},
		{"parent based, always off", "parentbased_always_off", "", "ParentBased{root:AlwaysOffSampler"},
		{"a ratio that is not a number", "traceidratio", "half", "error: OTEL_TRACES_SAMPLER_ARG=\"half\""},
		{"a ratio above 1", "parentbased_traceidratio", "1.5", "error: OTEL_TRACES_SAMPLER_ARG=\"1.5\""},
		{"a negative ratio", "traceidratio", "-0.1", "error: OTEL_TRACES_SAMPLER_ARG=\"-0.1\""},
		{"a sampler the SDK does not have", "jaeger_remote", "", "error: OTEL_TRACES_SAMPLER=\"jaeger_remote\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_TRACES_SAMPLER", tt.sampler)
			t.Setenv("OTEL_TRACES_SAMPLER_ARG", tt.arg)
			p, err := instrumentation.New(context.Background(), instrumentation.WithoutRuntimeMetrics())
			var got string
			if err != nil {
				got = "error: " + strings.TrimPrefix(err.Error(), "instrumentation: ")
			} else {
				got = instrumentation.SamplerOf(p).Description()
				_ = p.Shutdown(context.Background())
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want it to start with %q", got, tt.want)
			}
		})
	}
}
