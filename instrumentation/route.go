package instrumentation

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
)

// routeInfo is what a request needs to be named by its route, computed once
// per route so that naming a request allocates nothing.
type routeInfo struct {
	route string
	// pattern is the value for Request.Pattern from which otelhttp names the
	// span and the metrics' http.route itself; "" when otelhttp would not
	// read the route back from it (it takes the pattern from its first '/',
	// so UnmatchedRoute cannot travel that way).
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

var unmatchedInfo = newRouteInfo(UnmatchedRoute)

// routeSlot carries the matched route of one request from inside the router,
// where it is known, out to the handler around the router, where the span
// and metrics are named. It is a node of the request's context, placed there
// when otelhttp extracts the incoming trace context: otelhttp gives the
// router a copy of the request, so a context value that exists before that
// copy is made is the only place both sides see without another allocation.
//
// It also answers for otelhttp's Labeler (unless an outer context has one),
// which otelhttp would otherwise allocate itself: the slot costs the request
// one allocation and saves it two.
type routeSlot struct {
	context.Context
	route   *routeInfo
	labeler otelhttp.Labeler
}

type slotKey struct{}

func (s *routeSlot) Value(key any) any {
	if _, ok := key.(slotKey); ok {
		return s
	}
	// otelhttp's context key is unexported. A context made by
	// ContextWithLabeler answers to that key and no other, so asking one
	// tells whether key is it.
	if labelerProbe.Value(key) == probeLabeler {
		if l := s.Context.Value(key); l != nil {
			return l // an outer labeler wins, as in otelhttp itself
		}
		return &s.labeler
	}
	return s.Context.Value(key)
}

var (
	probeLabeler = &otelhttp.Labeler{}
	labelerProbe = otelhttp.ContextWithLabeler(context.Background(), probeLabeler)
)

func slotFrom(ctx context.Context) *routeSlot {
	s, _ := ctx.Value(slotKey{}).(*routeSlot)
	return s
}

// slotPropagator is the propagator handed to otelhttp: it extracts like
// the providers' propagator and adds the request's routeSlot.
type slotPropagator struct {
	propagation.TextMapPropagator
}

func (p slotPropagator) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	return &routeSlot{Context: p.TextMapPropagator.Extract(ctx, carrier)}
}
