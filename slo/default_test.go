package slo

import "time"

// Default returns the demo's spec (internal/demo.Spec), for the tests
// inside the package: they can import neither the demo nor the spec
// loader, which import this package. TestDefaultIsTheDemoSpec keeps the
// two equal. Every call builds it again, so a test may change what it gets.
func Default() Spec {
	return Spec{
		Version: Version,
		Service: "sloguard-demo",
		SLOs: []SLO{
			{Name: "availability", Description: "Requests answered without a server error (5xx)", Objective: 0.999,
				Window: DefaultWindow, MinEvents: DefaultMinEvents, SLI: SLI{Kind: KindAvailability}},
			{Name: "latency_p95", Description: "Requests answered within 400ms", Objective: 0.95,
				Window: DefaultWindow, MinEvents: DefaultMinEvents, SLI: SLI{Kind: KindLatency, Threshold: 400 * time.Millisecond}},
			{Name: "webhook_success", Description: "Webhook deliveries that succeed", Objective: 0.99,
				Window: DefaultWindow, MinEvents: DefaultMinEvents,
				SLI: SLI{Kind: KindEvents, Metric: "webhook.deliveries", Bad: Matcher{"outcome": {"failure"}}}},
		},
	}
}
