package demo

import (
	"time"

	"github.com/sloguard/sloguard/slo"
)

// Service is the service name of the demo's spec.
const Service = "sloguard-demo"

// ReportPath is where `sloguard serve` writes each evaluation's report by
// default (relative to its working directory).
const ReportPath = "logs/slo_report.json"

// Spec returns the SLOs sloguard watches when no spec file is given, the
// three of the Flask app (slo_guard.py): availability (99.9% of requests answered
// without a 5xx), latency_p95 (95% of requests within 400ms) and webhook_success (99% of
// webhook deliveries without a failure outcome), each over 30 days. A
// webhook request rejected for its input (400) is no delivery: it is counted
// in webhook.rejected, so a client's bad input cannot spend the budget. Its
// service is Service; a caller with a service name of its own (such
// as OTEL_SERVICE_NAME) sets Service on the result.
func Spec() slo.Spec {
	return slo.Spec{
		Version: slo.Version,
		Service: Service,
		SLOs: []slo.SLO{
			{
				Name:        "availability",
				Description: "Requests answered without a server error (5xx)",
				Objective:   0.999,
				Window:      slo.DefaultWindow,
				MinEvents:   slo.DefaultMinEvents,
				SLI:         slo.SLI{Kind: slo.KindAvailability},
			},
			{
				Name:        "latency_p95",
				Description: "Requests answered within 400ms",
				Objective:   0.95,
				Window:      slo.DefaultWindow,
				MinEvents:   slo.DefaultMinEvents,
				SLI:         slo.SLI{Kind: slo.KindLatency, Threshold: 400 * time.Millisecond},
			},
			{
				Name:        "webhook_success",
				Description: "Webhook deliveries that succeed",
				Objective:   0.99,
				Window:      slo.DefaultWindow,
				MinEvents:   slo.DefaultMinEvents,
				SLI: slo.SLI{
					Kind:   slo.KindEvents,
					Metric: "webhook.deliveries",
					Bad:    slo.Matcher{"outcome": {"failure"}},
				},
			},
		},
	}
}
