package api

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// Paths of the endpoints.
const (
	PathReport    = "/api/observability/slo"
	PathCheck     = "/api/observability/slo/check"
	PathLatency   = "/api/observability/latency"
	PathDashboard = "/dashboard"
	apiPrefix     = "/api/observability"
)

// Server serves the observability API and the dashboard. Create it with New
// and mount it with Register.
type Server struct {
	engine        Engine
	keyDigest     [sha256.Size]byte
	log           *slog.Logger
	maxWindow     time.Duration
	defaultWindow time.Duration
	limiter       *failureLimiter
	failures      metric.Int64Counter
	clientAddress func(*http.Request) string
	dashboard     *dashboard
	// now is the limiter's clock.
	now func() time.Time
}

// New returns a Server for cfg, or the problems of cfg.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	mp := cfg.MeterProvider
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	failures, err := mp.Meter("github.com/sloguard/sloguard/api").Int64Counter("sloguard.api.auth.failures",
		metric.WithUnit("{failure}"),
		metric.WithDescription("Requests to the observability API refused for a missing or wrong dashboard key, or while the client was locked out."))
	if err != nil {
		return nil, fmt.Errorf("api: creating the sloguard.api.auth.failures counter: %w", err)
	}
	dash, err := newDashboard()
	if err != nil {
		return nil, err
	}
	return &Server{
		engine:        cfg.Engine,
		keyDigest:     sha256.Sum256(cfg.Key),
		log:           cfg.Logger,
		maxWindow:     cfg.MaxWindow,
		defaultWindow: min(DefaultLatencyWindow, cfg.MaxWindow),
		limiter:       newFailureLimiter(cfg.AuthFailures),
		failures:      failures,
		clientAddress: cfg.ClientAddress,
		dashboard:     dash,
		now:           time.Now,
	}, nil
}

// Register mounts the endpoints on r, each on a route of its own whose path
// template names it in spans and metrics. Unknown paths under
// /api/observability/ share one catch-all route.
func (s *Server) Register(r *mux.Router) {
	r.Handle(PathReport, s.api(http.MethodGet, s.serveReport))
	r.Handle(PathCheck, s.api(http.MethodPost, s.serveCheck))
	r.Handle(PathLatency, s.api(http.MethodGet, s.serveLatency))
	r.Handle(apiPrefix, s.api("", nil))
	r.PathPrefix(apiPrefix + "/").Handler(s.api("", nil))
	r.Handle(PathDashboard, http.HandlerFunc(s.dashboard.servePage))
	r.PathPrefix(PathDashboard + "/").Handler(http.HandlerFunc(s.dashboard.serveAsset))
}

// Handler returns a router with only the Server's endpoints, for a service
// that does not use gorilla/mux itself.
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	s.Register(r)
	return r
}

// api wraps an endpoint: key check first, then method, then the endpoint. A
// nil serve is the catch-all for unknown paths.
func (s *Server) api(method string, serve http.HandlerFunc) http.Handler {
	return s.authorize(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if serve == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint under %s/: the endpoints are %s, %s and %s",
				apiPrefix, PathReport, PathCheck, PathLatency))
			return
		}
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s: use %s",
				quoteValue(r.Method), routeTemplate(r), method))
			return
		}
		serve(w, r)
	}))
}

func (s *Server) serveReport(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.query(w, r); !ok {
		return
	}
	rep, ok := s.engine.Report()
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "no SLO evaluation has run yet: POST "+PathCheck+" runs one now")
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) serveCheck(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.query(w, r); !ok {
		return
	}
	rep, err := s.engine.Evaluate(r.Context())
	if err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "SLO evaluation requested through the API failed", slog.String("error", err.Error()))
		writeError(w, http.StatusInternalServerError, "SLO evaluation failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) serveLatency(w http.ResponseWriter, r *http.Request) {
	q, ok := s.query(w, r, "window", "route")
	if !ok {
		return
	}
	window := s.defaultWindow
	if v, given := q["window"]; given {
		d, err := parseWindow(v[0], MinLatencyWindow, s.maxWindow)
		if err != nil {
			writeError(w, http.StatusBadRequest, "query parameter window: "+err.Error())
			return
		}
		window = d
	}
	route := ""
	if v, given := q["route"]; given {
		route = v[0]
		if err := checkRoute(route); err != nil {
			writeError(w, http.StatusBadRequest, "query parameter route: "+err.Error())
			return
		}
	}
	sum, err := s.engine.Latency(r.Context(), window, route)
	if err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "latency summary requested through the API failed", slog.String("error", err.Error()))
		writeError(w, http.StatusInternalServerError, "latency summary failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

// query parses the query string and refuses it, answering 400, if it holds
// a parameter not in allowed or one given twice.
func (s *Server) query(w http.ResponseWriter, r *http.Request, allowed ...string) (url.Values, bool) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed query string: "+err.Error())
		return nil, false
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(allowed, name) {
			takes := "takes no query parameter"
			if len(allowed) > 0 {
				takes = "takes only " + strings.Join(allowed, " and ")
			}
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown query parameter %s: %s %s", quoteValue(name), routeTemplate(r), takes))
			return nil, false
		}
		if n := len(q[name]); n > 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("query parameter %s is given %d times: give it once", name, n))
			return nil, false
		}
	}
	return q, true
}

// checkRoute accepts a route template: printable UTF-8 of bounded length.
func checkRoute(route string) error {
	if len(route) > maxRouteParameterLength {
		return fmt.Errorf("%s is longer than %d bytes", quoteValue(route), maxRouteParameterLength)
	}
	if !utf8.ValidString(route) {
		return fmt.Errorf("%s is not valid UTF-8", quoteValue(route))
	}
	if i := strings.IndexFunc(route, func(c rune) bool { return !unicode.IsPrint(c) }); i >= 0 {
		return fmt.Errorf("%s holds a control character at byte %d", quoteValue(route), i)
	}
	return nil
}

// routeTemplate is the path template of the route r matched: a bounded
// name, unlike the path itself.
func routeTemplate(r *http.Request) string {
	if rt := mux.CurrentRoute(r); rt != nil {
		if t, err := rt.GetPathTemplate(); err == nil {
			return t
		}
	}
	return "unmatched"
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(errorBody{Error: "encoding the response: " + err.Error()})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
