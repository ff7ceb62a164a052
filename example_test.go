package sloguard_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/gorilla/mux"

	"github.com/sloguard/sloguard"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

// A service's whole pipeline from one constructor: the SLOs in code, the
// files under one directory, the router wrapped once, and one Shutdown.
func Example() {
	dir, _ := os.MkdirTemp("", "sloguard-example-")
	defer os.RemoveAll(dir)
	spec, err := slospec.Parse("slos.yaml", []byte(`version: sloguard/v1
service: checkout
slos:
  - name: availability
    objective: 99.9
    window: 30d
    sli:
      availability:
        routes: ["/api/orders/{id}"]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	sg, err := sloguard.New(context.Background(),
		sloguard.WithSpec(spec),
		sloguard.WithDashboardKey([]byte("example-key-0123456789")),
		sloguard.WithDataDir(filepath.Join(dir, "data")),
		sloguard.WithTracesFile(filepath.Join(dir, "logs", "http_traces.ndjson")),
		sloguard.WithReportFile(filepath.Join(dir, "logs", "slo_report.json")),
		sloguard.WithAlertsFile(filepath.Join(dir, "logs", "production_alerts.ndjson")),
		sloguard.WithLogger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := mux.NewRouter()
	r.HandleFunc("/api/orders/{id}", func(w http.ResponseWriter, _ *http.Request) {})
	h := sg.Handler(r)

	for _, target := range []string{"/api/orders/1", "/metrics", "/api/observability/slo"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		fmt.Println(target, rec.Code)
	}
	rep, _ := sg.Processor().Evaluate(context.Background())
	fmt.Println("SLOs evaluated:", len(rep.SLOs))
	fmt.Println("shutdown:", sg.Shutdown(context.Background()))
	// Output:
	// /api/orders/1 200
	// /metrics 200
	// /api/observability/slo 401
	// SLOs evaluated: 1
	// shutdown: <nil>
}

// Without SLOs there is nothing to guard: New names what is missing
// rather than falling back to a default spec.
func ExampleNew_noSLOs() {
	_, err := sloguard.New(context.Background(), sloguard.WithDashboardKey([]byte("example-key-0123456789")))
	fmt.Println(err)
	// Output:
	// sloguard: New: no SLOs: give them with WithSpecFile or WithSpec
}
