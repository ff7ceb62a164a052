package instrumentation

import (
	"context"
	"net/http"
	"strings"

	"github.com/sloguard/sloguard/httpmetrics"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// routeInfo is what a request needs to be named by its route, computed once
// per route so that naming a request allocates nothing.
type routeInfo struct {
	route string
	// pattern is the value for Request.Pattern from which otelhttp names the
	// span and the metrics' http.route itself; "" when otelhttp would not
	// read the route back from it (it takes the pattern from its first '/',
	// so httpmetrics.UnmatchedRoute cannot travel that way).
	pattern string
	attrs   []attribute.KeyValue
	names   [len(spanMethods) + 1]string // "GET /route" ..., the last "HTTP /route"
}

// spanMethods are the methods that may appear in span names, as the
// semantic conventions ask: anything else is "HTTP".
var spanMethods = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
}

func newRouteInfo(route string) *routeInfo {
	ri := &routeInfo{route: route, attrs: []attribute.KeyValue{attribute.String("http.route", route)}}
	if strings.HasPrefix(route, "/") {
		ri.pattern = route
	}
	for i, m := range spanMethods {
		ri.names[i] = m + " " + route
	}
	ri.names[len(spanMethods)] = "HTTP " + route
	return ri
}

// spanName returns the span name of a request with the given method.
func (ri *routeInfo) spanName(method string) string {
	return ri.names[methodIndex(method)]
}

func methodIndex(m string) int {
	for i, sm := range spanMethods {
		if m == sm {
			return i
		}
	}
	return len(spanMethods)
}

// spanMethod is the method as it may appear in a span name.
func spanMethod(m string) string {
	if i := methodIndex(m); i < len(spanMethods) {
		return spanMethods[i]
	}
	return "HTTP"
}

var unmatchedInfo = newRouteInfo(httpmetrics.UnmatchedRoute)

// requestState is a request's node in its context: it carries the matched
// route from inside the router, where it is known, out to the handler
// around the router, where the span and metrics are named; the sampling
// decision taken ahead of otelhttp (see decide); and, for an unsampled
// request, its span and response writer. One allocation holds what would
// otherwise take several.
//
// otelhttp and the router each give the handler below a copy of the
// request: a context value that exists before those copies is the only
// place all of them see.
//
// It also answers for otelhttp's Labeler (unless an outer context has one),
// which otelhttp would otherwise allocate itself, and, for an unsampled
// request, for the current span.
type requestState struct {
	context.Context
	embedded.Span // for unsampledSpan; never called

	route   *routeInfo
	labeler otelhttp.Labeler

	phase  phase
	sc     trace.SpanContext       // the request span's, once decided
	result sdktrace.SamplingResult // phasePending: for headSampler
	tp     trace.TracerProvider    // phaseUnsampled: for unsampledSpan
	w      http1StatusWriter       // phaseUnsampled: the status for metrics
}

// phase is where a request's sampling stands.
type phase uint8

const (
	phaseNone      phase = iota // not decided: the request did not come through Handler
	phaseUnsampled              // dropped: the request takes the short path, its span is unsampledSpan
	phasePending                // to be recorded: otelhttp has not started the span yet
	phaseStarted                // to be recorded: the span has started
)

type stateKey struct{}

func (s *requestState) Value(key any) any {
	switch key {
	case stateKey{}:
		return s
	case spanKey:
		if s.phase == phaseUnsampled {
			return (*unsampledSpan)(s)
		}
	case labelerKey:
		if l := s.Context.Value(key); l != nil {
			return l // an outer labeler wins, as in otelhttp itself
		}
		return &s.labeler
	}
	return s.Context.Value(key)
}

// The context keys of the current span and of otelhttp's Labeler are
// unexported; keyOf learns each by watching the package's own lookup ask
// for it.
var (
	spanKey    = keyOf(func(ctx context.Context) { trace.SpanFromContext(ctx) })
	labelerKey = keyOf(func(ctx context.Context) { otelhttp.LabelerFromContext(ctx) })
)

type keyRecorder struct {
	context.Context
	key any
}

func (k *keyRecorder) Value(key any) any {
	k.key = key
	return nil
}

func keyOf(lookup func(context.Context)) any {
	k := &keyRecorder{Context: context.Background()}
	lookup(k)
	return k.key
}

func stateFrom(ctx context.Context) *requestState {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(stateKey{}).(*requestState)
	return s
}

// extracted is the propagator handed to otelhttp: the handler has already
// extracted the incoming context into the request's state.
type extracted struct {
	propagation.TextMapPropagator
}

func (extracted) Extract(ctx context.Context, _ propagation.TextMapCarrier) context.Context {
	return ctx
}
