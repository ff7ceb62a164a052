package promsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/sloguard/sloguard/slo"
)

// Source reads SLI counts from a Prometheus server. See the package
// documentation.
type Source struct {
	cfg       config
	api       promv1.API
	shown     string          // the base URL as errors show it
	transport *http.Transport // ours to close, nil with WithHTTPClient
}

var _ slo.WindowReader = (*Source)(nil)

// New returns a Source for the Prometheus given by WithURL. It does not
// contact Prometheus: an unreachable server is an error of each query.
func New(opts ...Option) (*Source, error) {
	cfg := config{timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	u, err := parseURL(cfg.rawURL)
	if err != nil {
		cfg.errs = append([]error{err}, cfg.errs...)
	}
	if len(cfg.errs) > 0 {
		return nil, fmt.Errorf("promsource: %w", errors.Join(cfg.errs...))
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	src := &Source{cfg: cfg, shown: redact(u)}
	hc := cfg.client
	if hc == nil {
		src.transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          4,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
		hc = &http.Client{Transport: src.transport}
	}
	client, err := api.NewClient(api.Config{Address: u.String(), Client: hc})
	if err != nil {
		return nil, fmt.Errorf("promsource: Prometheus URL %s: %w", src.shown, err)
	}
	src.api = promv1.NewAPI(client)
	return src, nil
}

// URL returns the base URL of the Prometheus API without credentials.
func (src *Source) URL() string { return src.shown }

// Close releases the idle connections of the source's own HTTP client.
// Queries after Close still work (they open new connections).
func (src *Source) Close() error {
	if src.transport != nil {
		src.transport.CloseIdleConnections()
	}
	return nil
}

// Counts returns the events of s over (from, to], evaluated at to. A
// window without series has zero counts; a window of less than a
// millisecond is empty.
func (src *Source) Counts(ctx context.Context, s slo.SLO, from, to time.Time) (slo.Counts, error) {
	window := to.Sub(from).Round(time.Millisecond)
	switch {
	case window < 0:
		return slo.Counts{}, fmt.Errorf("promsource: SLO %s: window (%s, %s] ends before it starts", s.Name, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	case window == 0:
		return slo.Counts{}, nil
	}
	q, err := src.Queries(s, window)
	if err != nil {
		return slo.Counts{}, fmt.Errorf("promsource: SLO %s: %w", s.Name, err)
	}
	total, _, err := src.count(ctx, q.Total, to)
	if err != nil {
		return slo.Counts{}, fmt.Errorf("promsource: SLO %s: total events: %w", s.Name, err)
	}
	if total == 0 {
		// no event: nothing can be good or bad.
		return slo.Counts{}, nil
	}
	if q.Bad != "" {
		bad, _, err := src.count(ctx, q.Bad, to)
		if err != nil {
			return slo.Counts{}, fmt.Errorf("promsource: SLO %s: bad events: %w", s.Name, err)
		}
		return slo.Counts{Good: total - min(bad, total), Total: total}, nil
	}
	good, found, err := src.count(ctx, q.Good, to)
	if err != nil {
		return slo.Counts{}, fmt.Errorf("promsource: SLO %s: good events: %w", s.Name, err)
	}
	if !found && s.SLI.Kind == slo.KindLatency && s.SLI.PromQL == nil {
		// The histogram exists (there are events) but has no bucket at
		// the threshold: every request would silently count as slow.
		return slo.Counts{}, fmt.Errorf("promsource: SLO %s: the histogram has no bucket with upper bound %s (query %s on %s): the latency threshold must be one of its bucket boundaries",
			s.Name, s.SLI.Threshold, q.Good, src.shown)
	}
	return slo.Counts{Good: min(good, total), Total: total}, nil
}

// count runs an instant query that counts events and returns its value
// (zero when it returns no series), and whether it returned a series.
func (src *Source) count(ctx context.Context, query string, at time.Time) (float64, bool, error) {
	v, found, err := src.instant(ctx, query, at)
	if err != nil || !found {
		return 0, found, err
	}
	switch {
	case math.IsNaN(v):
		// 0/0 in a query of the spec's: no events to count.
		return 0, true, nil
	case math.IsInf(v, 0):
		return 0, true, src.queryErr(query, at, fmt.Errorf("returned %v, not a count of events", v))
	case v < 0:
		// Floating-point rounding in a query of the spec's may give -1e-12
		// for none; a count below zero is a mistake in the query.
		if v > -1e-6 {
			return 0, true, nil
		}
		return 0, true, src.queryErr(query, at, fmt.Errorf("returned %v, not a count of events: a count is never negative", v))
	}
	return v, true, nil
}

// instant runs query at time at and returns its only value; found is false
// when it returned no series.
func (src *Source) instant(ctx context.Context, query string, at time.Time) (v float64, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, src.cfg.timeout)
	defer cancel()
	res, warnings, err := src.api.Query(ctx, query, at, promv1.WithTimeout(src.cfg.timeout))
	if err != nil {
		return 0, false, src.queryErr(query, at, src.cause(ctx, err))
	}
	if len(warnings) > 0 {
		src.cfg.logger.Warn("prometheus query warnings", "url", src.shown, "query", query, "warnings", []string(warnings))
	}
	switch r := res.(type) {
	case model.Vector:
		switch len(r) {
		case 0:
			return 0, false, nil
		case 1:
			return float64(r[0].Value), true, nil
		}
		shown := make([]string, 0, 3)
		for _, s := range r[:min(3, len(r))] {
			shown = append(shown, s.Metric.String())
		}
		return 0, false, src.queryErr(query, at, fmt.Errorf("returned %d series (%s…), not one: an SLI query must aggregate them, with sum() for example", len(r), strings.Join(shown, ", ")))
	case *model.Scalar:
		return float64(r.Value), true, nil
	case nil:
		return 0, false, src.queryErr(query, at, errors.New("returned no result"))
	default:
		return 0, false, src.queryErr(query, at, fmt.Errorf("returned a %s, not an instant vector or a scalar", res.Type()))
	}
}

// cause is the reason a query failed, in words, without the request URL
// (the client's errors quote it whole, credentials included).
func (src *Source) cause(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return fmt.Errorf("no answer within %s: %w", src.cfg.timeout, err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	var pe *promv1.Error
	if errors.As(err, &pe) && pe.Detail != "" {
		// Detail is the body of an answer that was not the API's JSON (a
		// proxy's error page): its first line says what happened.
		detail, _, _ := strings.Cut(strings.TrimSpace(pe.Detail), "\n")
		if len(detail) > 200 {
			detail = detail[:200] + "…"
		}
		return fmt.Errorf("%w (body: %q)", err, detail)
	}
	return err
}

func (src *Source) queryErr(query string, at time.Time, err error) error {
	return &QueryError{Query: query, URL: src.shown, Time: at, Err: err}
}

// QueryError is the error of a query Prometheus did not answer as one.
type QueryError struct {
	Query string
	URL   string // without credentials
	Time  time.Time
	Err   error
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("query %s at %s on %s: %v", e.Query, e.Time.UTC().Format(time.RFC3339Nano), e.URL, e.Err)
}

func (e *QueryError) Unwrap() error { return e.Err }
