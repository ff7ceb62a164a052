package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/gorilla/mux"

	"github.com/sloguard/sloguard/api"
	"github.com/sloguard/sloguard/slo"
)

// engine stands in for the SLO processor.
type engine struct{}

func (engine) Report() (slo.Report, bool) {
	return slo.Report{Service: "checkout", OverallStatus: slo.StatusOK}, true
}

func (e engine) Evaluate(context.Context) (slo.Report, error) {
	r, _ := e.Report()
	return r, nil
}

func (engine) Latency(_ context.Context, window time.Duration, route string) (slo.LatencySummary, error) {
	return slo.LatencySummary{Window: slo.WindowName(window), Route: route}, nil
}

func ExampleServer_Register() {
	srv, err := api.New(api.Config{Engine: engine{}, Key: []byte("correct-horse-battery-staple")})
	if err != nil {
		log.Fatal(err)
	}
	r := mux.NewRouter()
	srv.Register(r)

	// A client sends the key in the X-Dash-Key header.
	req := httptest.NewRequest("GET", "/api/observability/slo", nil)
	req.Header.Set("X-Dash-Key", "correct-horse-battery-staple")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	var report slo.Report
	if err := json.Unmarshal(rec.Body.Bytes(), &report); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Code, report.Service, report.OverallStatus)

	// Without it the answer is a 401 that names the header.
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/api/observability/latency?window=7d", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	fmt.Print(rec.Body.String())
	// Output:
	// 200 checkout OK
	// 401 X-Dash-Key realm="sloguard"
	// {"error":"missing X-Dash-Key header: send the dashboard key in it"}
}
