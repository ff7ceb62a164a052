package promsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/internal/endpoint"
	"github.com/sloguard/sloguard/slo"
)

// Source reads SLI counts from a Prometheus server. See the package
// documentation.
type Source struct {
	cfg       config
	base      *url.URL
	client    *http.Client
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
	src := &Source{cfg: cfg, base: u, shown: endpoint.Redact(u), client: cfg.client}
	if src.client == nil {
		src.transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          4,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
		src.client = &http.Client{Transport: src.transport}
	}
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
		return slo.Counts{}, fmt.Errorf("promsource: SLO %s: %w", s.Name, src.queryErr(q.Good, to,
			fmt.Errorf("the histogram has no bucket with upper bound %s: the latency threshold must be one of its bucket boundaries", s.SLI.Threshold)))
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

// maxBody bounds the answers read: an SLI query returns one number, and a
// query that returns more than a few series is refused anyway.
const maxBody = 8 << 20

// apiResponse is the envelope of every answer of the Prometheus HTTP API.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Warnings  []string        `json:"warnings"`
}

// queryData is the data of an instant query.
type queryData struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

type vectorSample struct {
	Metric map[string]string `json:"metric"`
	Value  samplePair        `json:"value"`
}

// samplePair is [unix seconds, "value"]; the value is a string so that NaN
// and ±Inf survive JSON.
type samplePair struct {
	Value float64
}

func (p *samplePair) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 2 {
		return fmt.Errorf("sample %s: want [time, \"value\"]", b)
	}
	var v string
	if err := json.Unmarshal(raw[1], &v); err != nil {
		return fmt.Errorf("sample %s: the value is not a string", b)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("sample %s: value %q is not a number", b, v)
	}
	p.Value = f
	return nil
}

// instant runs query at time at and returns its only value; found is false
// when it returned no series.
func (src *Source) instant(ctx context.Context, query string, at time.Time) (v float64, found bool, err error) {
	return src.instantWarned(ctx, query, at, false)
}

// instantWarned is instant; with strict, an answer carrying warnings
// (partial data, truncated results, a malformed le label) is an error
// instead of a logged line.
func (src *Source) instantWarned(ctx context.Context, query string, at time.Time, strict bool) (v float64, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, src.cfg.timeout)
	defer cancel()
	resp, err := src.get(ctx, query, at)
	if err != nil {
		return 0, false, src.queryErr(query, at, err)
	}
	if len(resp.Warnings) > 0 {
		if strict {
			return 0, false, src.queryErr(query, at, fmt.Errorf("%w: %s", ErrPartial, strings.Join(resp.Warnings, "; ")))
		}
		src.cfg.logger.Warn("prometheus query warnings", "url", src.shown, "query", query, "warnings", resp.Warnings)
	}
	var data queryData
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		return 0, false, src.queryErr(query, at, fmt.Errorf("answer is not a query result: %w", err))
	}
	switch data.ResultType {
	case "vector":
		var vec []vectorSample
		if err := json.Unmarshal(data.Result, &vec); err != nil {
			return 0, false, src.queryErr(query, at, fmt.Errorf("answer is not an instant vector: %w", err))
		}
		switch len(vec) {
		case 0:
			return 0, false, nil
		case 1:
			return vec[0].Value.Value, true, nil
		}
		shown := make([]string, 0, 3)
		for _, s := range vec[:min(3, len(vec))] {
			shown = append(shown, labelSet(s.Metric))
		}
		return 0, false, src.queryErr(query, at, fmt.Errorf("returned %d series (%s…), not one: an SLI query must aggregate them, with sum() for example", len(vec), strings.Join(shown, ", ")))
	case "scalar":
		var p samplePair
		if err := json.Unmarshal(data.Result, &p); err != nil {
			return 0, false, src.queryErr(query, at, fmt.Errorf("answer is not a scalar: %w", err))
		}
		return p.Value, true, nil
	default:
		return 0, false, src.queryErr(query, at, fmt.Errorf("returned a %q result, not an instant vector or a scalar", data.ResultType))
	}
}

// get sends GET /api/v1/query and returns the decoded answer, or an error
// saying in words what went wrong, without the request URL (the transport's
// errors quote it whole, credentials included).
func (src *Source) get(ctx context.Context, query string, at time.Time) (apiResponse, error) {
	params := url.Values{}
	params.Set("query", query)
	params.Set("time", strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64))
	params.Set("timeout", promDuration(src.cfg.timeout))
	u := *src.base
	u.Path = strings.TrimRight(u.Path, "/") + "/api/v1/query"
	u.RawPath = ""
	u.RawQuery = params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return apiResponse{}, fmt.Errorf("request: %w", urlCause(err))
	}
	req.Header.Set("Accept", "application/json")
	res, err := src.client.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return apiResponse{}, fmt.Errorf("no answer within %s: %w", src.cfg.timeout, context.DeadlineExceeded)
		}
		return apiResponse{}, urlCause(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return apiResponse{}, fmt.Errorf("HTTP %s: answer not read within %s: %w", res.Status, src.cfg.timeout, context.DeadlineExceeded)
		}
		return apiResponse{}, fmt.Errorf("HTTP %s: reading the answer: %w", res.Status, urlCause(err))
	}
	if len(body) > maxBody {
		return apiResponse{}, fmt.Errorf("HTTP %s: answer larger than %d bytes", res.Status, maxBody)
	}
	var r apiResponse
	jsonErr := json.Unmarshal(body, &r)
	switch {
	case jsonErr == nil && r.Status == "error":
		// The API's own errors: bad_data (a query that does not parse),
		// execution, timeout, canceled, unavailable...
		return apiResponse{}, fmt.Errorf("HTTP %s: %s: %s", res.Status, r.ErrorType, r.Error)
	case res.StatusCode/100 != 2:
		return apiResponse{}, fmt.Errorf("HTTP %s%s", res.Status, excerpt(body))
	case jsonErr != nil:
		return apiResponse{}, fmt.Errorf("HTTP %s: the answer is not the JSON of the Prometheus API (%v)%s", res.Status, jsonErr, excerpt(body))
	case r.Status != "success":
		return apiResponse{}, fmt.Errorf("HTTP %s: the answer has status %q, not success", res.Status, r.Status)
	}
	return r, nil
}

// urlCause strips the URL from the transport's errors.
func urlCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// excerpt is the first line of a body that is not the API's JSON (a
// proxy's error page), for the error message.
func excerpt(body []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	if line == "" {
		return ""
	}
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return fmt.Sprintf(" (body: %q)", line)
}

// labelSet prints a series' labels as PromQL does: {a="1", b="2"}.
func labelSet(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
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
