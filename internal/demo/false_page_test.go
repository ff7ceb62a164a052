package demo_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"go.uber.org/goleak"

	"github.com/sloguard/sloguard/instrumentation"
	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/otelsource"
	"github.com/sloguard/sloguard/slo/storetest"
)

// Anyone can reach POST /webhooks/stripe. Requests it rejects for their
// input are the sender's error: 120 of them, anonymous and malformed, beside
// a few good deliveries, must leave the webhook SLO without a bad event
// (before, they made the demo CRITICAL and paged), and show on /metrics
// counted apart.
func TestRejectedWebhooksSpendNoBudget(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	spec := demo.Spec()
	src, err := otelsource.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	opts := []instrumentation.Option{instrumentation.WithoutRuntimeMetrics()}
	for _, r := range src.Readers() {
		opts = append(opts, instrumentation.WithReader(r))
	}
	p, err := instrumentation.New(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(ctx)
	app, err := demo.New(demo.Config{MeterProvider: p.MeterProvider})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	app.Register(r)
	r.Handle("/metrics", p.MetricsHandler())
	srv := httptest.NewServer(p.Handler(r))
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()

	post := func(body string, signed bool) int {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/stripe", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if signed {
			req.Header.Set(demo.SignatureHeader, "t=1,v1=abc")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const unsigned, malformed, good = 100, 20, 5
	for range unsigned {
		if code := post(`{"type":"x"}`, false); code != http.StatusBadRequest {
			t.Fatalf("unsigned webhook answered %d, want 400", code)
		}
	}
	for range malformed {
		if code := post(`{"type":`, true); code != http.StatusBadRequest {
			t.Fatalf("malformed webhook answered %d, want 400", code)
		}
	}
	for range good {
		if code := post(`{"type":"charge.succeeded"}`, true); code != http.StatusOK {
			t.Fatalf("good webhook answered %d, want 200", code)
		}
	}

	store := storetest.NewMemStore()
	proc, err := slo.NewProcessor(slo.Config{Spec: spec, Source: src, Store: store, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := proc.Evaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wh := rep.SLOs["webhook_success"]
	if wh.Bad != 0 || wh.Total != good {
		t.Errorf("webhook_success counts %v bad of %v, want 0 of %d: rejected input was counted as failed deliveries", wh.Bad, wh.Total, good)
	}
	if wh.Status == slo.StatusCritical || rep.OverallStatus == slo.StatusCritical || len(rep.Firing) > 0 {
		t.Errorf("webhook_success %s, overall %s, %d alerts firing after rejected input: a false page", wh.Status, rep.OverallStatus, len(rep.Firing))
	}
	if av := rep.SLOs["availability"]; av.Bad != 0 {
		t.Errorf("availability counts %v bad: a 400 is not a server error", av.Bad)
	}

	resp, err := client.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{`webhook_rejected_total{reason="unsigned"} 100`, `webhook_rejected_total{reason="malformed"} 20`} {
		if !strings.Contains(string(body), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}
