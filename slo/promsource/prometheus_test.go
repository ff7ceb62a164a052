package promsource_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/internal/testbin"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/promsource"
)

// The Prometheus names of the instruments the SLIs read, as the exporter
// writes them.
var (
	durationSeries = httpmetrics.PrometheusMetricName(httpmetrics.DurationMetric, "s", httpmetrics.MetricHistogram)
	webhookSeries  = httpmetrics.PrometheusMetricName("webhook.deliveries", "{delivery}", httpmetrics.MetricCounter)
	routeLabel     = httpmetrics.PrometheusLabelName(slo.RouteAttr)
	methodLabel    = httpmetrics.PrometheusLabelName(slo.MethodAttr)
	statusLabel    = httpmetrics.PrometheusLabelName(slo.StatusCodeAttr)
	outcomeLabel   = httpmetrics.PrometheusLabelName("outcome")
)

// served is one event an exposition recorded: a request, or a webhook
// delivery (outcome set).
type served struct {
	at      time.Time
	route   string
	method  string
	status  int
	seconds float64
	outcome string
}

// exposition is one replica of a service as Prometheus sees it: a
// client_golang registry with the HTTP duration histogram and the webhook
// counter, served on /metrics, fed by a steady deterministic traffic and
// keeping a log of every event with its time.
type exposition struct {
	srv        *httptest.Server
	hist       *prometheus.HistogramVec
	deliveries *prometheus.CounterVec

	mu      sync.Mutex
	events  []served
	scrapes []time.Time

	stop, done chan struct{}
}

// traffic says what one replica serves at each tick of 20ms.
type traffic struct {
	errEvery  int // every errEvery-th payment fails with a 500
	failEvery int // every failEvery-th webhook delivery fails
}

func startExposition(t *testing.T, tr traffic) *exposition {
	t.Helper()
	reg := prometheus.NewRegistry()
	e := &exposition{
		hist: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: durationSeries, Help: "Duration of HTTP server requests.", Buckets: httpmetrics.BucketBoundaries(),
		}, []string{routeLabel, methodLabel, statusLabel}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: webhookSeries, Help: "Webhook deliveries.",
		}, []string{outcomeLabel}),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	reg.MustRegister(e.hist, e.deliveries)
	// Every series exists from the first scrape, so that increase() sees
	// each one grow from a known value.
	e.hist.WithLabelValues("/api/items/{id}", "GET", "200")
	e.hist.WithLabelValues("/api/payments", "POST", "201")
	e.hist.WithLabelValues("/api/payments", "POST", "500")
	e.deliveries.WithLabelValues("success")
	e.deliveries.WithLabelValues("failure")
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.scrapes = append(e.scrapes, time.Now())
		e.mu.Unlock()
		metrics.ServeHTTP(w, r)
	}))
	go e.run(tr)
	t.Cleanup(func() {
		close(e.stop)
		<-e.done
		e.srv.Close()
	})
	return e
}

func (e *exposition) run(tr traffic) {
	defer close(e.done)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 1; ; i++ {
		select {
		case <-e.stop:
			return
		case <-tick.C:
		}
		payStatus, paySeconds := 201, 0.3
		if i%tr.errEvery == 0 {
			payStatus = 500
		}
		if i%2 == 0 {
			paySeconds = 0.6
		}
		outcome := "success"
		if i%tr.failEvery == 0 {
			outcome = "failure"
		}
		// The log is written under the same lock as the counters change, so
		// that a scrape sees exactly the events logged before it.
		e.mu.Lock()
		now := time.Now()
		e.hist.WithLabelValues("/api/items/{id}", "GET", "200").Observe(0.02)
		e.hist.WithLabelValues("/api/payments", "POST", strconv.Itoa(payStatus)).Observe(paySeconds)
		e.deliveries.WithLabelValues(outcome).Inc()
		e.events = append(e.events,
			served{at: now, route: "/api/items/{id}", method: "GET", status: 200, seconds: 0.02},
			served{at: now, route: "/api/payments", method: "POST", status: payStatus, seconds: paySeconds},
			served{at: now, outcome: outcome})
		e.mu.Unlock()
	}
}

func (e *exposition) target() string { return strings.TrimPrefix(e.srv.URL, "http://") }

// scrapedAfter reports whether Prometheus scraped the exposition after t.
func (e *exposition) scrapedAfter(t time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.scrapes) > 0 && e.scrapes[len(e.scrapes)-1].After(t)
}

func (e *exposition) firstScrape() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.scrapes) == 0 {
		return time.Time{}
	}
	return e.scrapes[0]
}

// expected counts the logged events of sli in (from, to], the way the SLI
// kinds are defined, independently of any query.
func expected(sli slo.SLI, from, to time.Time, exps ...*exposition) slo.Counts {
	var c slo.Counts
	for _, e := range exps {
		e.mu.Lock()
		for _, ev := range e.events {
			if !ev.at.After(from) || ev.at.After(to) {
				continue
			}
			switch sli.Kind {
			case slo.KindAvailability, slo.KindLatency:
				if ev.outcome != "" || (len(sli.Routes) > 0 && !contains(sli.Routes, ev.route)) || (len(sli.Methods) > 0 && !contains(sli.Methods, ev.method)) {
					continue
				}
				c.Total++
				if sli.Kind == slo.KindAvailability && ev.status < 500 || sli.Kind == slo.KindLatency && ev.seconds <= sli.Threshold.Seconds() {
					c.Good++
				}
			case slo.KindEvents:
				if ev.outcome == "" {
					continue
				}
				c.Total++
				if !contains(sli.Bad["outcome"], ev.outcome) {
					c.Good++
				}
			}
		}
		e.mu.Unlock()
	}
	return c
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// promServer is a real Prometheus started for a test.
type promServer struct {
	URL  string
	proc *proctest.Proc
}

// startPrometheus runs Prometheus with the given scrape configs (YAML,
// indented as list items under scrape_configs), scraping every second.
func startPrometheus(t *testing.T, scrapeConfigs string) *promServer {
	t.Helper()
	bin := testbin.Path(t, "prometheus")
	dir := t.TempDir()
	cfg := "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n" + scrapeConfigs
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	port := proctest.FreePort(t)
	p := proctest.Start(t, "prometheus", dir, nil, bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
		"--log.level=warn")
	s := &promServer{URL: fmt.Sprintf("http://127.0.0.1:%d", port), proc: p}
	proctest.WaitHTTP(t, 90*time.Second, s.URL+"/-/ready", http.StatusOK)
	return s
}

// value runs an instant query and returns its first value, or NaN.
func (s *promServer) value(t *testing.T, query string) float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Data.Result) == 0 {
		return math.NaN()
	}
	v, _ := strconv.ParseFloat(r.Data.Result[0].Value[1].(string), 64)
	return v
}

func TestCountsAgainstARealPrometheus(t *testing.T) {
	eu := startExposition(t, traffic{errEvery: 5, failEvery: 4})
	us := startExposition(t, traffic{errEvery: 3, failEvery: 10})
	prom := startPrometheus(t, fmt.Sprintf(`  - job_name: shop
    static_configs:
      - targets: [%q]
        labels: {region: eu}
      - targets: [%q]
        labels: {region: us}
`, eu.target(), us.target()))
	began := time.Now()
	proctest.WaitFor(t, 60*time.Second, "Prometheus to scrape both replicas", func() bool {
		return prom.value(t, `count(up{job="shop"} == 1)`) == 2
	})
	// The window starts after a few scrapes of both replicas and ends once
	// both were scraped after it, so that every edge has samples around it.
	first := eu.firstScrape()
	if f := us.firstScrape(); f.After(first) {
		first = f
	}
	from := first.Add(2500 * time.Millisecond).Truncate(time.Millisecond)
	to := from.Add(8 * time.Second)
	proctest.WaitFor(t, 60*time.Second, "both replicas to be scraped after the window", func() bool {
		return eu.scrapedAfter(to.Add(time.Second)) && us.scrapedAfter(to.Add(time.Second))
	})
	t.Logf("Prometheus ready and scraped in %s", time.Since(began).Round(time.Millisecond))

	ctx := context.Background()
	src := newSource(t, promsource.WithURL(prom.URL))
	euOnly := newSource(t, promsource.WithURL(prom.URL), promsource.WithMatchers(`region="eu"`))

	type check struct {
		name string
		src  *promsource.Source
		s    slo.SLO
		exps []*exposition
	}
	sloOf := func(name string, sli slo.SLI) slo.SLO {
		return slo.SLO{Name: name, Objective: 0.99, Window: slo.Day, SLI: sli}
	}
	availabilityAll := slo.SLI{Kind: slo.KindAvailability}
	for _, c := range []check{
		{"availability over every route of both replicas", src, sloOf("availability", availabilityAll), []*exposition{eu, us}},
		{"availability of one route and method", src, sloOf("payments", slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/api/payments"}, Methods: []string{"POST"}}), []*exposition{eu, us}},
		{"availability of the replicas a matcher selects", euOnly, sloOf("availability", availabilityAll), []*exposition{eu}},
		{"latency within 400ms", src, sloOf("latency", slo.SLI{Kind: slo.KindLatency, Threshold: 400 * time.Millisecond, Routes: []string{"/api/payments"}}), []*exposition{eu, us}},
		{"latency within 1s (a whole-number bucket)", src, sloOf("latency", slo.SLI{Kind: slo.KindLatency, Threshold: time.Second}), []*exposition{eu, us}},
		{"webhook deliveries without failure", src, sloOf("webhooks", slo.SLI{Kind: slo.KindEvents, Metric: "webhook.deliveries", Bad: slo.Matcher{"outcome": {"failure"}}}), []*exposition{eu, us}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.src.Counts(ctx, c.s, from, to)
			if err != nil {
				t.Fatal(err)
			}
			want := expected(c.s.SLI, from, to, c.exps...)
			if want.Total == 0 || want.Bad() == 0 && c.s.SLI.Kind != slo.KindLatency {
				t.Fatalf("the traffic gave %+v: the scenario checks nothing", want)
			}
			// One scrape's worth of the window's events: what increase()
			// may extrapolate at the edges.
			tol := want.Total/to.Sub(from).Seconds()*1 + 1
			t.Logf("served %.0f events, %.0f bad; Prometheus counts %.2f, %.2f bad (tolerance %.1f)", want.Total, want.Bad(), got.Total, got.Bad(), tol)
			if math.Abs(got.Total-want.Total) > tol || math.Abs(got.Bad()-want.Bad()) > tol*want.Bad()/want.Total+1 {
				t.Fatalf("counts %+v, want %+v within %.1f events", got, want, tol)
			}
			if got.Good < 0 || got.Good > got.Total {
				t.Fatalf("counts %+v are not 0 ≤ good ≤ total", got)
			}
		})
	}

	t.Run("a query of the spec's own is used as written", func(t *testing.T) {
		s := sloOf("items", slo.SLI{Kind: slo.KindAvailability, PromQL: &slo.PromQL{
			Total: fmt.Sprintf(`sum(increase(%s_count{%s="/api/items/{id}"}[{{.window}}])) + sum(increase(%s[{{.window}}]))`, durationSeries, routeLabel, webhookSeries),
			Bad:   fmt.Sprintf(`sum(increase(%s{%s="failure"}[{{.window}}]))`, webhookSeries, outcomeLabel),
		}})
		got, err := src.Counts(ctx, s, from, to)
		if err != nil {
			t.Fatal(err)
		}
		items := expected(slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/api/items/{id}"}}, from, to, eu, us)
		hooks := expected(slo.SLI{Kind: slo.KindEvents, Bad: slo.Matcher{"outcome": {"failure"}}}, from, to, eu, us)
		want := slo.Counts{Total: items.Total + hooks.Total, Good: items.Total + hooks.Good}
		tol := want.Total/to.Sub(from).Seconds() + 1
		if math.Abs(got.Total-want.Total) > tol || math.Abs(got.Bad()-want.Bad()) > tol*want.Bad()/want.Total+1 {
			t.Fatalf("counts %+v, want %+v within %.1f events", got, want, tol)
		}
	})

	t.Run("a route without series has no events, not NaN", func(t *testing.T) {
		for _, sli := range []slo.SLI{
			{Kind: slo.KindAvailability, Routes: []string{"/nothing"}},
			{Kind: slo.KindLatency, Threshold: 400 * time.Millisecond, Routes: []string{"/nothing"}},
			{Kind: slo.KindEvents, Metric: "never.recorded", Bad: slo.Matcher{"outcome": {"failure"}}},
		} {
			got, err := src.Counts(ctx, sloOf("empty", sli), from, to)
			if err != nil || got != (slo.Counts{}) {
				t.Errorf("%s SLI: got %+v, %v; want 0/0 and no error", sli.Kind, got, err)
			}
		}
	})

	t.Run("a window before any scrape has no events", func(t *testing.T) {
		got, err := src.Counts(ctx, sloOf("availability", availabilityAll), began.Add(-time.Hour), began.Add(-time.Minute))
		if err != nil || got != (slo.Counts{}) {
			t.Fatalf("got %+v, %v; want 0/0 and no error", got, err)
		}
	})

	// The query is parsed by Prometheus' own parser before it is sent, so a
	// query Prometheus would answer with HTTP 400 never reaches it.
	t.Run("a query that is not PromQL is refused before it is sent, quoting the parse error", func(t *testing.T) {
		s := sloOf("broken", slo.SLI{PromQL: &slo.PromQL{
			Total: `sum(increase(jobs_total[{{.window}}])`,
			Bad:   `sum(increase(jobs_failed_total[{{.window}}]))`,
		}})
		_, err := src.Counts(ctx, s, from, to)
		if err == nil {
			t.Fatal("no error")
		}
		for _, w := range []string{`SLO broken`, "not valid PromQL", "parse error", "sum(increase(jobs_total[{{.window}}])"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
	})

	t.Run("a query that returns several series is an error", func(t *testing.T) {
		s := sloOf("unsummed", slo.SLI{PromQL: &slo.PromQL{
			Total: fmt.Sprintf(`increase(%s[{{.window}}])`, webhookSeries),
			Bad:   fmt.Sprintf(`sum(increase(%s{%s="failure"}[{{.window}}]))`, webhookSeries, outcomeLabel),
		}})
		_, err := src.Counts(ctx, s, from, to)
		if err == nil || !strings.Contains(err.Error(), "returned 4 series") || !strings.Contains(err.Error(), "sum()") {
			t.Fatalf("got %v, want an error saying the query returned 4 series and should sum them", err)
		}
	})

	t.Run("a latency threshold that is no bucket boundary is an error", func(t *testing.T) {
		_, err := src.Counts(ctx, sloOf("latency", slo.SLI{Kind: slo.KindLatency, Threshold: 350 * time.Millisecond}), from, to)
		if err == nil || !strings.Contains(err.Error(), "no bucket with upper bound 350ms") {
			t.Fatalf("got %v, want an error naming the missing bucket", err)
		}
	})

	t.Run("quantiles fall in the bucket of the served durations", func(t *testing.T) {
		for _, tc := range []struct {
			routes []string
			q      float64
			lo, hi time.Duration // the bucket (lo, hi] the quantile falls in
		}{
			{[]string{"/api/items/{id}"}, 0.99, 10 * time.Millisecond, 25 * time.Millisecond},
			{[]string{"/api/payments"}, 0.25, 250 * time.Millisecond, 300 * time.Millisecond},
			{[]string{"/api/payments"}, 0.9, 500 * time.Millisecond, 750 * time.Millisecond},
			// half of the requests take 20ms, a quarter 300ms, a quarter 600ms.
			{nil, 0.2, 10 * time.Millisecond, 25 * time.Millisecond},
			{nil, 0.6, 250 * time.Millisecond, 300 * time.Millisecond},
			{nil, 0.9, 500 * time.Millisecond, 750 * time.Millisecond},
		} {
			got, err := src.Quantile(ctx, tc.routes, tc.q, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if got <= tc.lo || got > tc.hi {
				t.Errorf("p%g of %v is %s, want in (%s, %s]", tc.q*100, tc.routes, got, tc.lo, tc.hi)
			}
		}
		if _, err := src.Quantile(ctx, []string{"/nothing"}, 0.5, from, to); !errors.Is(err, promsource.ErrNoData) {
			t.Errorf("a route without requests gave %v, want ErrNoData", err)
		}
		if _, err := src.Quantile(ctx, nil, 1.5, from, to); err == nil {
			t.Error("quantile 1.5 accepted")
		}
	})

	t.Run("the latency summary counts the requests and places its percentiles in their buckets", func(t *testing.T) {
		want := expected(slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/api/payments"}}, from, to, eu, us)
		got, err := src.LatencySummary(ctx, []string{"/api/payments"}, from, to)
		if err != nil {
			t.Fatal(err)
		}
		tol := want.Total/to.Sub(from).Seconds() + 1
		if math.Abs(float64(got.Count)-want.Total) > tol {
			t.Errorf("count %d, want %.0f within %.1f", got.Count, want.Total, tol)
		}
		// half of the payments take 300ms, half 600ms: the median sits on
		// the edge of the two, so either bucket may hold it.
		for _, c := range []struct {
			name   string
			ms     *float64
			lo, hi float64
		}{{"p50", got.P50MS, 250, 750}, {"p95", got.P95MS, 500, 750}, {"p99", got.P99MS, 500, 750}} {
			if c.ms == nil || *c.ms <= c.lo || *c.ms > c.hi {
				t.Fatalf("%s %v, want in (%gms, %gms]", c.name, c.ms, c.lo, c.hi)
			}
		}
		if *got.P50MS > *got.P95MS || *got.P95MS > *got.P99MS {
			t.Errorf("percentiles %v, %v, %v are not in order", *got.P50MS, *got.P95MS, *got.P99MS)
		}
		none, err := src.LatencySummary(ctx, []string{"/nothing"}, from, to)
		if err != nil || none.Count != 0 || none.P50MS != nil {
			t.Errorf("a route without requests gave %+v, %v; want no data", none, err)
		}
	})
}
