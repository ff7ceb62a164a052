package main

import (
	"log/slog"
	"os"
	"strings"

	"go.opentelemetry.io/otel/metric"

	"github.com/sloguard/sloguard/exporters/alertmanager"
	"github.com/sloguard/sloguard/exporters/webhook"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/promsource"
	"github.com/sloguard/sloguard/slo/rules"
)

// sinkCloser is an alert sink that must be shut down (flushing its queue).
type sinkCloser interface {
	slo.Sink
	shutdowner
}

// networkSinks builds the Alertmanager and webhook sinks the flags ask for.
// A webhook that needs a credential gets it from $WEBHOOK_AUTHORIZATION (sent
// as the Authorization header), never from a flag that ps would show.
func networkSinks(cfg serveConfig, mp metric.MeterProvider, logger *slog.Logger) ([]sinkCloser, error) {
	var out []sinkCloser
	if cfg.alertmanagerURL != "" {
		am, err := alertmanager.New(
			alertmanager.WithURL(cfg.alertmanagerURL),
			alertmanager.WithMeterProvider(mp),
			alertmanager.WithLogger(logger),
			// The same document the generated rules link to.
			alertmanager.WithRunbook(rules.DefaultRunbook),
		)
		if err != nil {
			return out, usageErr("serve: --alertmanager-url: %v", err)
		}
		out = append(out, am)
	}
	if cfg.webhookURL != "" {
		opts := []webhook.Option{
			webhook.WithURL(cfg.webhookURL),
			webhook.WithMeterProvider(mp),
			webhook.WithLogger(logger),
		}
		if auth := os.Getenv("WEBHOOK_AUTHORIZATION"); auth != "" {
			opts = append(opts, webhook.WithHeader("Authorization", auth))
		}
		wh, err := webhook.New(opts...)
		if err != nil {
			return out, usageErr("serve: --webhook-url: %v", err)
		}
		out = append(out, wh)
	}
	return out, nil
}

// prometheusSource builds the Prometheus SLI source: PromQL over the HTTP
// API at url, every per-replica label summed away, restricted to the series
// the matchers select (one sloguard per region, say).
func prometheusSource(url string, matchers []string, logger *slog.Logger) (slo.WindowReader, error) {
	src, err := promsource.New(promsource.WithURL(url), promsource.WithMatchers(matchers...), promsource.WithLogger(logger))
	if err != nil {
		return nil, usageErr("--prometheus-url: %v", err)
	}
	return src, nil
}

// matcherFlags collects repeated --prometheus-match flags.
type matcherFlags []string

func (m *matcherFlags) String() string     { return strings.Join(*m, ",") }
func (m *matcherFlags) Set(v string) error { *m = append(*m, v); return nil }
