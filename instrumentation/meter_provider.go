package instrumentation

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sloguard/sloguard/httpmetrics"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// httpMeterProvider is the MeterProvider handed to otelhttp. It changes three
// things, two of them at instrument creation:
//
//   - the duration histogram gets httpmetrics.BucketBoundaries() as advisory boundaries.
//     A View cannot do this per reader, and advisory boundaries take
//     precedence over a reader's explicit boundaries, so this is the one
//     place that gives both the Prometheus reader and the SLO reader buckets
//     that hold the SLO thresholds, while a reader asking for an exponential
//     histogram still gets one.
//   - the request and response body size histograms are no-ops: nothing
//     reads them, and otelhttp would otherwise aggregate two more histograms
//     per request in every reader.
//   - the duration histogram records without constantAttrs (see
//     durationHistogram).
//
// The duration histogram it made is kept in duration, for the requests
// that do not go through otelhttp (see serverHandler).
type httpMeterProvider struct {
	embedded.MeterProvider
	mp       metric.MeterProvider
	limit    int // most attribute sets durationHistogram remembers
	duration *durationHistogram
}

func (p *httpMeterProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	return httpMeter{Meter: p.mp.Meter(name, opts...), p: p}
}

type httpMeter struct {
	metric.Meter
	p *httpMeterProvider
}

func (m httpMeter) Float64Histogram(name string, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	if name != httpmetrics.DurationMetric {
		return m.Meter.Float64Histogram(name, opts...)
	}
	opts = append(opts, metric.WithExplicitBucketBoundaries(httpmetrics.BucketBoundaries()...))
	h, err := m.Meter.Float64Histogram(name, opts...)
	if err != nil {
		return h, err
	}
	d := &durationHistogram{Float64Histogram: h, limit: int64(m.p.limit)}
	m.p.duration = d
	return d, nil
}

func (m httpMeter) Int64Histogram(name string, opts ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	if name == requestBodySizeMetric || name == responseBodySizeMetric {
		return noop.Int64Histogram{}, nil
	}
	return m.Meter.Int64Histogram(name, opts...)
}

// constantAttrs are the attributes otelhttp puts on its metrics that are the
// same on every request of a process: server.address (fixed by
// WithServerName) and server.port, url.scheme, network.protocol.name and
// .version. On every series of every scrape they would only repeat what
// Prometheus's own target labels say; without them a scrape is about 40%
// smaller and cheaper. What the SLOs, the generated rules and dashboards
// read stays (http.route, http.request.method, http.response.status_code),
// and so does anything added through otelhttp's Labeler. Spans keep all.
func constantAttr(kv attribute.KeyValue) bool {
	switch kv.Key {
	case "server.address", "server.port", "url.scheme", "network.protocol.name", "network.protocol.version":
		return true
	}
	return false
}

func keptAttr(kv attribute.KeyValue) bool { return !constantAttr(kv) }

// durationHistogram records otelhttp's request durations without
// constantAttrs.
//
// A View with an AttributeFilter would do the same, but the SDK filters
// every measurement in every reader again, reading the set's attributes
// through reflection: about 2 µs per request with serve's three readers.
// Here a set is filtered once, the first time it is seen, and found again by
// its hash (attribute.Distinct, the identity the SDK itself aggregates by),
// which costs a map lookup.
type durationHistogram struct {
	metric.Float64Histogram
	limit int64 // at most this many sets are remembered
	n     atomic.Int64
	sets  sync.Map // attribute.Distinct -> []metric.RecordOption

	requests sync.Map // requestKey -> []metric.RecordOption
}

func (h *durationHistogram) Record(ctx context.Context, v float64, opts ...metric.RecordOption) {
	set := metric.NewRecordConfig(opts).Attributes()
	key := set.Equivalent()
	if o, ok := h.sets.Load(key); ok {
		h.Float64Histogram.Record(ctx, v, o.([]metric.RecordOption)...)
		return
	}
	kept, _ := set.Filter(keptAttr)
	o := []metric.RecordOption{metric.WithAttributeSet(kept)}
	// Past the limit the SDK folds new sets into its overflow series anyway;
	// they are filtered on every request then, not remembered.
	if h.n.Add(1) <= h.limit {
		h.sets.Store(key, o)
	}
	h.Float64Histogram.Record(ctx, v, o...)
}

// recordRequest records the duration of a request that did not go through
// otelhttp, with the attributes otelhttp would have given it (its Labeler's,
// then method, status code and route, less constantAttrs). The set is
// remembered by route, method and status, so that recording builds none;
// a request with Labeler attributes builds its own.
func (h *durationHistogram) recordRequest(ctx context.Context, d time.Duration, info *routeInfo, method string, status int, labels []attribute.KeyValue) {
	seconds := float64(d) / float64(time.Second)
	method = metricMethod(method)
	if len(labels) > 0 {
		attrs := append(labels, semconv.HTTPRequestMethodKey.String(method), semconv.HTTPResponseStatusCode(status), semconv.HTTPRoute(info.route))
		set, _ := attribute.NewSetWithFiltered(attrs, keptAttr)
		h.Float64Histogram.Record(ctx, seconds, metric.WithAttributeSet(set))
		return
	}
	key := requestKey{route: info, method: method, status: status}
	if o, ok := h.requests.Load(key); ok {
		h.Float64Histogram.Record(ctx, seconds, o.([]metric.RecordOption)...)
		return
	}
	o := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(
		semconv.HTTPRequestMethodKey.String(method), semconv.HTTPResponseStatusCode(status), semconv.HTTPRoute(info.route)))}
	if h.n.Add(1) <= h.limit {
		h.requests.Store(key, o)
	}
	h.Float64Histogram.Record(ctx, seconds, o...)
}

type requestKey struct {
	route  *routeInfo
	method string
	status int
}

// metricMethod is the method as otelhttp records it: known methods in
// upper case, anything else "_OTHER".
func metricMethod(m string) string {
	if i := methodIndex(m); i < len(spanMethods) {
		return spanMethods[i]
	}
	if i := methodIndex(strings.ToUpper(m)); i < len(spanMethods) {
		return spanMethods[i]
	}
	return "_OTHER"
}
