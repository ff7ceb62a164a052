package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/sloguard/sloguard/internal/proctest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// testKey looks like a generated key; tests grep logs and answers for it.
const testKey = "dk_7Qm2vX9pL4sN8wR1tY6zB3cF5hJ0kA"

// syncBuffer collects log output written from request goroutines.
type syncBuffer = proctest.Buffer

// fakeClock drives the rate limiter's refill.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	srv    *Server
	router *mux.Router
	eng    *testEngine
	logs   *syncBuffer
	reader *sdkmetric.ManualReader
	clock  *fakeClock
}

// newHarness builds a Server on a real SDK MeterProvider and a debug-level
// logger that records everything.
func newHarness(t *testing.T, evaluated bool, modify func(*Config)) *harness {
	t.Helper()
	h := &harness{
		eng:    newTestEngine(evaluated),
		logs:   &syncBuffer{},
		reader: sdkmetric.NewManualReader(),
		clock:  &fakeClock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)},
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	t.Cleanup(func() { _ = mp.Shutdown(t.Context()) })
	cfg := Config{
		Engine:        h.eng,
		Key:           []byte(testKey),
		Logger:        slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		MeterProvider: mp,
	}
	if modify != nil {
		modify(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv.now = h.clock.Now
	h.srv = srv
	h.router = mux.NewRouter()
	srv.Register(h.router)
	return h
}

// do sends a request from addr (host only) with key in X-Dash-Key, or no
// header when key is empty.
func (h *harness) do(method, target, key, addr string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = addr + ":40312"
	if key != "" {
		req.Header.Set(KeyHeader, key)
	}
	rec := httptest.NewRecorder()
	h.router.ServeHTTP(rec, req)
	return rec
}

// errorMessage decodes a JSON error answer, failing the test if the answer
// is not exactly {"error": "..."} with a JSON content type.
func errorMessage(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
	}
	msg, ok := body["error"].(string)
	if !ok || msg == "" || len(body) != 1 {
		t.Fatalf("body = %s, want exactly a non-empty \"error\" string", rec.Body.String())
	}
	return msg
}

func must(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body: %s", rec.Code, status, rec.Body.String())
	}
}

func newRequest(method, target string) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = "192.0.2.99:40312"
	return req
}

func serve(h *harness, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.router.ServeHTTP(rec, req)
	return rec
}
