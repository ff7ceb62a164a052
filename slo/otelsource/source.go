package otelsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/slo"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

const (
	defaultMaxSize  = 2048
	defaultMaxScale = slo.MaxHistogramScale
)

// Option configures New.
type Option func(*sourceConfig)

type sourceConfig struct {
	durationMetric string
	boundaries     []float64
	maxSize        int32
	logger         *slog.Logger
}

// WithLogger sets where the errors of metric callbacks seen while
// collecting are logged, each distinct one once (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *sourceConfig) { c.logger = l }
}

// WithDurationMetric names the request duration histogram (seconds) when
// it is not http.server.request.duration.
func WithDurationMetric(name string) Option {
	return func(c *sourceConfig) { c.durationMetric = name }
}

// WithBucketBoundaries gives the explicit bucket boundaries (seconds) the
// duration histogram is recorded with, when they are not
// httpmetrics.BucketBoundaries(): every latency threshold must be one of them.
func WithBucketBoundaries(b []float64) Option {
	return func(c *sourceConfig) { c.boundaries = slices.Clone(b) }
}

// WithMaxLatencyBuckets sets the most buckets of the exponential histograms
// the quantile reader keeps per route and interval (default 2048: scale 7,
// buckets 0.54% wide, over a range of 2^16).
func WithMaxLatencyBuckets(n int) Option {
	return func(c *sourceConfig) { c.maxSize = int32(n) }
}

// Source reads the SLIs of a spec from the application's own
// MeterProvider, through two ManualReaders the caller adds to it (Readers):
//
//   - a counts reader, with delta temporality and the default aggregations.
//     The duration histogram keeps its explicit buckets there, whose
//     boundaries the instrumentation sets to include every latency
//     threshold, so "requests within 400ms" is an exact count: the requests
//     in the buckets whose upper bound is at most 400ms (buckets are
//     (lower, upper]). Availability counts 5xx responses; events SLIs sum
//     the points of their counter.
//   - a quantile reader, with delta temporality and base-2 exponential
//     histograms, for the latency distribution of each route (p50, p95,
//     p99, and the actual latency of latency SLOs). Other instruments are
//     dropped there. The SDK applies an instrument's advisory explicit
//     boundaries only to readers whose aggregation is explicit, so this
//     reader's exponential aggregation stands.
//
// Each reader aggregates every measurement again: the pair costs the hot
// path of a request about as much as one more explicit histogram reader
// and one exponential one (see BenchmarkRecordReaders).
//
// Collect is safe for concurrent use; calls are serialised.
type Source struct {
	spec   slo.Spec
	cfg    sourceConfig
	counts *sdkmetric.ManualReader
	quant  *sdkmetric.ManualReader

	mu          sync.Mutex
	rmCounts    metricdata.ResourceMetrics
	rmQuant     metricdata.ResourceMetrics
	lastCollect time.Time
	seenErrs    map[string]bool // callback errors already logged
}

var _ slo.Collector = (*Source)(nil)

// New returns a source for the SLIs of spec. It refuses a spec
// that does not validate, since a latency threshold between two bucket
// boundaries could not be counted exactly.
func New(spec slo.Spec, opts ...Option) (*Source, error) {
	cfg := sourceConfig{durationMetric: httpmetrics.DurationMetric, maxSize: defaultMaxSize}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.boundaries == nil {
		cfg.boundaries = httpmetrics.BucketBoundaries()
	}
	if cfg.durationMetric == "" {
		return nil, errors.New("otel source: empty duration metric name")
	}
	if cfg.maxSize < 2 || cfg.maxSize > slo.MaxHistogramBuckets {
		return nil, fmt.Errorf("otel source: latency buckets %d out of [2, %d]", cfg.maxSize, slo.MaxHistogramBuckets)
	}
	if err := spec.Validate(cfg.boundaries); err != nil {
		return nil, fmt.Errorf("otel source: %w", err)
	}
	delta := func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }
	expo := sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: cfg.maxSize, MaxScale: defaultMaxScale}
	s := &Source{
		spec:     spec,
		cfg:      cfg,
		seenErrs: map[string]bool{},
		counts:   sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(delta)),
		quant: sdkmetric.NewManualReader(
			sdkmetric.WithTemporalitySelector(delta),
			sdkmetric.WithAggregationSelector(func(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
				if k == sdkmetric.InstrumentKindHistogram {
					return expo
				}
				return sdkmetric.AggregationDrop{}
			})),
	}
	return s, nil
}

// Readers returns the two readers to register on the application's
// MeterProvider (sdkmetric.WithReader, or the instrumentation package's WithReader). A
// reader belongs to one MeterProvider only.
func (s *Source) Readers() []sdkmetric.Reader {
	return []sdkmetric.Reader{s.counts, s.quant}
}

// Collect returns the events and latencies recorded since the previous
// call (or since the readers were registered). Start and End are those of
// the data points; the processor restamps them with its own clock.
//
// A metric callback that fails (a runtime gauge that could not read /proc,
// say) costs no event: the readers are delta readers, so the SDK has reset
// their sums by the time it reports the callback's error, and the sample it
// collected is the only copy of those events. Collect keeps it and logs
// each distinct callback error once. It fails only when the readers
// collected nothing (shut down, not registered, ctx already done).
func (s *Source) Collect(ctx context.Context) (slo.Sample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// the SDK reuses the slices of the ResourceMetrics it is given: every
	// figure is copied out before the next call.
	if err := s.collect(ctx, s.counts, &s.rmCounts); err != nil {
		return slo.Sample{}, fmt.Errorf("otel source: collect counts: %w", err)
	}
	if err := s.collect(ctx, s.quant, &s.rmQuant); err != nil {
		return slo.Sample{}, fmt.Errorf("otel source: collect latency: %w", err)
	}
	out := slo.Sample{
		Start:   s.lastCollect,
		End:     time.Now(),
		Counts:  make(map[string]slo.Counts, len(s.spec.SLOs)),
		Latency: map[string]slo.Histogram{},
	}
	for _, o := range s.spec.SLOs {
		out.Counts[o.Name] = slo.Counts{}
	}
	for _, sm := range s.rmCounts.ScopeMetrics {
		for _, m := range sm.Metrics {
			s.countMetric(m, out.Counts, &out.Start)
		}
	}
	for _, sm := range s.rmQuant.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != s.cfg.durationMetric {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.ExponentialHistogram[float64]:
				addLatency(out.Latency, d.DataPoints, &out.Start)
			case metricdata.ExponentialHistogram[int64]:
				addLatency(out.Latency, d.DataPoints, &out.Start)
			}
		}
	}
	s.lastCollect = out.End
	return out, nil
}

// collect collects r into rm. The SDK runs every callback, aggregates, and
// only then returns the callbacks' joined errors, with rm filled; it sets
// rm.Resource on every collection that aggregated. An rm left without a
// Resource therefore means nothing was collected (and no sum was reset),
// and that error is returned; callback errors are logged and dropped.
func (s *Source) collect(ctx context.Context, r *sdkmetric.ManualReader, rm *metricdata.ResourceMetrics) error {
	rm.Resource = nil
	err := r.Collect(ctx, rm)
	if err == nil {
		return nil
	}
	if rm.Resource == nil {
		rm.ScopeMetrics = rm.ScopeMetrics[:0]
		return err
	}
	s.logCallbackErrors(err)
	return nil
}

// logCallbackErrors logs each distinct error err joins, once per Source: a
// gauge that cannot be read fails on every collection, and one line says it.
func (s *Source) logCallbackErrors(err error) {
	for _, e := range leafErrors(err) {
		msg := e.Error()
		if s.seenErrs[msg] {
			continue
		}
		if len(s.seenErrs) >= maxLoggedErrors {
			return
		}
		s.seenErrs[msg] = true
		s.cfg.logger.Warn("metric callback failed; the SLO sample keeps every event collected", "error", msg)
	}
}

// maxLoggedErrors bounds the distinct callback errors remembered.
const maxLoggedErrors = 100

// leafErrors flattens the errors.Join trees the SDK builds from callbacks.
func leafErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// countMetric adds the points of m to the counts of the SLOs that read it.
func (s *Source) countMetric(m metricdata.Metrics, counts map[string]slo.Counts, start *time.Time) {
	for _, o := range s.spec.SLOs {
		switch o.SLI.Kind {
		case slo.KindAvailability, slo.KindLatency:
			if m.Name != s.cfg.durationMetric {
				continue
			}
			var c slo.Counts
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				c = requestCounts(o.SLI, d.DataPoints, start)
			case metricdata.Histogram[int64]:
				c = requestCounts(o.SLI, d.DataPoints, start)
			}
			counts[o.Name] = counts[o.Name].Add(c)
		case slo.KindEvents:
			if m.Name != o.SLI.Metric {
				continue
			}
			var c slo.Counts
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				c = eventCounts(o.SLI, d.DataPoints, start)
			case metricdata.Sum[float64]:
				c = eventCounts(o.SLI, d.DataPoints, start)
			}
			counts[o.Name] = counts[o.Name].Add(c)
		}
	}
}

// requestCounts counts the requests of an availability or latency SLI.
func requestCounts[N int64 | float64](sli slo.SLI, points []metricdata.HistogramDataPoint[N], start *time.Time) slo.Counts {
	var c slo.Counts
	for _, p := range points {
		if !requestSelected(sli, p.Attributes) {
			continue
		}
		noteStart(start, p.StartTime)
		total := float64(p.Count)
		c.Total += total
		switch sli.Kind {
		case slo.KindAvailability:
			if !serverError(p.Attributes) {
				c.Good += total
			}
		case slo.KindLatency:
			// BucketCounts[i] counts (Bounds[i-1], Bounds[i]]: a bucket is
			// good when its upper bound is within the threshold.
			for i, b := range p.Bounds {
				if time.Duration(math.Round(b*float64(time.Second))) > sli.Threshold {
					break
				}
				if i < len(p.BucketCounts) {
					c.Good += float64(p.BucketCounts[i])
				}
			}
		}
	}
	return c
}

// requestSelected applies the route and method filters of an SLI.
func requestSelected(sli slo.SLI, attrs attribute.Set) bool {
	if len(sli.Routes) > 0 {
		v, ok := attrs.Value(httpmetrics.RouteAttr)
		if !ok || !slices.Contains(sli.Routes, v.String()) {
			return false
		}
	}
	if len(sli.Methods) > 0 {
		v, ok := attrs.Value(httpmetrics.MethodAttr)
		if !ok || !slices.Contains(sli.Methods, v.String()) {
			return false
		}
	}
	return true
}

// serverError reports a 5xx status. A request without a status (the
// handler panicked before answering) is not counted as one: otelhttp
// records a status for every request it completes.
func serverError(attrs attribute.Set) bool {
	v, ok := attrs.Value(httpmetrics.StatusCodeAttr)
	if !ok {
		return false
	}
	var code int64
	switch v.Type() {
	case attribute.INT64:
		code = v.AsInt64()
	case attribute.FLOAT64:
		code = int64(v.AsFloat64())
	default:
		n, err := strconv.ParseInt(v.String(), 10, 64)
		if err != nil {
			return false
		}
		code = n
	}
	return code >= 500 && code <= 599
}

// eventCounts counts the points of an events SLI.
func eventCounts[N int64 | float64](sli slo.SLI, points []metricdata.DataPoint[N], start *time.Time) slo.Counts {
	var c slo.Counts
	for _, p := range points {
		if !matches(sli.Total, p.Attributes) {
			continue
		}
		noteStart(start, p.StartTime)
		v := float64(p.Value)
		c.Total += v
		switch {
		case len(sli.Bad) > 0:
			if !matches(sli.Bad, p.Attributes) {
				c.Good += v
			}
		case matches(sli.Good, p.Attributes):
			c.Good += v
		}
	}
	return c
}

// matches applies a Matcher, comparing attribute values as strings.
func matches(m slo.Matcher, attrs attribute.Set) bool {
	for k, vals := range m {
		v, ok := attrs.Value(attribute.Key(k))
		if !ok || !slices.Contains(vals, v.String()) {
			return false
		}
	}
	return true
}

// addLatency merges exponential histogram points into per-route histograms.
func addLatency[N int64 | float64](out map[string]slo.Histogram, points []metricdata.ExponentialHistogramDataPoint[N], start *time.Time) {
	for _, p := range points {
		if p.Count == 0 {
			continue
		}
		noteStart(start, p.StartTime)
		route := ""
		if v, ok := p.Attributes.Value(httpmetrics.RouteAttr); ok {
			route = v.String()
		}
		h := out[route]
		h.Merge(histogramFromOTel(p))
		out[route] = h
	}
}

// histogramFromOTel converts a data point. The buckets are shared with the
// point, so the result must be merged (which copies) before the next
// collection. Negative values (not durations) are counted as zero.
func histogramFromOTel[N int64 | float64](p metricdata.ExponentialHistogramDataPoint[N]) slo.Histogram {
	h := slo.Histogram{
		Scale:     p.Scale,
		ZeroCount: p.ZeroCount,
		Offset:    p.PositiveBucket.Offset,
		Buckets:   p.PositiveBucket.Counts,
		Count:     p.Count,
		Sum:       float64(p.Sum),
	}
	for _, c := range p.NegativeBucket.Counts {
		h.ZeroCount += c
	}
	lo, hi := 0.0, 0.0
	if len(h.Buckets) > 0 {
		last := h.Offset + int32(len(h.Buckets))
		lo = math.Exp2(float64(h.Offset) * math.Exp2(-float64(h.Scale)))
		hi = math.Exp2(float64(last) * math.Exp2(-float64(h.Scale)))
	}
	if h.ZeroCount > 0 {
		lo = 0
	}
	h.Min, h.Max = lo, hi
	if v, ok := p.Min.Value(); ok {
		h.Min = max(float64(v), 0)
	}
	if v, ok := p.Max.Value(); ok {
		h.Max = max(float64(v), 0)
	}
	return h
}

func noteStart(start *time.Time, t time.Time) {
	if !t.IsZero() && (start.IsZero() || t.Before(*start)) {
		*start = t
	}
}
