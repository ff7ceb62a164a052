package slo

import "time"

// DefaultService is the service name of the Default spec.
const DefaultService = "sloguard-demo"

// Default returns the SLOs sloguard watches when no spec file is given, the
// seed's three: availability (99.9% of requests answered without a 5xx),
// latency_p95 (95% of requests within 400ms) and webhook_success (99% of
// webhook deliveries without a failure outcome), each over 30 days. Its
// service is DefaultService; a caller with a service name of its own (such
// as OTEL_SERVICE_NAME) sets Service on the result.
func Default() Spec {
	return Spec{
		Version: Version,
		Service: DefaultService,
		SLOs: []SLO{
			{
				Name:        "availability",
				Description: "Requests answered without a server error (5xx)",
				Objective:   0.999,
				Window:      DefaultWindow,
				MinEvents:   DefaultMinEvents,
				SLI:         SLI{Kind: KindAvailability},
			},
			{
				Name:        "latency_p95",
				Description: "Requests answered within 400ms",
				Objective:   0.95,
				Window:      DefaultWindow,
				MinEvents:   DefaultMinEvents,
				SLI:         SLI{Kind: KindLatency, Threshold: 400 * time.Millisecond},
			},
			{
				Name:        "webhook_success",
				Description: "Webhook deliveries that succeed",
				Objective:   0.99,
				Window:      DefaultWindow,
				MinEvents:   DefaultMinEvents,
				SLI: SLI{
					Kind:   KindEvents,
					Metric: "webhook.deliveries",
					Bad:    Matcher{"outcome": {"failure"}},
				},
			},
		},
	}
}
