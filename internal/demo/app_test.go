package demo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sloguard/sloguard/internal/demo"
)

type harness struct {
	h      http.Handler
	reader *sdkmetric.ManualReader
	app    *demo.App
}

func newHarness(t *testing.T, faults bool) harness {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	app, err := demo.New(demo.Config{Faults: faults, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	app.Register(r)
	return harness{h: r, reader: reader, app: app}
}

func (h harness) do(method, target, body string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, req)
	return w
}

// outcomes returns the counter's points by outcome (webhook.rejected: by reason).
func (h harness) outcomes(t *testing.T, metric string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != metric {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				v, ok := dp.Attributes.Value("outcome")
				if !ok {
					v, _ = dp.Attributes.Value("reason")
				}
				out[v.AsString()] += dp.Value
			}
		}
	}
	return out
}

var signed = map[string]string{demo.SignatureHeader: "t=1,v1=abc"}

func TestRoutesAnswerAndCountOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		faults     bool
		method     string
		target     string
		body       string
		header     map[string]string
		wantStatus int
		metric     string
		wantOut    string
	}{
		{"an item is served", false, "GET", "/api/items/7", "", nil, 200, "", ""},
		{"a payment succeeds", false, "POST", "/api/payments", `{"amount_cents":500,"currency":"EUR"}`, nil, 201, "payments.processed", "success"},
		{"a malformed payment is invalid", false, "POST", "/api/payments", `{"amount_cents":`, nil, 400, "payments.processed", "invalid"},
		{"a zero payment is invalid", false, "POST", "/api/payments", `{"amount_cents":0,"currency":"EUR"}`, nil, 400, "payments.processed", "invalid"},
		{"a signed webhook is delivered", false, "POST", "/webhooks/stripe", `{"type":"charge.succeeded"}`, signed, 200, "webhook.deliveries", "success"},
		{"an unsigned webhook is rejected, not a failed delivery", false, "POST", "/webhooks/stripe", `{"type":"x"}`, nil, 400, "webhook.rejected", "unsigned"},
		{"a malformed webhook is rejected, not a failed delivery", false, "POST", "/webhooks/stripe", `{"type":`, signed, 400, "webhook.rejected", "malformed"},
		{"two JSON values are malformed", false, "POST", "/webhooks/stripe", `{} {}`, signed, 400, "webhook.rejected", "malformed"},
		{"without --demo-faults simulate does nothing", false, "GET", "/api/items/7?simulate=error", "", nil, 200, "", ""},
		{"with faults simulate=error fails an item", true, "GET", "/api/items/7?simulate=error", "", nil, 500, "", ""},
		{"with faults simulate=error fails a payment", true, "POST", "/api/payments?simulate=error", `{"amount_cents":5,"currency":"EUR"}`, nil, 500, "payments.processed", "error"},
		{"with faults simulate=error fails a webhook delivery", true, "POST", "/webhooks/stripe?simulate=error", `{}`, signed, 500, "webhook.deliveries", "failure"},
		{"an unknown simulation is refused", true, "GET", "/api/items/7?simulate=explode", "", nil, 400, "", ""},
		{"a slow simulation without ms is refused", true, "GET", "/api/items/7?simulate=slow", "", nil, 400, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.faults)
			w := h.do(tt.method, tt.target, tt.body, tt.header)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d (%s), want %d", w.Code, w.Body.String(), tt.wantStatus)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.metric != "" {
				got := h.outcomes(t, tt.metric)
				if len(got) != 1 || got[tt.wantOut] != 1 {
					t.Errorf("%s by outcome %v, want one %s", tt.metric, got, tt.wantOut)
				}
			}
		})
	}
}

func TestSlowSimulationDelaysAndIsCapped(t *testing.T) {
	h := newHarness(t, true)
	start := time.Now()
	if w := h.do("GET", "/api/items/1?simulate=slow&ms=120", "", nil); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Errorf("answered after %v, asked for 120ms", d)
	}
	// A request asking for far more than the cap stops when its client goes.
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest("GET", "/api/items/1?simulate=slow&ms=999999999", nil).WithContext(ctx)
	done := make(chan struct{})
	go func() {
		h.h.ServeHTTP(httptest.NewRecorder(), req)
		close(done)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(demo.MaxSlow):
		t.Fatal("a cancelled slow request kept its handler busy")
	}
}

func TestOversizedBodyIsRefused(t *testing.T) {
	h := newHarness(t, false)
	big := `{"type":"` + strings.Repeat("x", demo.MaxBody) + `"}`
	w := h.do("POST", "/webhooks/stripe", big, signed)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "larger than") {
		t.Fatalf("status %d %q, want 400 naming the limit", w.Code, w.Body.String())
	}
}

func TestReadinessFollowsDraining(t *testing.T) {
	h := newHarness(t, false)
	if w := h.do("GET", "/readyz", "", nil); w.Code != 200 {
		t.Fatalf("readyz %d before draining", w.Code)
	}
	h.app.SetReady(false)
	if w := h.do("GET", "/readyz", "", nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz %d while draining, want 503", w.Code)
	}
	if w := h.do("GET", "/healthz", "", nil); w.Code != 200 {
		t.Fatalf("healthz %d while draining, want 200", w.Code)
	}
}
