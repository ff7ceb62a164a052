package instrumentation

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/noop"
)

// httpMeterProvider is the MeterProvider handed to otelhttp. It changes two
// things at instrument creation, so nothing on the request path:
//
//   - the duration histogram gets DurationBuckets as advisory boundaries.
//     A View cannot do this per reader, and advisory boundaries take
//     precedence over a reader's explicit boundaries, so this is the one
//     place that gives both the Prometheus reader and the SLO reader buckets
//     that hold the SLO thresholds, while a reader asking for an exponential
//     histogram still gets one.
//   - the request and response body size histograms are no-ops: nothing
//     reads them, and otelhttp would otherwise aggregate two more histograms
//     per request in every reader.
type httpMeterProvider struct {
	embedded.MeterProvider
	mp metric.MeterProvider
}

func (p httpMeterProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	return httpMeter{Meter: p.mp.Meter(name, opts...)}
}

type httpMeter struct {
	metric.Meter
}

func (m httpMeter) Float64Histogram(name string, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	if name == DurationMetric {
		opts = append(opts, metric.WithExplicitBucketBoundaries(DurationBuckets...))
	}
	return m.Meter.Float64Histogram(name, opts...)
}

func (m httpMeter) Int64Histogram(name string, opts ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	if name == requestBodySizeMetric || name == responseBodySizeMetric {
		return noop.Int64Histogram{}, nil
	}
	return m.Meter.Int64Histogram(name, opts...)
}
