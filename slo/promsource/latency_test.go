package promsource_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/promsource"
)

// latencyAnswers answers the stand-in's queries as Prometheus would: the
// request count to the _count query, and each quantile's value to its
// histogram_quantile query.
func latencyAnswers(count string, quantiles map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query().Get("query")
		v := count
		if strings.HasPrefix(q, "histogram_quantile(") {
			v = quantiles[strings.TrimPrefix(strings.SplitN(q, ",", 2)[0], "histogram_quantile(")]
		}
		if v == "" {
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
			return
		}
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1772366400,%q]}]}}`, v)
	}
}

func TestLatencySummaryQueriesTheHistogram(t *testing.T) {
	s := newStandIn(t, latencyAnswers("1200.4", map[string]string{"0.5": "0.0125", "0.95": "0.275", "0.99": "0.6"}))
	src := newSource(t, promsource.WithURL(s.URL), promsource.WithMatchers(`region="eu"`))
	to := time.Unix(1772366400, 0)
	got, err := src.LatencySummary(context.Background(), []string{"/api/payments"}, to.Add(-6*time.Hour), to)
	if err != nil {
		t.Fatal(err)
	}
	if got.Count != 1200 {
		t.Errorf("count %d, want 1200 (1200.4 rounded to a whole request)", got.Count)
	}
	for _, c := range []struct {
		name string
		got  *float64
		want float64
	}{{"p50", got.P50MS, 12.5}, {"p95", got.P95MS, 275}, {"p99", got.P99MS, 600}} {
		if c.got == nil || *c.got != c.want {
			t.Errorf("%s %v, want %vms", c.name, c.got, c.want)
		}
	}
	sel := `{region="eu",http_route="/api/payments"}`
	want := []string{
		`sum(increase(http_server_request_duration_seconds_count` + sel + `[6h]))`,
		`histogram_quantile(0.5, sum by (le) (increase(http_server_request_duration_seconds_bucket` + sel + `[6h])))`,
		`histogram_quantile(0.95, sum by (le) (increase(http_server_request_duration_seconds_bucket` + sel + `[6h])))`,
		`histogram_quantile(0.99, sum by (le) (increase(http_server_request_duration_seconds_bucket` + sel + `[6h])))`,
	}
	reqs := s.requests()
	if len(reqs) != len(want) {
		t.Fatalf("%d queries, want %d", len(reqs), len(want))
	}
	for i, r := range reqs {
		if q := r.URL.Query().Get("query"); q != want[i] {
			t.Errorf("query %d:\n got %s\nwant %s", i, q, want[i])
		}
		if at := r.URL.Query().Get("time"); at != "1772366400.000" {
			t.Errorf("query %d evaluated at %s, want the window's end", i, at)
		}
	}
}

func TestLatencySummaryWithoutRequestsIsNoData(t *testing.T) {
	to := time.Unix(1772366400, 0)
	for _, tc := range []struct{ name, count string }{
		{"no _count series", ""},
		{"counters that did not grow", "0"},
		{"less than half a request, extrapolated", "0.3"},
		{"NaN", "NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStandIn(t, latencyAnswers(tc.count, map[string]string{"0.5": "0.1", "0.95": "0.1", "0.99": "0.1"}))
			src := newSource(t, promsource.WithURL(s.URL))
			got, err := src.LatencySummary(context.Background(), nil, to.Add(-time.Hour), to)
			if err != nil {
				t.Fatal(err)
			}
			if got.Count != 0 || got.P50MS != nil || got.P95MS != nil || got.P99MS != nil {
				t.Fatalf("got %+v, want no requests and no percentiles", got)
			}
			if n := len(s.requests()); n != 1 {
				t.Errorf("%d queries, want only the count's", n)
			}
		})
	}
}

func TestLatencySummaryFailsRatherThanGuess(t *testing.T) {
	ctx := context.Background()
	to := time.Unix(1772366400, 0)
	from := to.Add(-time.Hour)
	good := map[string]string{"0.5": "0.01", "0.95": "0.2", "0.99": "0.5"}
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
		wantIs  error
	}{
		{"a warning (partial data) on the count", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"status":"success","warnings":["remote store eu-2 did not answer: partial response"],"data":{"resultType":"vector","result":[{"metric":{},"value":[1,"12"]}]}}`)
		}, "eu-2 did not answer", promsource.ErrPartial},
		{"a warning on a quantile", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Query().Get("query"), "histogram_quantile(0.95") {
				fmt.Fprint(w, `{"status":"success","warnings":["PromQL warning: bucket label \"le\" is missing or has a malformed value"],"data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.2"]}]}}`)
				return
			}
			latencyAnswers("100", good)(w, r)
		}, "p95", promsource.ErrPartial},
		{"a quantile query Prometheus refuses", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Query().Get("query"), "histogram_quantile(0.99") {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`)
				return
			}
			latencyAnswers("100", good)(w, r)
		}, "query timed out in expression evaluation", nil},
		{"requests counted but no bucket", latencyAnswers("100", nil), "_count and _bucket series disagree", nil},
		{"an infinite quantile", latencyAnswers("100", map[string]string{"0.5": "+Inf"}), "returned +Inf, not a duration", nil},
		{"a negative count", latencyAnswers("-5", good), "not a count of requests", nil},
		{"no answer in time", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, "no answer within 200ms", context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStandIn(t, tc.handler)
			src := newSource(t, promsource.WithURL(s.URL), promsource.WithTimeout(200*time.Millisecond),
				promsource.WithLogger(slog.New(slog.DiscardHandler)))
			got, err := src.LatencySummary(ctx, nil, from, to)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %+v, %v; want an error saying %q", got, err, tc.wantErr)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v is not %v", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), "query ") {
				t.Errorf("error %q does not name the query", err)
			}
		})
	}
	t.Run("a window that ends before it starts", func(t *testing.T) {
		src := newSource(t, promsource.WithURL("http://127.0.0.1:1"))
		if _, err := src.LatencySummary(ctx, nil, to, from); err == nil || !strings.Contains(err.Error(), "ends before it starts") {
			t.Fatalf("got %v, want a backward-window error", err)
		}
	})
}

// fixedClock stops the processor's time at t.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                     { return c.t }
func (c fixedClock) NewTicker(time.Duration) slo.Ticker { return stoppedTicker{} }

type stoppedTicker struct{}

func (stoppedTicker) C() <-chan time.Time { return nil }
func (stoppedTicker) Stop()               {}

func TestProcessorLatencyReadsPrometheus(t *testing.T) {
	s := newStandIn(t, latencyAnswers("40", map[string]string{"0.5": "0.02", "0.95": "0.3", "0.99": "0.7"}))
	src := newSource(t, promsource.WithURL(s.URL))
	now := time.Unix(1772366400, 0)
	recent := []float64{5, 6, 7}
	p, err := slo.NewProcessor(slo.Config{
		Spec:    slo.Spec{SLOs: []slo.SLO{availability}},
		Windows: src,
		Clock:   fixedClock{now},
		Logger:  slog.New(slog.DiscardHandler),
		Recent:  func(string) []float64 { return recent },
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Latency(context.Background(), 24*time.Hour, "/api/items/{id}")
	if err != nil {
		t.Fatal(err)
	}
	if got.Window != "1d" || got.Route != "/api/items/{id}" || got.Count != 40 ||
		got.P95MS == nil || *got.P95MS != 300 || len(got.Recent60) != 3 {
		t.Fatalf("got %+v, want 40 requests over 1d of the route, p95 300ms, the 3 recent durations", got)
	}
	if q := s.requests()[0].URL.Query().Get("query"); !strings.Contains(q, `http_route="/api/items/{id}"`) || !strings.Contains(q, "[1d]") {
		t.Errorf("count query %s does not select the route over 1d", q)
	}

	s.Close()
	if _, err := p.Latency(context.Background(), time.Hour, ""); err == nil || !strings.Contains(err.Error(), "latency over 1h") {
		t.Fatalf("an unreachable Prometheus gave %v, want an error naming the window", err)
	}
}
