package instrumentation_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/instrumentation"
)

// newTestService builds providers recording spans in memory and a router with
// a few routes, one of which panics.
func newTestService(t *testing.T) (*instrumentation.Providers, *tracetest.SpanRecorder, http.Handler) {
	t.Helper()
	p, rec := recordingProviders(t, sdktrace.AlwaysSample())
	r := mux.NewRouter()
	r.HandleFunc("/api/items/{id}", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }).Methods(http.MethodGet)
	r.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	api := r.PathPrefix("/v2").Subrouter()
	api.HandleFunc("/users/{name}", func(w http.ResponseWriter, _ *http.Request) {})
	return p, rec, p.Handler(r)
}

func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

// series returns, per metric family, the label sets Prometheus would show.
func series(t *testing.T, p *instrumentation.Providers) map[string][]*dto.Metric {
	t.Helper()
	mfs, err := p.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*dto.Metric{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf.GetMetric()
	}
	return out
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestRequestsAreNamedByRouteTemplate(t *testing.T) {
	tests := []struct {
		name, method, target string
		wantSpan, wantRoute  string
		wantStatus           int
	}{
		{"a matched route names the span by its template", "GET", "/api/items/42?token=secret", "GET /api/items/{id}", "/api/items/{id}", 200},
		{"a subrouter route carries its full template", "GET", "/v2/users/ann", "GET /v2/users/{name}", "/v2/users/{name}", 200},
		{"an unknown path is recorded under the fixed route", "GET", "/no/such/page", "GET unmatched", httpmetrics.UnmatchedRoute, 404},
		{"a wrong method on a known path is recorded under that route with its 405", "DELETE", "/api/items/42", "DELETE /api/items/{id}", "/api/items/{id}", 405},
		{"an invented method does not reach the span name", "BREW", "/coffee", "HTTP unmatched", httpmetrics.UnmatchedRoute, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rec, h := newTestService(t)
			if w := serve(h, tt.method, tt.target); w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tt.wantStatus)
			}
			spans := rec.Ended()
			if len(spans) != 1 {
				t.Fatalf("%d spans ended, want 1", len(spans))
			}
			s := spans[0]
			if s.Name() != tt.wantSpan {
				t.Errorf("span name %q, want %q", s.Name(), tt.wantSpan)
			}
			var route string
			for _, kv := range s.Attributes() {
				if kv.Key == "http.route" {
					route = kv.Value.AsString()
				}
				if strings.Contains(kv.Value.String(), "secret") {
					t.Errorf("attribute %s carries the query string: %q", kv.Key, kv.Value.String())
				}
			}
			if route != tt.wantRoute {
				t.Errorf("http.route %q, want %q", route, tt.wantRoute)
			}
		})
	}
}

func TestMetricsCarryTheRoute(t *testing.T) {
	p, _, h := newTestService(t)
	for range 3 {
		serve(h, "GET", "/api/items/7")
	}
	serve(h, "GET", "/nowhere")
	got := map[string]uint64{}
	for _, m := range series(t, p)["http_server_request_duration_seconds"] {
		got[label(m, "http_route")+" "+label(m, "http_response_status_code")] += m.GetHistogram().GetSampleCount()
	}
	want := map[string]uint64{"/api/items/{id} 200": 3, httpmetrics.UnmatchedRoute + " 404": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("request counts by route and status %v, want %v", got, want)
	}
}

func TestDurationBucketsHoldTheSLOThresholds(t *testing.T) {
	p, _, h := newTestService(t)
	serve(h, "GET", "/api/items/1")
	m := series(t, p)["http_server_request_duration_seconds"]
	if len(m) == 0 {
		t.Fatal("no duration histogram in the registry")
	}
	var bounds []float64
	for _, b := range m[0].GetHistogram().GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
	}
	if fmt.Sprint(bounds) != fmt.Sprint(httpmetrics.BucketBoundaries()) {
		t.Fatalf("exported buckets %v, want %v", bounds, httpmetrics.BucketBoundaries())
	}
	has := false
	for _, b := range bounds {
		has = has || b == 0.4
	}
	if !has {
		t.Fatal("0.4s, the default latency SLO threshold, is not a bucket boundary")
	}
	if _, ok := series(t, p)["http_server_request_body_size_bytes"]; ok {
		t.Error("request body size histogram is exported; it should be a no-op")
	}
}

func TestHandlerPanicBecomesTraced500(t *testing.T) {
	p, rec, h := newTestService(t)
	if w := serve(h, "GET", "/boom"); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	// the service is still up
	if w := serve(h, "GET", "/api/items/1"); w.Code != 200 {
		t.Fatalf("after a panic: status %d, want 200", w.Code)
	}
	s := rec.Ended()[0]
	if s.Status().Code != codes.Error {
		t.Errorf("span status %v, want Error", s.Status().Code)
	}
	var exception string
	for _, e := range s.Events() {
		for _, kv := range e.Attributes {
			if e.Name == "exception" && kv.Key == "exception.message" {
				exception = kv.Value.AsString()
			}
		}
	}
	if !strings.Contains(exception, "kaboom") {
		t.Errorf("exception event message %q, want the panic value", exception)
	}
	var counted uint64
	for _, m := range series(t, p)["http_server_request_duration_seconds"] {
		if label(m, "http_route") == "/boom" && label(m, "http_response_status_code") == "500" {
			counted += m.GetHistogram().GetSampleCount()
		}
	}
	if counted != 1 {
		t.Errorf("500s recorded for /boom: %d, want 1", counted)
	}
	var panics float64
	for _, m := range series(t, p)["http_server_panics_total"] {
		panics += m.GetCounter().GetValue()
	}
	if panics != 1 {
		t.Errorf("http_server_panics_total = %v, want 1", panics)
	}
}

// Invented URLs, methods and Host headers must not create series or span
// names: a client could otherwise exhaust memory and the Prometheus server.
func TestRandomRequestsDoNotGrowCardinality(t *testing.T) {
	p, rec, h := newTestService(t)
	rng := rand.New(rand.NewPCG(1, 2))
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "BREW", "X" + fmt.Sprint(rng.Int())}
	const n = 10000
	for i := range n {
		method := methods[rng.IntN(len(methods))]
		if rng.IntN(2) == 0 {
			method = fmt.Sprintf("M%d", rng.Int32())
		}
		req := httptest.NewRequest("GET", fmt.Sprintf("/%x/%d?q=%d", rng.Uint64(), i, rng.Int()), nil)
		req.Method = method
		req.Host = fmt.Sprintf("h%d.example", rng.Int32())
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	names := map[string]bool{}
	for _, s := range rec.Ended() {
		names[s.Name()] = true
	}
	if len(rec.Ended()) != n {
		t.Fatalf("%d spans, want %d", len(rec.Ended()), n)
	}
	// GET POST PUT DELETE PATCH and HTTP, each with the one unmatched route.
	if len(names) > 6 {
		t.Errorf("%d distinct span names, want at most 6: %v", len(names), keys(names))
	}
	total := 0
	for name, ms := range series(t, p) {
		if strings.HasPrefix(name, "http_server") {
			total += len(ms)
		}
	}
	// methods (5 known + _OTHER) x statuses (404, 405) at most.
	if total > 12 {
		t.Errorf("%d HTTP series after %d random requests, want at most 12", total, n)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRecentKeepsTheLastDurationsPerRoute(t *testing.T) {
	p, _, h := newTestService(t)
	for range 70 {
		serve(h, "GET", "/api/items/1")
	}
	serve(h, "GET", "/missing")
	if got := len(p.Recent("/api/items/{id}", 60)); got != 60 {
		t.Errorf("Recent(route, 60) gave %d durations, want 60", got)
	}
	if got := len(p.Recent(httpmetrics.UnmatchedRoute, 60)); got != 1 {
		t.Errorf("Recent(unmatched, 60) gave %d durations, want 1", got)
	}
	if got := len(p.Recent("", 1000)); got != 71 {
		t.Errorf("Recent(all, 1000) gave %d durations, want 71", got)
	}
	for _, d := range p.Recent("", 100) {
		if d < 0 {
			t.Fatalf("negative duration %v", d)
		}
	}
}

func TestShutdownIsIdempotent(t *testing.T) {
	p, err := instrumentation.New(context.Background(), instrumentation.WithoutRuntimeMetrics())
	if err != nil {
		t.Fatal(err)
	}
	first := p.Shutdown(context.Background())
	if first != nil {
		t.Fatalf("first Shutdown: %v", first)
	}
	if err := p.Shutdown(context.Background()); err != first {
		t.Fatalf("second Shutdown returned %v, want the first result %v", err, first)
	}
}
