package ndjson

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/metric"
)

// scopeName is the instrumentation scope of the exporter's own counters.
const scopeName = "github.com/sloguard/sloguard/exporters/ndjson"

// Names of the exporter's own counters. Prometheus shows them with a _total
// suffix and dots turned into underscores.
const (
	MetricSpans   = "sloguard.exporter.ndjson.spans"
	MetricErrors  = "sloguard.exporter.ndjson.errors"
	MetricDropped = "sloguard.exporter.ndjson.dropped"
)

// instruments are the exporter's counters: they are the only way an operator
// sees spans lost to a full disk, since the SDK's batch processor only logs
// the error ExportSpans returns.
type instruments struct {
	spans   metric.Int64Counter
	errors  metric.Int64Counter
	dropped metric.Int64Counter
}

func newInstruments(mp metric.MeterProvider) (instruments, error) {
	m := mp.Meter(scopeName)
	var inst instruments
	var err error
	if inst.spans, err = m.Int64Counter(MetricSpans,
		metric.WithUnit("{span}"),
		metric.WithDescription("Spans written to the NDJSON trace log.")); err != nil {
		return inst, fmt.Errorf("ndjson: counter %s: %w", MetricSpans, err)
	}
	if inst.errors, err = m.Int64Counter(MetricErrors,
		metric.WithUnit("{error}"),
		metric.WithDescription("Exports, flushes and shutdowns of the NDJSON trace log that failed.")); err != nil {
		return inst, fmt.Errorf("ndjson: counter %s: %w", MetricErrors, err)
	}
	if inst.dropped, err = m.Int64Counter(MetricDropped,
		metric.WithUnit("{span}"),
		metric.WithDescription("Spans not written to the NDJSON trace log because a write failed, the line was too long or the exporter was shut down.")); err != nil {
		return inst, fmt.Errorf("ndjson: counter %s: %w", MetricDropped, err)
	}
	return inst, nil
}

func (i instruments) record(ctx context.Context, written, dropped int, failed bool) {
	if ctx.Err() != nil {
		// The counts matter most when an export was abandoned.
		ctx = context.WithoutCancel(ctx)
	}
	if written > 0 {
		i.spans.Add(ctx, int64(written))
	}
	if dropped > 0 {
		i.dropped.Add(ctx, int64(dropped))
	}
	if failed {
		i.errors.Add(ctx, 1)
	}
}
