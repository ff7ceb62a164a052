package alertmanager

import (
	"testing"

	"github.com/sloguard/sloguard/exporters/exportertest"
)

func TestConformance(t *testing.T) {
	exportertest.Run(t, exportertest.Harness{Network: true, New: func(t *testing.T, env exportertest.Env) (exportertest.Subject, error) {
		s, err := New(WithURL(env.URL), WithLogger(env.Logger), WithMeterProvider(env.MeterProvider))
		if err != nil {
			return exportertest.Subject{}, err
		}
		return exportertest.ForSink(s), nil
	}})
}
