package instrumentation_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/instrumentation"
)

// spanRoute returns the http.route attribute of s.
func spanRoute(s sdktrace.ReadOnlySpan) string {
	for _, kv := range s.Attributes() {
		if kv.Key == "http.route" {
			return kv.Value.AsString()
		}
	}
	return ""
}

// onlySpan returns the one span rec ended.
func onlySpan(t *testing.T, rec *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans ended, want 1", len(spans))
	}
	return spans[0]
}

// requestsByRoute counts the requests the duration histogram holds per
// http_route label.
func requestsByRoute(t *testing.T, p *instrumentation.Providers) map[string]uint64 {
	t.Helper()
	got := map[string]uint64{}
	for _, m := range series(t, p)["http_server_request_duration_seconds"] {
		got[label(m, "http_route")] += m.GetHistogram().GetSampleCount()
	}
	return got
}

func TestRoutesRegisteredAfterHandlerAreNamedToo(t *testing.T) {
	p, rec := recordingProviders(t, sdktrace.AlwaysSample())
	r := mux.NewRouter()
	h := p.Handler(r)
	r.HandleFunc("/late/{n}", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	for range 2 { // the second request takes the cached route
		if w := serve(h, "GET", "/late/7"); w.Code != 200 {
			t.Fatalf("status %d, want 200", w.Code)
		}
	}
	for _, s := range rec.Ended() {
		if s.Name() != "GET /late/{n}" || spanRoute(s) != "/late/{n}" {
			t.Errorf("span %q with http.route %q, want %q and %q", s.Name(), spanRoute(s), "GET /late/{n}", "/late/{n}")
		}
	}
	if got := requestsByRoute(t, p); got["/late/{n}"] != 2 || len(got) != 1 {
		t.Errorf("requests by route %v, want 2 under /late/{n}", got)
	}
}

func TestAnUncleanPathRedirectIsRecordedAsUnmatched(t *testing.T) {
	p, rec, h := newTestService(t)
	if w := serve(h, "GET", "/api//items/1"); w.Code != http.StatusMovedPermanently {
		t.Fatalf("status %d, want mux's 301 to the clean path", w.Code)
	}
	s := onlySpan(t, rec)
	if s.Name() != "GET "+httpmetrics.UnmatchedRoute || spanRoute(s) != httpmetrics.UnmatchedRoute {
		t.Errorf("span %q with http.route %q, want the unmatched route", s.Name(), spanRoute(s))
	}
	if got := requestsByRoute(t, p); got[httpmetrics.UnmatchedRoute] != 1 {
		t.Errorf("requests by route %v, want 1 unmatched", got)
	}
}

// The trace and span of a caller, in incoming traceparent headers (the W3C
// specification's example).
const (
	callerTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpanID  = "00f067aa0ba902b7"
)

// Incoming trace context and baggage must be read exactly as through the
// standard HeaderCarrier.
func TestIncomingTraceContextAndBaggageAreExtracted(t *testing.T) {
	const traceID, spanID = callerTraceID, callerSpanID
	tests := []struct {
		name                string
		traceparent         string
		wantRemote, wantBag bool
	}{
		{"a caller's trace is continued and its baggage kept", "00-" + traceID + "-" + spanID + "-01", true, true},
		{"a malformed traceparent starts a new trace", "00-" + traceID + "-nothex-01", false, true},
		{"no headers start a new trace", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, rec := recordingProviders(t, sdktrace.AlwaysSample())
			var gotBag string
			r := mux.NewRouter()
			r.HandleFunc("/x", func(_ http.ResponseWriter, r *http.Request) {
				gotBag = baggage.FromContext(r.Context()).Member("tenant").Value()
			})
			req := httptest.NewRequest("GET", "/x", nil)
			if tt.traceparent != "" {
				// Set canonicalises the keys, as the server does when it
				// reads a request.
				req.Header.Set("traceparent", tt.traceparent)
				req.Header.Set("baggage", "tenant=acme")
			}
			// What the standard carrier extracts from these headers.
			std := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}).
				Extract(context.Background(), propagation.HeaderCarrier(req.Header))
			p.Handler(r).ServeHTTP(httptest.NewRecorder(), req)

			s := onlySpan(t, rec)
			stdParent := trace.SpanContextFromContext(std)
			if s.Parent().IsRemote() != tt.wantRemote || s.Parent().SpanID() != stdParent.SpanID() {
				t.Errorf("span parent %v (remote %v), want %v (remote %v)", s.Parent().SpanID(), s.Parent().IsRemote(), stdParent.SpanID(), tt.wantRemote)
			}
			if tt.wantRemote && s.SpanContext().TraceID().String() != traceID {
				t.Errorf("trace id %s, want the caller's %s", s.SpanContext().TraceID(), traceID)
			}
			wantBag := baggage.FromContext(std).Member("tenant").Value()
			if gotBag != wantBag || (gotBag == "acme") != tt.wantBag {
				t.Errorf("baggage tenant %q, want %q", gotBag, wantBag)
			}
		})
	}
}

// A caller that put its own otelhttp Labeler in the context keeps it: the
// attributes it adds reach the metrics, beside the route.
func TestAnOuterLabelerStillLabelsTheMetrics(t *testing.T) {
	p, _, h := newTestService(t)
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := &otelhttp.Labeler{}
		l.Add(attribute.String("tenant", "acme"))
		h.ServeHTTP(w, r.WithContext(otelhttp.ContextWithLabeler(r.Context(), l)))
	})
	serve(outer, "GET", "/api/items/1")
	serve(outer, "GET", "/nowhere")
	got := map[string]uint64{}
	for _, m := range series(t, p)["http_server_request_duration_seconds"] {
		got[label(m, "tenant")+" "+label(m, "http_route")] += m.GetHistogram().GetSampleCount()
	}
	want := map[string]uint64{"acme /api/items/{id}": 1, "acme " + httpmetrics.UnmatchedRoute: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests by tenant and route %v, want %v", got, want)
	}
}

// Mounted under an http.ServeMux, which sets Request.Pattern to its own
// pattern before calling us, requests are still named by the mux template.
func TestAServeMuxPatternDoesNotNameTheRequest(t *testing.T) {
	p, rec, h := newTestService(t)
	sm := http.NewServeMux()
	sm.Handle("/api/", h)
	serve(sm, "GET", "/api/items/3")
	s := onlySpan(t, rec)
	if s.Name() != "GET /api/items/{id}" || spanRoute(s) != "/api/items/{id}" {
		t.Errorf("span %q with http.route %q, want the mux template", s.Name(), spanRoute(s))
	}
	if got := requestsByRoute(t, p); got["/api/items/{id}"] != 1 || len(got) != 1 {
		t.Errorf("requests by route %v, want 1 under /api/items/{id}", got)
	}
}

// Naming requests by route and deciding sampling ahead of otelhttp must not
// cost a recorded request allocations: with the same providers, our handler
// allocates no more per request than otelhttp configured as its
// documentation shows (which names no route at all). A request the sampler
// drops skips otelhttp: it allocates two objects more than the bare router
// (its state and the request carrying it).
func TestRequestsAllocateNoMoreThanStockOtelhttp(t *testing.T) {
	providers := func(s sdktrace.Sampler) *instrumentation.Providers {
		p, err := instrumentation.New(context.Background(),
			instrumentation.WithSpanExporter(tracetest.NewNoopExporter()),
			instrumentation.WithSampler(s),
			instrumentation.WithoutRuntimeMetrics(),
		)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
		return p
	}
	allocs := func(h http.Handler) float64 {
		req := httptest.NewRequest(http.MethodGet, "/api/items/42", nil)
		w := &discardWriter{h: http.Header{}}
		return testing.AllocsPerRun(200, func() {
			w.reset()
			h.ServeHTTP(w, req)
		})
	}
	traced := providers(sdktrace.AlwaysSample())
	stock := otelhttp.NewHandler(benchRouter(), "http.server",
		otelhttp.WithTracerProvider(traced.TracerProvider), otelhttp.WithMeterProvider(traced.MeterProvider))
	if o, s := allocs(traced.Handler(benchRouter())), allocs(stock); o > s {
		t.Errorf("a recorded request allocates %.1f times, stock otelhttp %.1f: want no more", o, s)
	}
	unsampled := providers(sdktrace.NeverSample()).Handler(benchRouter())
	if o, bare := allocs(unsampled), allocs(benchRouter()); o > bare+2 && !raceEnabled {
		t.Errorf("an unsampled request allocates %.1f times, the bare router %.1f: want at most 2 more", o, bare)
	}
}

// The duration histogram carries what the SLOs and rules read, not the
// attributes that are the same on every request of a process; spans keep
// those. Past the number of attribute sets the histogram remembers (the
// cardinality limit), new sets are still recorded the same way.
func TestDurationSeriesCarryNoPerProcessConstants(t *testing.T) {
	for _, tt := range []struct {
		name    string
		sampler sdktrace.Sampler
	}{
		{"recorded through otelhttp", sdktrace.AlwaysSample()},
		{"sampled out, recorded around otelhttp", sdktrace.NeverSample()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, rec := recordingProviders(t, tt.sampler, instrumentation.WithCardinalityLimit(3))
			r := mux.NewRouter()
			for i := range 5 {
				r.HandleFunc(fmt.Sprintf("/r%d", i), func(http.ResponseWriter, *http.Request) {})
			}
			h := p.Handler(r)
			for i := range 5 {
				serve(h, "GET", fmt.Sprintf("/r%d", i))
			}
			want := map[string]bool{"http_route": true, "http_request_method": true, "http_response_status_code": true}
			ms := series(t, p)["http_server_request_duration_seconds"]
			if len(ms) == 0 {
				t.Fatal("no duration series")
			}
			var total uint64
			for _, m := range ms {
				total += m.GetHistogram().GetSampleCount()
				for _, l := range m.GetLabel() {
					if !want[l.GetName()] && l.GetName() != "otel_metric_overflow" {
						t.Errorf("series %v carries label %s", m.GetLabel(), l.GetName())
					}
				}
			}
			if total != 5 {
				t.Errorf("%d requests recorded, want 5", total)
			}
			if spans := rec.Ended(); len(spans) > 0 {
				var hasServer bool
				for _, kv := range spans[0].Attributes() {
					hasServer = hasServer || kv.Key == "server.address"
				}
				if !hasServer {
					t.Error("the span lost server.address; only metrics should drop it")
				}
			}
		})
	}
}

// A path that matches a route with another method is that route's request,
// answered 405: it must not be counted as unmatched, on either request path.
func TestAWrongMethodIsRecordedUnderItsRouteWithIts405(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sampler sdktrace.Sampler
	}{
		{"when the request is sampled", sdktrace.AlwaysSample()},
		{"when the sampler drops the request", sdktrace.NeverSample()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, rec := recordingProviders(t, tc.sampler)
			r := mux.NewRouter()
			r.HandleFunc("/api/items/{id}", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }).Methods(http.MethodGet)
			api := r.PathPrefix("/v2").Subrouter()
			api.HandleFunc("/orders/{id}", func(w http.ResponseWriter, _ *http.Request) {}).Methods(http.MethodPost)
			h := p.Handler(r)
			for _, req := range []struct{ method, target string }{
				{"DELETE", "/api/items/1"},
				{"PUT", "/api/items/2"},
				{"GET", "/v2/orders/3"},
			} {
				if w := serve(h, req.method, req.target); w.Code != http.StatusMethodNotAllowed {
					t.Fatalf("%s %s: status %d, want 405", req.method, req.target, w.Code)
				}
			}
			got := requestsByRoute(t, p)
			if got["/api/items/{id}"] != 2 || got["/v2/orders/{id}"] != 1 || got[httpmetrics.UnmatchedRoute] != 0 {
				t.Errorf("requests by route %v, want 2 under /api/items/{id}, 1 under /v2/orders/{id}, none unmatched", got)
			}
			var codes []string
			for _, m := range series(t, p)["http_server_request_duration_seconds"] {
				codes = append(codes, label(m, "http_response_status_code"))
			}
			for _, c := range codes {
				if c != "405" {
					t.Errorf("status codes %v, want 405 only", codes)
					break
				}
			}
			if tc.name == "when the request is sampled" {
				names := map[string]bool{}
				for _, s := range rec.Ended() {
					names[s.Name()] = true
				}
				for _, want := range []string{"DELETE /api/items/{id}", "PUT /api/items/{id}", "GET /v2/orders/{id}"} {
					if !names[want] {
						t.Errorf("spans %v, want one named %q", names, want)
					}
				}
			}
		})
	}
}
