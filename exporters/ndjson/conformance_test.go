package ndjson

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sloguard/sloguard/exporters/exportertest"
)

func TestConformance(t *testing.T) {
	exportertest.Run(t, exportertest.Harness{New: func(t *testing.T, env exportertest.Env) (exportertest.Subject, error) {
		e, err := New(WithPath(filepath.Join(env.Dir, "http_traces.ndjson")), WithMeterProvider(env.MeterProvider))
		if err != nil {
			return exportertest.Subject{}, err
		}
		spans := httpSpans(0, 3)
		return exportertest.Subject{
			Send:       func(ctx context.Context) error { return e.ExportSpans(ctx, spans) },
			ForceFlush: e.ForceFlush,
			Shutdown:   e.Shutdown,
		}, nil
	}})
}
