package slo_test

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/otelsource"
)

// exactQuantile is the nearest-rank q-quantile of sorted values: the value
// of rank ⌈q·n⌉ (1-based), the convention Histogram.Quantile documents.
func exactQuantile(sorted []float64, q float64) float64 {
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// lognormal draws from a lognormal distribution with the given median and
// shape.
func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// telemetry is a MeterProvider carrying an OTelSource's readers, with the
// request duration histogram as the instrumentation declares it and the
// webhook deliveries counter of the demo service.
type telemetry struct {
	mp       *sdkmetric.MeterProvider
	src      *otelsource.Source
	duration metric.Float64Histogram
	webhooks metric.Int64Counter
}

func newTelemetry(t testing.TB, spec slo.Spec) *telemetry {
	t.Helper()
	src, err := otelsource.New(spec)
	if err != nil {
		t.Fatalf("NewOTelSource: %v", err)
	}
	var opts []sdkmetric.Option
	for _, r := range src.Readers() {
		opts = append(opts, sdkmetric.WithReader(r))
	}
	mp := sdkmetric.NewMeterProvider(opts...)
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	meter := mp.Meter("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	duration, err := meter.Float64Histogram(slo.DurationMetric, metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(slo.DefaultBucketBoundaries()...))
	if err != nil {
		t.Fatal(err)
	}
	webhooks, err := mp.Meter("demo").Int64Counter("webhook.deliveries", metric.WithUnit("{delivery}"))
	if err != nil {
		t.Fatal(err)
	}
	return &telemetry{mp: mp, src: src, duration: duration, webhooks: webhooks}
}

// request records one request as otelhttp does.
func (tm *telemetry) request(route, method string, status int, seconds float64) {
	tm.duration.Record(context.Background(), seconds, metric.WithAttributes(
		attribute.String(slo.RouteAttr, route),
		attribute.String(slo.MethodAttr, method),
		attribute.Int(slo.StatusCodeAttr, status)))
}

func (tm *telemetry) webhook(outcome string, n int64) {
	tm.webhooks.Add(context.Background(), n, metric.WithAttributes(attribute.String("outcome", outcome)))
}

func TestQuantilesThroughTheSDKAreWithinOnePercent(t *testing.T) {
	cases := []struct {
		name string
		draw func(r *rand.Rand) float64
	}{
		{"lognormal around 80ms", func(r *rand.Rand) float64 { return lognormal(r, 0.080, 0.9) }},
		{"bimodal: fast cache hits and slow misses", func(r *rand.Rand) float64 {
			if r.Float64() < 0.7 {
				return lognormal(r, 0.020, 0.3)
			}
			return lognormal(r, 0.900, 0.25)
		}},
		{"narrow around 5ms", func(r *rand.Rand) float64 { return lognormal(r, 0.005, 0.05) }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 42))
			tm := newTelemetry(t, demo.Spec())
			var all []float64
			var merged slo.Histogram
			const intervals, perInterval = 25, 2000
			for range intervals {
				for range perInterval {
					v := c.draw(r)
					all = append(all, v)
					tm.request("/api/items", "GET", 200, v)
				}
				s, err := tm.src.Collect(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				h := s.Latency["/api/items"]
				// through the store's encoding, as the processor reads it back.
				blob, err := h.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				var back slo.Histogram
				if err := back.UnmarshalBinary(blob); err != nil {
					t.Fatal(err)
				}
				merged.Merge(back)
			}
			sort.Float64s(all)
			if merged.Count != uint64(len(all)) {
				t.Fatalf("Count = %d, want %d", merged.Count, len(all))
			}
			if merged.Min != all[0] || merged.Max != all[len(all)-1] {
				t.Errorf("Min, Max = %g, %g; want %g, %g", merged.Min, merged.Max, all[0], all[len(all)-1])
			}
			var sum float64
			for _, v := range all {
				sum += v
			}
			if math.Abs(merged.Sum-sum) > 1e-9*sum {
				t.Errorf("Sum = %g, want %g", merged.Sum, sum)
			}
			for _, q := range []float64{0.5, 0.95, 0.99} {
				got, want := merged.Quantile(q), exactQuantile(all, q)
				rel := math.Abs(got-want) / want
				t.Logf("p%g = %.6gs, exact %.6gs: %.3g%% off (scale %d)", q*100, got, want, rel*100, merged.Scale)
				if rel > 0.01 {
					t.Errorf("p%g = %.6gs, exact %.6gs: %.3g%% off (scale %d)", q*100, got, want, rel*100, merged.Scale)
				}
			}
		})
	}
}

// sdkHistogram records values through the SDK's own base-2 exponential
// aggregation and returns its one data point.
func sdkHistogram(t *testing.T, maxSize int32, values []float64) metricdata.ExponentialHistogramDataPoint[float64] {
	t.Helper()
	rd := sdkmetric.NewManualReader(sdkmetric.WithAggregationSelector(func(sdkmetric.InstrumentKind) sdkmetric.Aggregation {
		return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: maxSize, MaxScale: 20}
	}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(rd))
	defer mp.Shutdown(context.Background())
	h, _ := mp.Meter("t").Float64Histogram("h")
	for _, v := range values {
		h.Record(context.Background(), v)
	}
	var rm metricdata.ResourceMetrics
	if err := rd.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.ExponentialHistogram[float64]).DataPoints[0]
}

func TestRecordPlacesValuesInTheSDKsBuckets(t *testing.T) {
	cases := []struct {
		name   string
		values []float64
	}{
		{"around one, with one exactly", []float64{1, 1.0000001, 0.9999999, 1.0004, 0.99965}},
		{"on and around a power of two", []float64{0.25, 0.2500003, 0.2499998, 0.25004}},
		{"spread over three decades", []float64{0.0012, 0.004, 0.05, 0.4, 0.4000001, 1.3}},
		{"zeros and values", []float64{0, 0, 0.1, 0.2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := sdkHistogram(t, slo.MaxHistogramBuckets, c.values)
			var h slo.Histogram
			for _, v := range c.values {
				h.Record(v)
			}
			if h.Scale != p.Scale || h.ZeroCount != p.ZeroCount || h.Count != p.Count {
				t.Fatalf("scale, zero count, count = %d, %d, %d; SDK %d, %d, %d", h.Scale, h.ZeroCount, h.Count, p.Scale, p.ZeroCount, p.Count)
			}
			if h.Offset != p.PositiveBucket.Offset || !slices.Equal(h.Buckets, p.PositiveBucket.Counts) {
				t.Errorf("buckets at %d %v; SDK at %d %v", h.Offset, h.Buckets, p.PositiveBucket.Offset, p.PositiveBucket.Counts)
			}
		})
	}
}

// checkAgainst verifies h against the values it holds: totals, extremes,
// and every percentile within one bucket width of the exact value.
func checkAgainst(t *testing.T, h slo.Histogram, values []float64) {
	t.Helper()
	sorted := slices.Clone(values)
	sort.Float64s(sorted)
	if h.Count != uint64(len(sorted)) {
		t.Fatalf("Count = %d, want %d", h.Count, len(sorted))
	}
	var n uint64 = h.ZeroCount
	for _, c := range h.Buckets {
		n += c
	}
	if n != h.Count {
		t.Errorf("buckets hold %d values, Count says %d", n, h.Count)
	}
	if h.Min != sorted[0] || h.Max != sorted[len(sorted)-1] {
		t.Errorf("Min, Max = %g, %g; want %g, %g", h.Min, h.Max, sorted[0], sorted[len(sorted)-1])
	}
	width := math.Exp2(math.Exp2(-float64(h.Scale))) - 1
	for q := 0.01; q <= 1; q += 0.01 {
		got, want := h.Quantile(q), exactQuantile(sorted, q)
		if math.Abs(got-want) > width*want+1e-15 {
			t.Errorf("Quantile(%.2f) = %g, want %g within %.3g%% (scale %d)", q, got, want, width*100, h.Scale)
		}
	}
}

func TestMergeAcrossScales(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	narrow := make([]float64, 500) // within 0.1%: stays at scale 20
	for i := range narrow {
		narrow[i] = 0.2 * (1 + 0.001*r.Float64())
	}
	wide := make([]float64, 500) // 1ms to 60s: a low scale
	for i := range wide {
		wide[i] = 0.001 * math.Pow(60000, r.Float64())
	}
	huge := []float64{1e-9, 1e9} // beyond the buckets of any fine scale
	hist := func(vs []float64) slo.Histogram {
		var h slo.Histogram
		for _, v := range vs {
			h.Record(v)
		}
		return h
	}
	cases := []struct {
		name string
		a, b []float64
	}{
		{"a fine histogram into a coarse one", wide, narrow},
		{"a coarse histogram into a fine one", narrow, wide},
		{"two histograms whose union needs a lower scale than either", huge[:1], huge[1:]},
		{"an empty histogram", narrow, nil},
		{"into an empty histogram", nil, wide},
		{"with zeros", []float64{0, 0, 0.3}, narrow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := hist(c.a), hist(c.b)
			scaleA, scaleB := a.Scale, b.Scale
			ab := a.Clone()
			ab.Merge(b)
			all := slices.Concat(c.a, c.b)
			if len(all) == 0 {
				return
			}
			checkAgainst(t, ab, all)
			if len(c.a) > 0 && len(c.b) > 0 && ab.Scale > min(scaleA, scaleB) {
				t.Errorf("merged scale %d is finer than the coarser input (%d, %d)", ab.Scale, scaleA, scaleB)
			}
			if span := len(ab.Buckets); span > slo.MaxHistogramBuckets {
				t.Errorf("merged histogram has %d buckets, more than %d", span, slo.MaxHistogramBuckets)
			}
			ba := b.Clone()
			ba.Merge(a)
			if ab.Scale != ba.Scale || ab.Count != ba.Count || ab.Offset != ba.Offset || !slices.Equal(ab.Buckets, ba.Buckets) {
				t.Errorf("merge is not commutative: scale %d/%d offset %d/%d", ab.Scale, ba.Scale, ab.Offset, ba.Offset)
			}
			if a.Count != uint64(len(c.a)) || b.Count != uint64(len(c.b)) {
				t.Errorf("Merge changed its argument")
			}
		})
	}
}

func TestRecordDownscalesToFitItsBuckets(t *testing.T) {
	var h slo.Histogram
	var values []float64
	for i := range 2000 {
		v := 1e-6 * math.Pow(1e12, float64(i)/1999) // 12 decades
		values = append(values, v)
		h.Record(v)
	}
	if len(h.Buckets) > slo.MaxHistogramBuckets {
		t.Fatalf("%d buckets, more than %d", len(h.Buckets), slo.MaxHistogramBuckets)
	}
	checkAgainst(t, h, values)
}

func TestQuantileOfEdgeCases(t *testing.T) {
	var empty slo.Histogram
	if q := empty.Quantile(0.5); !math.IsNaN(q) {
		t.Errorf("Quantile of an empty histogram = %g, want NaN", q)
	}
	var one slo.Histogram
	one.Record(0.123)
	for _, q := range []float64{0, 0.5, 1} {
		if got := one.Quantile(q); got != 0.123 {
			t.Errorf("Quantile(%g) of one value 0.123 = %g", q, got)
		}
	}
	var zeros slo.Histogram
	zeros.Record(0)
	zeros.Record(0)
	zeros.Record(2)
	if got := zeros.Quantile(0.5); got != 0 {
		t.Errorf("median of 0, 0, 2 = %g, want 0", got)
	}
	if got := zeros.Quantile(0.9); got != 2 {
		t.Errorf("p90 of 0, 0, 2 = %g, want 2", got)
	}
	var neg slo.Histogram
	neg.Record(-1)
	neg.Record(math.NaN())
	if neg.Count != 2 || neg.ZeroCount != 2 || neg.Quantile(1) != 0 {
		t.Errorf("negative and NaN values: count %d, zero count %d, max quantile %g; want both counted as zero", neg.Count, neg.ZeroCount, neg.Quantile(1))
	}
}

func TestEncodingRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	for _, n := range []int{0, 1, 10, 100, 5000} {
		var h slo.Histogram
		for range n {
			h.Record(lognormal(r, 0.05, 1.2))
		}
		if n > 3 {
			h.Record(0)
		}
		blob, err := h.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back slo.Histogram
		if err := back.UnmarshalBinary(blob); err != nil {
			t.Fatalf("%d values: UnmarshalBinary: %v", n, err)
		}
		if !reflect.DeepEqual(normal(h), normal(back)) {
			t.Errorf("%d values: round trip changed the histogram:\n got %+v\nwant %+v", n, normal(back), normal(h))
		}
		nonEmpty := 0
		for _, c := range h.Buckets {
			if c > 0 {
				nonEmpty++
			}
		}
		if limit := 60 + 4*nonEmpty; len(blob) > limit {
			t.Errorf("%d values in %d buckets take %d bytes, more than %d", n, nonEmpty, len(blob), limit)
		}
	}
}

// normal trims empty end buckets so that equal histograms compare equal.
func normal(h slo.Histogram) slo.Histogram {
	h = h.Clone()
	for len(h.Buckets) > 0 && h.Buckets[0] == 0 {
		h.Buckets, h.Offset = h.Buckets[1:], h.Offset+1
	}
	for len(h.Buckets) > 0 && h.Buckets[len(h.Buckets)-1] == 0 {
		h.Buckets = h.Buckets[:len(h.Buckets)-1]
	}
	if len(h.Buckets) == 0 {
		h.Buckets, h.Offset = nil, 0
	}
	return h
}

func TestDecodingRefusesDamagedEncodings(t *testing.T) {
	var h slo.Histogram
	for _, v := range []float64{0.01, 0.02, 0.3, 0.3, 4} {
		h.Record(v)
	}
	good, _ := h.MarshalBinary()
	damage := map[string][]byte{
		"empty":           {},
		"unknown format":  append([]byte{9}, good[1:]...),
		"truncated":       good[:len(good)-1],
		"trailing bytes":  append(slices.Clone(good), 0),
		"scale too large": slices.Concat([]byte{1, 2 * 21}, good[2:]),
		"count off by one": func() []byte {
			b := slices.Clone(good)
			b[3]++ // the count follows the format, scale and zero count bytes
			return b
		}(),
	}
	for name, b := range damage {
		var out slo.Histogram
		if err := out.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: UnmarshalBinary accepted it", name)
		}
	}
}

func TestMergeBinaryEqualsDecodingAndMerging(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 4))
	var viaMerge, viaBinary slo.Histogram
	for i := range 60 {
		var h slo.Histogram
		// ranges that move and widen, so scales differ from one to the next.
		for range 1 + r.IntN(200) {
			h.Record(lognormal(r, 0.01*float64(1+i%7), 0.1+0.05*float64(i%13)))
		}
		if i%9 == 0 {
			h.Record(0)
		}
		blob, _ := h.MarshalBinary()
		var back slo.Histogram
		if err := back.UnmarshalBinary(blob); err != nil {
			t.Fatal(err)
		}
		viaMerge.Merge(back)
		if err := viaBinary.MergeBinary(blob); err != nil {
			t.Fatalf("MergeBinary: %v", err)
		}
		if !reflect.DeepEqual(normal(viaMerge), normal(viaBinary)) {
			t.Fatalf("after %d histograms MergeBinary differs from UnmarshalBinary+Merge:\n got scale %d offset %d %d buckets count %d\nwant scale %d offset %d %d buckets count %d",
				i+1, viaBinary.Scale, viaBinary.Offset, len(viaBinary.Buckets), viaBinary.Count,
				viaMerge.Scale, viaMerge.Offset, len(viaMerge.Buckets), viaMerge.Count)
		}
	}
	before := normal(viaBinary)
	blob, _ := viaMerge.MarshalBinary()
	if err := viaBinary.MergeBinary(blob[:len(blob)-2]); err == nil {
		t.Error("MergeBinary of a truncated encoding: no error")
	}
	if !reflect.DeepEqual(before, normal(viaBinary)) {
		t.Error("a failed MergeBinary changed the histogram")
	}
}
