package webhook_test

import (
	"testing"

	"github.com/sloguard/sloguard/exporters/exportertest"
	"github.com/sloguard/sloguard/exporters/webhook"
)

func TestConformance(t *testing.T) {
	exportertest.Run(t, exportertest.Harness{Network: true, New: func(t *testing.T, env exportertest.Env) (exportertest.Subject, error) {
		s, err := webhook.New(webhook.WithURL(env.URL), webhook.WithHeader(env.HeaderName, env.HeaderValue),
			webhook.WithLogger(env.Logger), webhook.WithMeterProvider(env.MeterProvider))
		if err != nil {
			return exportertest.Subject{}, err
		}
		return exportertest.ForSink(s), nil
	}})
}
