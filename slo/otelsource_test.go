package slo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/otelsource"
)

// sourceSpec is the default spec with SLOs that filter by route and
// method and count good events rather than bad ones.
func sourceSpec() slo.Spec {
	spec := demo.Spec()
	spec.SLOs = append(spec.SLOs,
		slo.SLO{Name: "checkout_latency", Objective: 0.99, Window: 7 * slo.Day, MinEvents: 100,
			SLI: slo.SLI{Kind: slo.KindLatency, Threshold: 250 * time.Millisecond, Routes: []string{"/checkout"}, Methods: []string{"POST"}}},
		slo.SLO{Name: "items_availability", Objective: 0.99, Window: 7 * slo.Day, MinEvents: 100,
			SLI: slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/items/{id}", "/items"}}},
		slo.SLO{Name: "payments", Objective: 0.995, Window: 7 * slo.Day, MinEvents: 100,
			SLI: slo.SLI{Kind: slo.KindEvents, Metric: "payments.processed",
				Good: slo.Matcher{"outcome": {"success"}}, Total: slo.Matcher{"region": {"eu", "us"}}}},
	)
	return spec
}

type req struct {
	route, method string
	status        int
	seconds       float64
}

type payment struct {
	outcome, region string
	n               float64
}

// wantCounts derives the counts of every SLO of sourceSpec from the
// requests and events, by the SLI definitions (a request is within a
// threshold when its duration is at most the threshold).
func wantCounts(reqs []req, webhooks map[string]int64, payments []payment) map[string]slo.Counts {
	want := map[string]slo.Counts{}
	add := func(name string, good bool, n float64) {
		c := want[name]
		c.Total += n
		if good {
			c.Good += n
		}
		want[name] = c
	}
	for _, r := range reqs {
		serverError := r.status >= 500 && r.status <= 599
		add("availability", !serverError, 1)
		add("latency_p95", r.seconds <= 0.4, 1)
		if r.route == "/checkout" && r.method == "POST" {
			add("checkout_latency", r.seconds <= 0.25, 1)
		}
		if r.route == "/items/{id}" || r.route == "/items" {
			add("items_availability", !serverError, 1)
		}
	}
	for outcome, n := range webhooks {
		add("webhook_success", outcome != "failure", float64(n))
	}
	for _, p := range payments {
		if p.region == "eu" || p.region == "us" {
			add("payments", p.outcome == "success", p.n)
		}
	}
	for _, s := range sourceSpec().SLOs {
		if _, ok := want[s.Name]; !ok {
			want[s.Name] = slo.Counts{}
		}
	}
	return want
}

func TestOTelSourceCountsExactly(t *testing.T) {
	tm := newTelemetry(t, sourceSpec())
	payments, err := tm.mp.Meter("demo").Float64Counter("payments.processed")
	if err != nil {
		t.Fatal(err)
	}
	rounds := []struct {
		name     string
		reqs     []req
		webhooks map[string]int64
		payments []payment
	}{
		{
			name: "thresholds, statuses and filters",
			reqs: []req{
				{"/checkout", "POST", 200, 0.25},       // exactly on the threshold: good
				{"/checkout", "POST", 200, 0.2500001},  // just over: bad for checkout, good for p95
				{"/checkout", "GET", 200, 0.9},         // another method
				{"/items/{id}", "GET", 503, 0.01},      // a server error
				{"/items", "GET", 404, 0.02},           // a client error is good
				{"/items/{id}", "DELETE", 500, 0.4},    // on the 400ms boundary, but a 5xx
				{"/other", "GET", 599, 0.4000001},      // over 400ms
				{"unmatched", "GET", 404, 12},          // beyond the last boundary
				{"/checkout", "POST", 502, 0.0000001},  // fast failure
				{"/items", "_OTHER", 200, 0},           // zero duration
				{"/items", "PUT", 600, 0.3},            // not a 5xx
				{"/checkout", "POST", 200, 0.24999999}, // within
			},
			webhooks: map[string]int64{"success": 40, "failure": 3, "retry": 2},
			payments: []payment{{"success", "eu", 5}, {"error", "us", 2}, {"success", "apac", 7}, {"error", "eu", 1.5}},
		},
		{name: "nothing new is no events"},
		{
			name:     "a second interval counts only its own events",
			reqs:     []req{{"/checkout", "POST", 200, 0.1}, {"/items", "GET", 500, 3}},
			webhooks: map[string]int64{"failure": 1},
		},
	}
	for _, round := range rounds {
		for _, r := range round.reqs {
			tm.request(r.route, r.method, r.status, r.seconds)
		}
		for outcome, n := range round.webhooks {
			tm.webhook(outcome, n)
		}
		for _, p := range round.payments {
			payments.Add(context.Background(), p.n, metric.WithAttributes(
				attribute.String("outcome", p.outcome), attribute.String("region", p.region)))
		}
		s, err := tm.src.Collect(context.Background())
		if err != nil {
			t.Fatalf("%s: Collect: %v", round.name, err)
		}
		want := wantCounts(round.reqs, round.webhooks, round.payments)
		for name, w := range want {
			if got, ok := s.Counts[name]; !ok || got != w {
				t.Errorf("%s: %s = %+v, want %+v", round.name, name, got, w)
			}
		}
		if len(s.Counts) != len(want) {
			t.Errorf("%s: %d SLOs counted, want %d", round.name, len(s.Counts), len(want))
		}
		perRoute := map[string]uint64{}
		for _, r := range round.reqs {
			perRoute[r.route]++
		}
		for route, n := range perRoute {
			if got := s.Latency[route].Count; got != n {
				t.Errorf("%s: latency of %s holds %d requests, want %d", round.name, route, got, n)
			}
		}
		if len(s.Latency) != len(perRoute) {
			t.Errorf("%s: latency for %d routes, want %d", round.name, len(s.Latency), len(perRoute))
		}
	}
}

func TestQuantileReaderKeepsExponentialHistograms(t *testing.T) {
	// the instrument's advisory explicit boundaries must not turn the
	// quantile reader's histograms into 15 buckets.
	tm := newTelemetry(t, demo.Spec())
	for i := range 100 {
		tm.request("/a", "GET", 200, 0.1+0.001*float64(i))
	}
	s, err := tm.src.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := s.Latency["/a"]
	if h.Scale < 5 || len(h.Buckets) < 50 {
		t.Errorf("latency of /a: scale %d, %d buckets; want an exponential histogram of fine scale", h.Scale, len(h.Buckets))
	}
	if p50 := h.Quantile(0.5); p50 < 0.1485 || p50 > 0.1505 {
		t.Errorf("p50 = %g, want about 0.149", p50)
	}
}

func TestNewOTelSourceRefusesThresholdsBetweenBoundaries(t *testing.T) {
	spec := demo.Spec()
	spec.SLOs[1].SLI.Threshold = 350 * time.Millisecond
	_, err := otelsource.New(spec)
	if err == nil || !strings.Contains(err.Error(), "350ms") {
		t.Fatalf("NewOTelSource with a 350ms threshold: err = %v, want one naming 350ms", err)
	}
	if _, err := otelsource.New(spec, otelsource.WithBucketBoundaries([]float64{0.1, 0.35, 1})); err != nil {
		t.Errorf("NewOTelSource with 350ms among the given boundaries: %v", err)
	}
}

// BenchmarkRecordReaders measures what each reader adds to recording one
// request duration with three attributes: the application's own reader
// (Prometheus, in production), then the SLO counts reader, then the SLO
// quantile reader.
func BenchmarkRecordReaders(b *testing.B) {
	names := []string{"app reader", "app+counts readers", "app+counts+quantile readers"}
	for n := 1; n <= 3; n++ {
		b.Run(names[n-1], func(b *testing.B) {
			src, err := otelsource.New(demo.Spec())
			if err != nil {
				b.Fatal(err)
			}
			// a reader registers with one provider only: fresh ones each run.
			readers := append([]sdkmetric.Reader{sdkmetric.NewManualReader()}, src.Readers()...)
			var opts []sdkmetric.Option
			for _, r := range readers[:n] {
				opts = append(opts, sdkmetric.WithReader(r))
			}
			mp := sdkmetric.NewMeterProvider(opts...)
			defer mp.Shutdown(context.Background())
			h, _ := mp.Meter("bench").Float64Histogram(slo.DurationMetric, metric.WithExplicitBucketBoundaries(slo.DefaultBucketBoundaries()...))
			routes := []string{"/a", "/b/{id}", "/c", "unmatched"}
			sets := make([]metric.RecordOption, 0, 16)
			for i := range 16 {
				sets = append(sets, metric.WithAttributeSet(attribute.NewSet(
					attribute.String(slo.RouteAttr, routes[i%4]),
					attribute.String(slo.MethodAttr, []string{"GET", "POST"}[i%2]),
					attribute.Int(slo.StatusCodeAttr, []int{200, 500}[i/8]))))
			}
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				h.Record(ctx, 0.001*float64(1+i%997), sets[i%16])
				i++
			}
		})
	}
}
