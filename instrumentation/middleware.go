package instrumentation

import (
	"fmt"
	"math"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Handler instruments a gorilla/mux router: it returns otelhttp's handler
// around it, with a span per request named "METHOD route-template", metrics
// carrying http.route, requests matching no route recorded under
// httpmetrics.UnmatchedRoute, and panics turned into traced, counted 500s.
//
// It wraps the handlers of the routes registered so far (GetHandler then
// returns the wrapper), installs a middleware on r for routes registered
// later, and replaces r's NotFoundHandler and MethodNotAllowedHandler
// (wrapping the ones set before): register routes before or after, but set
// those two handlers before calling Handler.
//
// Per request, the route travels from inside the router to the handler
// around it in the request's state (see requestState); that handler sets
// Request.Pattern, from which otelhttp names the span and the metrics'
// http.route itself, so naming a request allocates nothing.
//
// The sampling decision is taken before otelhttp (see decide): a request
// the sampler drops does not go through otelhttp but records the same
// duration metric and still carries a span context.
func (p *Providers) Handler(r *mux.Router) http.Handler {
	notFound := r.NotFoundHandler
	if notFound == nil {
		notFound = http.NotFoundHandler()
	}
	r.NotFoundHandler = &routeHandler{next: notFound, info: unmatchedInfo}
	notAllowed := r.MethodNotAllowedHandler
	if notAllowed == nil {
		notAllowed = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusMethodNotAllowed)
		})
	}
	r.MethodNotAllowedHandler = &routeHandler{next: notAllowed, info: unmatchedInfo}

	// mux builds its middleware chain anew for every request, one
	// allocation per middleware: a route whose handler is wrapped here
	// needs none, and the middleware only names routes added later.
	_ = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if h := route.GetHandler(); h != nil {
			if _, done := h.(*routeHandler); !done {
				route.Handler(&routeHandler{next: h, info: routeInfoOf(route)})
			}
		}
		return nil
	})
	late := &lateRoutes{}
	r.Use(late.middleware)

	mp := &httpMeterProvider{mp: p.MeterProvider, limit: p.durationSetLimit()}
	named := &namer{p: p, next: r}
	opts := []otelhttp.Option{
		otelhttp.WithTracerProvider(p.TracerProvider),
		otelhttp.WithMeterProvider(mp),
		otelhttp.WithPropagators(extracted{p.propagator}),
		otelhttp.WithSpanNameFormatter(spanNameFormatter),
		// server.address would otherwise come from the Host header: a
		// client could mint a new series per request.
		otelhttp.WithServerName(p.cfg.serverName),
	}
	if p.cfg.publicEndpoint {
		// a new root span, the caller's span as a link (decide has sampled
		// it as a root too).
		opts = append(opts, otelhttp.WithPublicEndpointFn(func(*http.Request) bool { return true }))
	}
	traced := otelhttp.NewHandler(named, "http.server", opts...)
	return &serverHandler{p: p, traced: traced, untraced: named, durations: mp.duration}
}

// serverHandler is the handler Handler returns. It extracts the incoming
// trace context, asks the sampler, and sends a request to be recorded
// through otelhttp and any other straight to the router, recording its
// duration itself.
type serverHandler struct {
	p         *Providers
	traced    http.Handler // otelhttp, then namer
	untraced  http.Handler // namer
	durations *durationHistogram
}

func (h *serverHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &requestState{Context: h.p.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))}
	if h.p.decide(st, r.Method) {
		h.traced.ServeHTTP(w, r.WithContext(st))
		h.p.recent.add(st.routeInfo().route, time.Since(start))
		return
	}
	rw, sw := wrapStatus(w, &st.w)
	h.untraced.ServeHTTP(rw, r.WithContext(st))
	d := time.Since(start)
	info := st.routeInfo()
	if h.durations != nil {
		h.durations.recordRequest(st, d, info, r.Method, sw.status, st.labeler.Get())
	}
	h.p.recent.add(info.route, d)
}

// routeInfo is the route the request matched, or unmatchedInfo; a request
// that reached no handler of the router (mux redirecting an unclean path)
// is unmatched too.
func (s *requestState) routeInfo() *routeInfo {
	if s.route != nil {
		return s.route
	}
	return unmatchedInfo
}

// durationSetLimit bounds the attribute sets the duration histogram
// remembers as the SDK bounds its series (WithCardinalityLimit; 0 or less is
// no limit in both).
func (p *Providers) durationSetLimit() int {
	if p.cfg.cardinality <= 0 {
		return math.MaxInt
	}
	return p.cfg.cardinality
}

// routeInfoOf names a matched route by its path template; a route without
// one (a host or custom matcher only) is recorded as unmatched, so that
// nothing taken from the request itself becomes a route.
func routeInfoOf(route *mux.Route) *routeInfo {
	if route == nil {
		return unmatchedInfo
	}
	t, err := route.GetPathTemplate()
	if err != nil {
		return unmatchedInfo
	}
	return newRouteInfo(t)
}

// routeHandler records which route a request matched in its state.
type routeHandler struct {
	next http.Handler
	info *routeInfo
}

func (h *routeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s := stateFrom(r.Context()); s != nil {
		s.route = h.info
	}
	h.next.ServeHTTP(w, r)
}

// lateRoutes names requests to routes registered after Handler, from
// mux.CurrentRoute, caching each route's names.
type lateRoutes struct {
	infos sync.Map // *mux.Route -> *routeInfo
}

func (l *lateRoutes) middleware(next http.Handler) http.Handler {
	if _, ok := next.(*routeHandler); ok {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := stateFrom(r.Context()); s != nil {
			s.route = l.info(mux.CurrentRoute(r))
		}
		next.ServeHTTP(w, r)
	})
}

func (l *lateRoutes) info(route *mux.Route) *routeInfo {
	if route == nil {
		return unmatchedInfo
	}
	if ri, ok := l.infos.Load(route); ok {
		return ri.(*routeInfo)
	}
	ri, _ := l.infos.LoadOrStore(route, routeInfoOf(route))
	return ri.(*routeInfo)
}

// namer runs between otelhttp and the router: once the router is done, it
// names the request by the route recorded in its state and turns a panic
// into a 500.
type namer struct {
	p    *Providers
	next http.Handler
}

func (h *namer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		v := recover()
		info := nameRequest(r)
		if v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.p.recovered(w, r, info.route, v)
		}
	}()
	h.next.ServeHTTP(w, r)
}

// nameRequest gives a recorded request's span its route attribute and,
// through Request.Pattern, its name and the metrics' http.route: otelhttp
// reads Pattern from this very request once the handler returns
// (http.ServeMux sets it the same way). httpmetrics.UnmatchedRoute cannot travel in a
// pattern: those requests are named directly and labelled through
// otelhttp's Labeler. An unsampled request's span and metrics are named by
// serverHandler.
func nameRequest(r *http.Request) *routeInfo {
	st := stateFrom(r.Context())
	if st == nil {
		return unmatchedInfo
	}
	info := st.routeInfo()
	if st.phase == phaseUnsampled {
		return info
	}
	span := trace.SpanFromContext(r.Context())
	span.SetAttributes(info.attrs...)
	if info.pattern != "" {
		r.Pattern = info.pattern
		return info
	}
	span.SetName(info.spanName(r.Method))
	if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
		l.Add(info.attrs...)
	}
	return info
}

// spanNameFormatter names spans for otelhttp: by method alone when the span
// starts (the route is not known yet), and "METHOD route" when otelhttp
// renames it after nameRequest set the pattern.
func spanNameFormatter(_ string, r *http.Request) string {
	if r.Pattern != "" {
		if s := stateFrom(r.Context()); s != nil && s.route != nil && s.route.pattern == r.Pattern {
			return s.route.spanName(r.Method)
		}
	}
	return spanMethod(r.Method)
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
