// Package deliverytest holds what the tests of the alert sinks share: a
// reader of their counters and a log that can be read while it is written.
package deliverytest

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sloguard/sloguard/internal/delivery"
)

// Meter is a real SDK MeterProvider read on demand.
type Meter struct {
	Provider *sdkmetric.MeterProvider
	reader   *sdkmetric.ManualReader
}

// NewMeter returns a Meter shut down when the test ends.
func NewMeter(t testing.TB) *Meter {
	r := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return &Meter{Provider: mp, reader: r}
}

// Counts are the sinks' counters for one sink.
type Counts struct{ Sent, Failed, Dropped int64 }

// Counts collects the counters whose sink attribute is sink.
func (m *Meter) Counts(t testing.TB, sink string) Counts {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := m.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect metrics: %v", err)
	}
	var c Counts
	for _, sm := range rm.ScopeMetrics {
		for _, md := range sm.Metrics {
			sum, ok := md.Data.(metricdata.Sum[int64])
			if !ok {
				continue
			}
			for _, dp := range sum.DataPoints {
				if v, ok := dp.Attributes.Value(delivery.SinkKey); !ok || v.AsString() != sink {
					continue
				}
				switch md.Name {
				case delivery.MetricSent:
					c.Sent += dp.Value
				case delivery.MetricFailed:
					c.Failed += dp.Value
				case delivery.MetricDropped:
					c.Dropped += dp.Value
				}
			}
		}
	}
	return c
}

// Log is a text log that tests read while the code under test writes it.
type Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Logger returns a logger writing every level to l.
func (l *Log) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is everything logged so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Count is the number of lines logged so far that hold s.
func (l *Log) Count(s string) int {
	n := 0
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}
