package slo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// The limits of a Histogram's resolution. MaxScale is OpenTelemetry's
// largest scale (a bucket grows by 2^(2^-20) ≈ 1.0000007); MinScale its
// smallest (two buckets span every float64).
const (
	MaxHistogramScale = 20
	MinHistogramScale = -10
)

// MaxHistogramBuckets bounds the buckets of a Histogram. A merge that would
// need more halves the resolution (lowers the scale) until the range fits,
// as the OpenTelemetry SDK does when it records. 4096 buckets keep scale 7
// (buckets 0.54% wide) over a range of 2^32, from 1µs to over an hour, so
// the quantiles of merged request durations stay within 0.6% of the truth.
const MaxHistogramBuckets = 4096

// Histogram is a base-2 exponential histogram of non-negative values
// (request durations in seconds), the form OpenTelemetry calls
// ExponentialHistogram and Prometheus a native histogram.
//
// Bucket Offset+i counts the values in (base^(Offset+i), base^(Offset+i+1)]
// where base = 2^(2^-Scale). Values equal to 0 are counted in ZeroCount.
// Count is ZeroCount plus the bucket counts; Min and Max are meaningful only
// when Count > 0.
//
// The zero value is an empty histogram. A Histogram is a value: Merge and
// Record change it in place and must not run concurrently with other use.
type Histogram struct {
	Scale     int32    `json:"scale"`
	ZeroCount uint64   `json:"zero_count"`
	Offset    int32    `json:"offset"`
	Buckets   []uint64 `json:"buckets"`
	Count     uint64   `json:"count"`
	Sum       float64  `json:"sum"`
	Min       float64  `json:"min"`
	Max       float64  `json:"max"`
}

// Clone returns a deep copy of h.
func (h Histogram) Clone() Histogram {
	h.Buckets = slices.Clone(h.Buckets)
	return h
}

// Record adds one value. Negative values and NaN are counted as zero: a
// duration is never negative, and a histogram whose Count disagrees with its
// buckets would be worse than one misplaced value.
func (h *Histogram) Record(v float64) {
	switch {
	case math.IsInf(v, 1):
		v = math.MaxFloat64
	case !(v > 0):
		v = 0
	}
	h.noteValue(v)
	if v == 0 {
		h.ZeroCount++
		return
	}
	if len(h.Buckets) == 0 {
		// the first positive value: start at the finest scale.
		h.Scale = MaxHistogramScale
		h.Offset = bucketIndex(v, h.Scale)
		h.Buckets = []uint64{1}
		return
	}
	idx := bucketIndex(v, h.Scale)
	lo, hi := int64(h.Offset), int64(h.Offset)+int64(len(h.Buckets))-1
	lo, hi = min(lo, int64(idx)), max(hi, int64(idx))
	if shift := downscaleNeeded(lo, hi); shift > 0 {
		h.downscale(shift)
		idx = bucketIndex(v, h.Scale)
	}
	h.grow(idx)
	h.Buckets[idx-h.Offset]++
}

// noteValue updates Count, Sum, Min and Max for one value.
func (h *Histogram) noteValue(v float64) {
	if h.Count == 0 {
		h.Min, h.Max = v, v
	} else {
		h.Min, h.Max = min(h.Min, v), max(h.Max, v)
	}
	h.Count++
	h.Sum += v
}

// grow extends Buckets so that index idx exists.
func (h *Histogram) grow(idx int32) {
	switch {
	case idx < h.Offset:
		n := int(h.Offset - idx)
		h.Buckets = slices.Insert(h.Buckets, 0, make([]uint64, n)...)
		h.Offset = idx
	case int(idx-h.Offset) >= len(h.Buckets):
		h.Buckets = append(h.Buckets, make([]uint64, int(idx-h.Offset)-len(h.Buckets)+1)...)
	}
}

// downscaleNeeded returns by how much the scale must drop for the bucket
// indexes lo..hi to fit MaxHistogramBuckets buckets.
func downscaleNeeded(lo, hi int64) int32 {
	var shift int32
	for hi-lo+1 > MaxHistogramBuckets {
		lo >>= 1
		hi >>= 1
		shift++
	}
	return shift
}

// downscale lowers the scale by shift, folding 2^shift buckets into one: the
// bucket boundaries of a coarser scale are a subset of the finer ones, so
// no count moves to a bucket that does not contain its value. It works in
// place: bucket i moves to i' ≤ i, which was read before.
func (h *Histogram) downscale(shift int32) {
	if shift <= 0 {
		return
	}
	h.Scale -= shift
	if len(h.Buckets) == 0 {
		h.Offset >>= shift
		return
	}
	lo := h.Offset >> shift
	hi := (h.Offset + int32(len(h.Buckets)) - 1) >> shift
	for i, c := range h.Buckets {
		if j := int(((h.Offset + int32(i)) >> shift) - lo); j != i {
			h.Buckets[j] += c
			h.Buckets[i] = 0
		}
	}
	h.Offset, h.Buckets = lo, h.Buckets[:hi-lo+1]
}

// Merge adds o to h. The result has the coarser of the two scales, lowered
// further if the union of their ranges needs more than MaxHistogramBuckets.
// h's buckets are changed in place (a shallow copy of h sees it; Clone
// makes a deep one); o is not changed.
func (h *Histogram) Merge(o Histogram) {
	if o.Count == 0 {
		return
	}
	if h.Count == 0 {
		buckets := append(h.Buckets[:0], o.Buckets...)
		*h = o
		h.Buckets = buckets
		h.trim()
		if len(h.Buckets) > 0 {
			h.downscale(downscaleNeeded(int64(h.Offset), int64(h.Offset)+int64(len(h.Buckets))-1))
		}
		return
	}
	h.Min, h.Max = min(h.Min, o.Min), max(h.Max, o.Max)
	h.Count += o.Count
	h.Sum += o.Sum
	h.ZeroCount += o.ZeroCount
	o.trimView()
	if len(o.Buckets) == 0 {
		return
	}
	h.trimView()
	if len(h.Buckets) == 0 {
		h.Scale, h.Offset = o.Scale, o.Offset
		h.Buckets = append(h.Buckets[:0], o.Buckets...)
		h.downscale(downscaleNeeded(int64(h.Offset), int64(h.Offset)+int64(len(h.Buckets))-1))
		return
	}
	scale := min(h.Scale, o.Scale)
	hs, oss := h.Scale-scale, o.Scale-scale
	lo := min(int64(h.Offset>>hs), int64(o.Offset>>oss))
	hi := max(int64((h.Offset+int32(len(h.Buckets))-1)>>hs), int64((o.Offset+int32(len(o.Buckets))-1)>>oss))
	scale -= downscaleNeeded(lo, hi)
	h.downscale(h.Scale - scale)
	shift := o.Scale - scale
	h.grow(o.Offset >> shift)
	h.grow((o.Offset + int32(len(o.Buckets)) - 1) >> shift)
	for i, c := range o.Buckets {
		h.Buckets[((o.Offset+int32(i))>>shift)-h.Offset] += c
	}
}

// trim drops empty buckets at both ends, so that Offset is the first
// bucket holding a value.
func (h *Histogram) trim() {
	h.trimView()
	if len(h.Buckets) == 0 {
		h.Buckets = nil
	}
}

// trimView is trim without giving up the backing array (for a copy that
// only reads it).
func (h *Histogram) trimView() {
	start := 0
	for start < len(h.Buckets) && h.Buckets[start] == 0 {
		start++
	}
	end := len(h.Buckets)
	for end > start && h.Buckets[end-1] == 0 {
		end--
	}
	h.Offset += int32(start)
	h.Buckets = h.Buckets[start:end]
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of the recorded values, or NaN
// when the histogram is empty.
//
// The rank convention is the nearest rank: the q-quantile of n values is the
// value of rank ⌈q·n⌉ (1-based, at least 1) in ascending order. The bucket
// holding that rank is found exactly; within it the value is interpolated
// log-linearly by the rank's position among the bucket's values, then kept
// within [Min, Max]; the first and last ranks are Min and Max exactly. The result is therefore within one bucket width (a
// factor 2^(2^-Scale)) of the true value of that rank.
func (h Histogram) Quantile(q float64) float64 {
	if h.Count == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	q = min(max(q, 0), 1)
	rank := nearestRank(q, h.Count)
	switch {
	case rank <= h.ZeroCount:
		return 0
	case rank == h.Count:
		return h.Max
	case rank == 1:
		return h.Min
	}
	cum := h.ZeroCount
	for i, c := range h.Buckets {
		if c == 0 || cum+c < rank {
			cum += c
			continue
		}
		t := (float64(rank-cum) - 0.5) / float64(c)
		v := math.Exp2((float64(h.Offset+int32(i)) + t) * math.Exp2(-float64(h.Scale)))
		return min(max(v, h.Min), h.Max)
	}
	return h.Max
}

// nearestRank is the 1-based nearest rank of the q-quantile among n
// values: ⌈q·n⌉, at least 1 and at most n.
func nearestRank(q float64, n uint64) uint64 {
	r := uint64(math.Ceil(q * float64(n)))
	return min(max(r, 1), n)
}

// bucketIndex returns the index of the bucket holding v > 0 at scale, by
// the method of the OpenTelemetry Go SDK so that both place a value in the
// same bucket: values on a power of two belong to the bucket they close.
func bucketIndex(v float64, scale int32) int32 {
	frac, exp := math.Frexp(v)
	if scale <= 0 {
		correction := int32(1)
		if frac == 0.5 {
			correction = 2
		}
		return (int32(exp) - correction) >> (-scale)
	}
	return int32(exp)<<scale + int32(math.Log(frac)*math.Ldexp(math.Log2E, int(scale))) - 1
}

// histogramFormat is the first byte of the binary encoding.
const histogramFormat = 1

// MarshalBinary encodes h compactly: varints, and only the non-empty
// buckets, each as its distance from the previous one and its count. A
// minute of a route with n requests takes at most about 40 + 4·min(n, 4096)
// bytes.
func (h Histogram) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(make([]byte, 0, 40+3*len(h.Buckets)))
}

// AppendBinary appends the encoding of MarshalBinary to b.
func (h Histogram) AppendBinary(b []byte) ([]byte, error) {
	h.trimView()
	if shift := downscaleNeeded(int64(h.Offset), int64(h.Offset)+int64(len(h.Buckets))-1); shift > 0 {
		h = h.Clone()
		h.downscale(shift)
	}
	b = append(b, histogramFormat)
	b = binary.AppendVarint(b, int64(h.Scale))
	b = binary.AppendUvarint(b, h.ZeroCount)
	b = binary.AppendUvarint(b, h.Count)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(h.Sum))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(h.Min))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(h.Max))
	b = binary.AppendVarint(b, int64(h.Offset))
	n := 0
	for _, c := range h.Buckets {
		if c != 0 {
			n++
		}
	}
	b = binary.AppendUvarint(b, uint64(n))
	prev := int64(-1)
	for i, c := range h.Buckets {
		if c == 0 {
			continue
		}
		b = binary.AppendUvarint(b, uint64(int64(i)-prev))
		b = binary.AppendUvarint(b, c)
		prev = int64(i)
	}
	return b, nil
}

// errHistogramEncoding is wrapped by every decoding error.
var errHistogramEncoding = errors.New("invalid histogram encoding")

// encoded is a parsed, checked encoding whose buckets are still encoded.
type encoded struct {
	Histogram        // without buckets
	n         uint64 // non-empty buckets
	lo, hi    int32  // their first and last index
	buckets   []byte // n pairs of uvarints: distance from the previous, count
}

// parseEncoding checks an encoding whole: counts that do not add up, a
// scale out of range or trailing bytes are errors.
func parseEncoding(data []byte) (encoded, error) {
	d := histDecoder{b: data}
	if f := d.byte(); f != histogramFormat && d.err == nil {
		return encoded{}, fmt.Errorf("%w: format %d, want %d", errHistogramEncoding, f, histogramFormat)
	}
	var e encoded
	scale := d.varint()
	e.ZeroCount = d.uvarint()
	e.Count = d.uvarint()
	e.Sum = math.Float64frombits(d.uint64())
	e.Min = math.Float64frombits(d.uint64())
	e.Max = math.Float64frombits(d.uint64())
	offset := d.varint()
	e.n = d.uvarint()
	if d.err != nil {
		return encoded{}, d.err
	}
	if scale < MinHistogramScale || scale > MaxHistogramScale {
		return encoded{}, fmt.Errorf("%w: scale %d out of [%d, %d]", errHistogramEncoding, scale, MinHistogramScale, MaxHistogramScale)
	}
	if e.n > MaxHistogramBuckets {
		return encoded{}, fmt.Errorf("%w: %d buckets", errHistogramEncoding, e.n)
	}
	if offset < math.MinInt32 || offset > math.MaxInt32-MaxHistogramBuckets {
		return encoded{}, fmt.Errorf("%w: offset %d", errHistogramEncoding, offset)
	}
	e.Scale, e.Offset = int32(scale), int32(offset)
	e.buckets = d.b
	total := e.ZeroCount
	pos := int64(-1)
	for i := range e.n {
		gap, c := d.uvarint(), d.uvarint()
		if d.err != nil {
			return encoded{}, d.err
		}
		if gap == 0 || c == 0 || gap > MaxHistogramBuckets {
			return encoded{}, fmt.Errorf("%w: bucket gap %d count %d", errHistogramEncoding, gap, c)
		}
		pos += int64(gap)
		if pos >= MaxHistogramBuckets {
			return encoded{}, fmt.Errorf("%w: buckets span more than %d", errHistogramEncoding, MaxHistogramBuckets)
		}
		if total+c < total {
			return encoded{}, fmt.Errorf("%w: counts overflow", errHistogramEncoding)
		}
		total += c
		if i == 0 {
			e.lo = e.Offset + int32(pos)
		}
		e.hi = e.Offset + int32(pos)
	}
	if len(d.b) != 0 {
		return encoded{}, fmt.Errorf("%w: %d trailing bytes", errHistogramEncoding, len(d.b))
	}
	if total != e.Count {
		return encoded{}, fmt.Errorf("%w: count %d but buckets hold %d", errHistogramEncoding, e.Count, total)
	}
	return e, nil
}

// each calls fn with the index and count of every non-empty bucket of a
// checked encoding.
func (e *encoded) each(fn func(idx int32, c uint64)) {
	d := histDecoder{b: e.buckets}
	idx := e.Offset - 1
	for range e.n {
		gap, c := d.uvarint(), d.uvarint()
		idx += int32(gap)
		fn(idx, c)
	}
}

// UnmarshalBinary decodes what MarshalBinary encoded, checking it rather
// than trusting it. It reuses the memory of h's buckets (a copy of h that
// shares them sees them change).
func (h *Histogram) UnmarshalBinary(data []byte) error {
	e, err := parseEncoding(data)
	if err != nil {
		return err
	}
	buckets := h.Buckets[:0]
	*h = e.Histogram
	if e.n == 0 {
		h.Offset = 0
		h.Buckets = buckets
		return nil
	}
	h.Offset = e.lo
	buckets = slices.Grow(buckets, int(e.hi-e.lo)+1)[:e.hi-e.lo+1]
	clear(buckets)
	e.each(func(idx int32, c uint64) { buckets[idx-e.lo] = c })
	h.Buckets = buckets
	return nil
}

// MergeBinary merges the histogram MarshalBinary encoded in data into h,
// without building it: what a store does to sum many stored histograms.
// The result is that of UnmarshalBinary and Merge; a damaged encoding is
// an error and leaves h unchanged.
func (h *Histogram) MergeBinary(data []byte) error {
	e, err := parseEncoding(data)
	if err != nil {
		return err
	}
	if e.Count == 0 {
		return nil
	}
	if h.Count == 0 {
		buckets := h.Buckets
		*h = Histogram{Buckets: buckets}
		return h.UnmarshalBinary(data)
	}
	h.Min, h.Max = min(h.Min, e.Min), max(h.Max, e.Max)
	h.Count += e.Count
	h.Sum += e.Sum
	h.ZeroCount += e.ZeroCount
	if e.n == 0 {
		return nil
	}
	h.trimView()
	if len(h.Buckets) == 0 {
		h.Scale = e.Scale
		h.Offset = e.lo
	}
	scale := min(h.Scale, e.Scale)
	lo, hi := int64(e.lo>>(e.Scale-scale)), int64(e.hi>>(e.Scale-scale))
	if len(h.Buckets) > 0 {
		hs := h.Scale - scale
		lo = min(lo, int64(h.Offset>>hs))
		hi = max(hi, int64((h.Offset+int32(len(h.Buckets))-1)>>hs))
	}
	scale -= downscaleNeeded(lo, hi)
	h.downscale(h.Scale - scale)
	h.Scale = scale
	shift := e.Scale - scale
	first, last := e.lo>>shift, e.hi>>shift
	if len(h.Buckets) == 0 {
		h.Offset = first
		h.Buckets = append(h.Buckets[:0], make([]uint64, last-first+1)...)
	} else {
		h.grow(first)
		h.grow(last)
	}
	e.each(func(idx int32, c uint64) { h.Buckets[(idx>>shift)-h.Offset] += c })
	return nil
}

// histDecoder reads the fields of the binary encoding, keeping the first
// error.
type histDecoder struct {
	b   []byte
	err error
}

func (d *histDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated %s", errHistogramEncoding, what)
	}
	d.b = nil
}

func (d *histDecoder) byte() byte {
	if len(d.b) < 1 {
		d.fail("header")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *histDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *histDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *histDecoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.fail("float")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}
