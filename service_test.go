package sloguard_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/mux"
	"go.uber.org/goleak"

	"github.com/sloguard/sloguard"
	"github.com/sloguard/sloguard/slo"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// lumberjack starts this goroutine on the trace file's first open
		// and has no way to stop it (see exporters/ndjson).
		goleak.IgnoreTopFunction("gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun"),
	)
}

const testKey = "service-test-key-0123456789"

const specYAML = `version: sloguard/v1
service: orders
slos:
  - name: availability
    objective: 99
    window: 1h
    sli:
      availability:
        routes: ["/orders/{id}"]
`

// files puts every file of the service under dir.
func files(dir string) []sloguard.Option {
	return []sloguard.Option{
		sloguard.WithDataDir(filepath.Join(dir, "data")),
		sloguard.WithTracesFile(filepath.Join(dir, "logs", "traces.ndjson")),
		sloguard.WithReportFile(filepath.Join(dir, "logs", "report.json")),
		sloguard.WithAlertsFile(filepath.Join(dir, "logs", "alerts.ndjson")),
		sloguard.WithLogger(slog.New(slog.DiscardHandler)),
	}
}

func writeSpec(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "slos.yaml")
	if err := os.WriteFile(path, []byte(specYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNewNamesWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir)
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []sloguard.Option
		want string
	}{
		{"no SLOs at all", []sloguard.Option{sloguard.WithDashboardKey([]byte(testKey))}, "no SLOs: give them with WithSpecFile or WithSpec"},
		{"a spec file that does not exist", []sloguard.Option{sloguard.WithSpecFile(filepath.Join(dir, "missing.yaml")), sloguard.WithDashboardKey([]byte(testKey))}, "WithSpecFile: "},
		{"both a spec and a file", []sloguard.Option{sloguard.WithSpecFile(spec), sloguard.WithSpec(slo.Spec{}), sloguard.WithDashboardKey([]byte(testKey))}, "both given"},
		{"an empty spec in code", []sloguard.Option{sloguard.WithSpec(slo.Spec{}), sloguard.WithDashboardKey([]byte(testKey))}, "WithSpec: "},
		{"no dashboard key", []sloguard.Option{sloguard.WithSpecFile(spec)}, "no dashboard key: give one with WithDashboardKey"},
		{"a short dashboard key", []sloguard.Option{sloguard.WithSpecFile(spec), sloguard.WithDashboardKey([]byte("short"))}, "WithDashboardKey: the key is 5 characters long; want at least 16"},
		{"a data directory that is a file", []sloguard.Option{sloguard.WithSpecFile(spec), sloguard.WithDashboardKey([]byte(testKey)), sloguard.WithDataDir(notADir)}, "WithDataDir: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append(files(t.TempDir()), tc.opts...)
			sg, err := sloguard.New(t.Context(), opts...)
			if err == nil {
				sg.Shutdown(context.Background())
				t.Fatalf("New succeeded, want an error containing %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), "sloguard: New: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v\nwant sloguard: New: ... %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}

// Shutdown stops in order: the handler refuses new requests, the processor
// evaluates a last time (the report counts the request served just before),
// and the trace file holds the request's span.
func TestShutdownEvaluatesOnceMoreAndFlushesTheSpans(t *testing.T) {
	dir := t.TempDir()
	sg, err := sloguard.New(t.Context(), append(files(dir), sloguard.WithSpecFile(writeSpec(t, dir)), sloguard.WithDashboardKey([]byte(testKey)))...)
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	r.HandleFunc("/orders/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	h := sg.Handler(r)
	if h2 := sg.Handler(mux.NewRouter()); h2 != h {
		t.Errorf("a second Handler call returned another handler")
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/orders/7", nil))
			if rec.Code != http.StatusInternalServerError {
				t.Errorf("status %d, want the handler's 500", rec.Code)
			}
		})
	}
	wg.Wait()
	if err := sg.Shutdown(t.Context()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := sg.Shutdown(t.Context()); err != nil {
		t.Errorf("a second Shutdown: %v", err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/orders/8", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a request after Shutdown: status %d, want 503", rec.Code)
	}

	b, err := os.ReadFile(filepath.Join(dir, "logs", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		SLOs map[string]struct {
			Bad   float64 `json:"bad"`
			Total float64 `json:"total"`
		} `json:"slos"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if got := rep.SLOs["availability"]; got.Total != 4 || got.Bad != 4 {
		t.Errorf("the last report counts %v bad of %v, want the 4 failed requests served before Shutdown", got.Bad, got.Total)
	}
	traces, err := os.ReadFile(filepath.Join(dir, "logs", "traces.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(traces), `"name":"GET /orders/{id}"`); n != 4 {
		t.Errorf("%d spans GET /orders/{id} in the trace file, want 4", n)
	}
}
