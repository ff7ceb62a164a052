package rules_test

import (
	"fmt"
	"log"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// Generate turns an SLO into the rules Prometheus needs to alert as the
// in-process processor does. Writing the file for Prometheus is
// file.WriteFile("otel-config/rules/slo.rules.yaml").
func ExampleGenerate() {
	spec := slo.Spec{
		Version: slo.Version,
		Service: "checkout",
		SLOs: []slo.SLO{{
			Name:      "availability",
			Objective: 0.999,
			Window:    30 * slo.Day,
			MinEvents: 100,
			SLI:       slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/api/orders"}},
		}},
	}
	file, err := rules.Generate(spec)
	if err != nil {
		log.Fatal(err)
	}
	sli := file.Groups[0]
	fmt.Println(sli.Name)
	fmt.Println(sli.Rules[0].Record)
	fmt.Println(sli.Rules[0].Expr)
	page := file.Groups[2].Rules[0]
	fmt.Println(page.Alert, page.Labels["severity"], page.Labels["long_window"], page.Labels["short_window"])
	fmt.Println(page.Expr)
	// Output:
	// sloguard-checkout-availability-sli-recordings
	// slo:sli_error:ratio_rate5m
	// (sum(rate(http_server_request_duration_seconds_count{http_route="/api/orders",http_response_status_code=~"5.."}[5m])) or 0 * sum(rate(http_server_request_duration_seconds_count{http_route="/api/orders"}[5m]))) / (sum(rate(http_server_request_duration_seconds_count{http_route="/api/orders"}[5m])) > 0)
	// SLOErrorBudgetBurn page 1h 5m
	// slo:sli_error:ratio_rate1h{service="checkout",slo="availability"} / 0.001 > 14.4
	// and
	// slo:sli_error:ratio_rate5m{service="checkout",slo="availability"} / 0.001 > 14.4
	// and
	// slo:sli_events:increase1h{service="checkout",slo="availability"} >= 100
}
