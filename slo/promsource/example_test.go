package promsource_test

import (
	"fmt"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/promsource"
)

// A source for the replicas of one region: every derived query selects
// region="eu", so one sloguard watches one region's SLOs. Queries shows
// what Counts asks Prometheus for a window; New contacts nothing.
func ExampleSource_Queries() {
	src, err := promsource.New(
		promsource.WithURL("http://prometheus:9090"),
		promsource.WithMatchers(`region="eu"`),
		promsource.WithTimeout(10*time.Second),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()

	latency := slo.SLO{Name: "latency_p95", Objective: 0.95, Window: 30 * slo.Day,
		SLI: slo.SLI{Kind: slo.KindLatency, Threshold: 400 * time.Millisecond, Routes: []string{"/api/payments"}}}
	q, err := src.Queries(latency, time.Hour)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("total:", q.Total)
	fmt.Println("good: ", q.Good)
	// Output:
	// total: sum(increase(http_server_request_duration_seconds_count{region="eu",http_route="/api/payments"}[1h]))
	// good:  sum(increase(http_server_request_duration_seconds_bucket{region="eu",http_route="/api/payments",le="0.4"}[1h]))
}
