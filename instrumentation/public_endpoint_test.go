package instrumentation_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gorilla/mux"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sloguard/sloguard/instrumentation"
)

// parentSeeing wraps a sampler and records whether each call saw a valid
// parent span context.
type parentSeeing struct {
	sdktrace.Sampler
	mu      sync.Mutex
	parents []bool
}

func (s *parentSeeing) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	s.mu.Lock()
	s.parents = append(s.parents, trace.SpanContextFromContext(p.ParentContext).IsValid())
	s.mu.Unlock()
	return s.Sampler.ShouldSample(p)
}

const (
	remoteTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	remoteSpan  = "00f067aa0ba902b7"
)

// publicService serves one route with sampler s, in public-endpoint mode
// or not, and returns what a request with a sampled traceparent left: the
// recorded spans, the trace ID the handler saw, and what the sampler saw.
func publicService(t *testing.T, s sdktrace.Sampler, public bool) ([]sdktrace.ReadOnlySpan, trace.TraceID, []bool) {
	t.Helper()
	seeing := &parentSeeing{Sampler: s}
	var opts []instrumentation.Option
	if public {
		opts = append(opts, instrumentation.WithPublicEndpoint())
	}
	p, rec := recordingProviders(t, seeing, opts...)
	var seen trace.TraceID
	r := mux.NewRouter()
	r.HandleFunc("/api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen = trace.SpanContextFromContext(r.Context()).TraceID()
	})
	h := p.Handler(r)
	req := httptest.NewRequest(http.MethodGet, "/api/items/1", nil)
	req.Header.Set("traceparent", "00-"+remoteTrace+"-"+remoteSpan+"-01")
	h.ServeHTTP(httptest.NewRecorder(), req)
	return rec.Ended(), seen, seeing.parents
}

// An internet client sending a sampled traceparent forces its request to
// be traced under a parent-based sampler, unless the service is a public
// endpoint: then the sampler decides as for a new trace and never sees the
// caller's span, which is kept as a link.
func TestPublicEndpointIgnoresTheCallersSamplingDecision(t *testing.T) {
	neverRoots := sdktrace.ParentBased(sdktrace.NeverSample())

	spans, seen, _ := publicService(t, neverRoots, false)
	if len(spans) != 1 || seen.String() != remoteTrace {
		t.Fatalf("without public-endpoint mode: %d spans, trace %s; want the caller's sampled trace followed (1 span, trace %s)", len(spans), seen, remoteTrace)
	}

	spans, seen, parents := publicService(t, neverRoots, true)
	if len(spans) != 0 {
		t.Errorf("public endpoint, roots never sampled: %d spans recorded, want 0 (the client's sampled flag decides nothing)", len(spans))
	}
	if seen.String() == remoteTrace || !seen.IsValid() {
		t.Errorf("public endpoint: the handler's trace ID is %s, want a new one", seen)
	}
	for i, p := range parents {
		if p {
			t.Errorf("public endpoint: sampler call %d saw the caller's span as parent", i)
		}
	}

	spans, _, parents = publicService(t, sdktrace.AlwaysSample(), true)
	if len(spans) != 1 {
		t.Fatalf("public endpoint, every root sampled: %d spans, want 1", len(spans))
	}
	sp := spans[0]
	if sp.Parent().IsValid() || sp.SpanContext().TraceID().String() == remoteTrace {
		t.Errorf("public endpoint: span parent %v, trace %s; want a root of a new trace", sp.Parent().SpanID(), sp.SpanContext().TraceID())
	}
	if links := sp.Links(); len(links) != 1 || links[0].SpanContext.TraceID().String() != remoteTrace || links[0].SpanContext.SpanID().String() != remoteSpan {
		t.Errorf("public endpoint: links %v, want one to the caller's span %s/%s", links, remoteTrace, remoteSpan)
	}
	if len(parents) == 0 {
		t.Error("the sampler was never asked")
	}
	for i, p := range parents {
		if p {
			t.Errorf("public endpoint, sampled: sampler call %d saw the caller's span as parent", i)
		}
	}
}
