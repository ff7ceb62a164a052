package instrumentation

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Handler instruments a gorilla/mux router: it returns the otelhttp handler
// around it, with a span per request named "METHOD route-template", metrics
// carrying http.route, requests matching no route recorded under
// UnmatchedRoute, and handler panics turned into traced, counted 500s.
//
// It installs a middleware on r and replaces its NotFoundHandler and
// MethodNotAllowedHandler (wrapping the ones set before): register routes
// before or after, but set those two handlers before calling Handler.
func (p *Providers) Handler(r *mux.Router) http.Handler {
	r.Use(p.routeMiddleware)
	notFound := r.NotFoundHandler
	if notFound == nil {
		notFound = http.NotFoundHandler()
	}
	r.NotFoundHandler = p.unmatched(notFound)
	notAllowed := r.MethodNotAllowedHandler
	if notAllowed == nil {
		notAllowed = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusMethodNotAllowed)
		})
	}
	r.MethodNotAllowedHandler = p.unmatched(notAllowed)
	return otelhttp.NewHandler(r, "http.server",
		otelhttp.WithTracerProvider(p.TracerProvider),
		otelhttp.WithMeterProvider(httpMeterProvider{mp: p.MeterProvider}),
		otelhttp.WithPropagators(p.propagator),
		// server.address would otherwise come from the Host header: a
		// client could mint a new series per request.
		otelhttp.WithServerName(p.cfg.serverName),
	)
}

// routeMiddleware runs after mux matched a route.
func (p *Providers) routeMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := UnmatchedRoute
		if cr := mux.CurrentRoute(r); cr != nil {
			if t, err := cr.GetPathTemplate(); err == nil {
				route = t
			}
		}
		nameRequest(r, route)
		start := time.Now()
		defer func() {
			p.recent.add(route, time.Since(start))
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				p.recovered(w, r, route, v)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// unmatched wraps the handlers mux calls when no route matched.
func (p *Providers) unmatched(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nameRequest(r, UnmatchedRoute)
		start := time.Now()
		h.ServeHTTP(w, r)
		p.recent.add(UnmatchedRoute, time.Since(start))
	})
}

// nameRequest gives the span its route name and the metrics their
// http.route; otelhttp reads routes only from Request.Pattern, which mux
// never sets.
func nameRequest(r *http.Request, route string) {
	attr := attribute.String("http.route", route)
	if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
		span.SetName(spanMethod(r.Method) + " " + route)
		span.SetAttributes(attr)
	}
	if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
		l.Add(attr)
	}
}

// spanMethod bounds the methods that may appear in span names, as the
// semantic conventions ask: anything unknown is "HTTP".
func spanMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "HTTP"
}

// recovered answers a request whose handler panicked: a 500 (if nothing was
// written yet) that otelhttp then records like any other, the panic on the
// span, and one log line with the stack.
func (p *Providers) recovered(w http.ResponseWriter, r *http.Request, route string, v any) {
	err := fmt.Errorf("panic: %v", v)
	span := trace.SpanFromContext(r.Context())
	span.RecordError(err, trace.WithStackTrace(true))
	span.SetStatus(codes.Error, err.Error())
	p.panics.Add(r.Context(), 1, metricAttr(attribute.String("http.route", route)))
	p.cfg.logger.Error("handler panicked", "route", route, "method", spanMethod(r.Method), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// Recent returns the durations, in milliseconds and oldest first, of the
// last n requests to route ("" for all routes), for the dashboard.
func (p *Providers) Recent(route string, n int) []float64 {
	return p.recent.last(route, n)
}
