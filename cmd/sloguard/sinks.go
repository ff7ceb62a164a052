package main

import (
	"errors"
	"log/slog"

	"go.opentelemetry.io/otel/metric"

	"github.com/sloguard/sloguard/slo"
)

// sinkCloser is an alert sink that must be shut down (flushing its queue).
type sinkCloser interface {
	slo.Sink
	shutdowner
}

// networkSinks builds the Alertmanager and webhook sinks the flags ask for.
func networkSinks(cfg serveConfig, mp metric.MeterProvider, logger *slog.Logger) ([]sinkCloser, error) {
	if cfg.alertmanagerURL != "" || cfg.webhookURL != "" {
		return nil, errors.New("serve: alert sinks: not wired yet")
	}
	return nil, nil
}

// prometheusSource builds the Prometheus SLI source.
func prometheusSource(url string, logger *slog.Logger) (slo.WindowReader, error) {
	return nil, errors.New("serve: --source prometheus: not wired yet")
}
