package delivery

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ScopeName is the instrumentation scope of the sinks' counters.
const ScopeName = "github.com/sloguard/sloguard/internal/delivery"

// Names of the alert sinks' counters, each with a "sink" attribute naming
// the sink (alertmanager, webhook). Prometheus shows them with a _total
// suffix and dots turned into underscores: sloguard_alerts_sent_total.
const (
	// MetricSent counts alerts in deliveries the receiver accepted,
	// Alertmanager's periodic re-sends included.
	MetricSent = "sloguard.alerts.sent"
	// MetricFailed counts alerts in delivery attempts that failed: an alert
	// retried three times before it got through counts three here and one
	// in sent. It rises for as long as a receiver is down.
	MetricFailed = "sloguard.alerts.failed"
	// MetricDropped counts alerts given up on: dropped from a full queue to
	// make room, rejected by the receiver (4xx), or still queued when
	// Shutdown's context ended.
	MetricDropped = "sloguard.alerts.dropped"
)

// SinkKey is the attribute naming the sink on every counter.
const SinkKey = attribute.Key("sink")

type instruments struct {
	sent, failed, dropped metric.Int64Counter
	attrs                 metric.MeasurementOption
}

func newInstruments(mp metric.MeterProvider, sink string) (instruments, error) {
	m := mp.Meter(ScopeName)
	inst := instruments{attrs: metric.WithAttributeSet(attribute.NewSet(SinkKey.String(sink)))}
	var err error
	if inst.sent, err = m.Int64Counter(MetricSent,
		metric.WithUnit("{alert}"),
		metric.WithDescription("Alerts delivered to a receiver (Alertmanager, a webhook), periodic re-sends included.")); err != nil {
		return inst, fmt.Errorf("counter %s: %w", MetricSent, err)
	}
	if inst.failed, err = m.Int64Counter(MetricFailed,
		metric.WithUnit("{alert}"),
		metric.WithDescription("Alerts in delivery attempts that failed; each retry counts again.")); err != nil {
		return inst, fmt.Errorf("counter %s: %w", MetricFailed, err)
	}
	if inst.dropped, err = m.Int64Counter(MetricDropped,
		metric.WithUnit("{alert}"),
		metric.WithDescription("Alerts given up on: dropped from a full queue, rejected by the receiver, or undelivered at shutdown.")); err != nil {
		return inst, fmt.Errorf("counter %s: %w", MetricDropped, err)
	}
	return inst, nil
}

func add(c metric.Int64Counter, n int, attrs metric.MeasurementOption) {
	if n > 0 {
		c.Add(context.Background(), int64(n), attrs)
	}
}
