package rules_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// This file is the test's own model of what the rules must compute: SLO
// math on the synthetic series fed to promtool, with bounds wide enough to
// hold whatever Prometheus' rate() extrapolation gives. It shares nothing
// with the code under test but the SLO model (slo.AlertWindows).

// testSeries is one synthetic series: a cumulative counter sampled every
// minute from minute 0. NaN marks minutes without a sample (the series does
// not exist yet: OTel creates it on the first measurement).
type testSeries struct {
	labels map[string]string // with __name__
	vals   []float64
	// inTotal: the SLI's total selector matches it; inPart: the bad (or,
	// for good-ratio SLIs, the good) selector matches it.
	inTotal, inPart bool
	group           string // value of the grouping label, "" without grouping
}

// promSeries formats the series for a promtool input_series entry.
func (s testSeries) promSeries() (series, values string) {
	keys := make([]string, 0, len(s.labels))
	for k := range s.labels {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(s.labels["__name__"] + "{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(k + "=" + strconv.Quote(s.labels[k]))
	}
	b.WriteString("}")
	vs := make([]string, len(s.vals))
	for i, v := range s.vals {
		if math.IsNaN(v) {
			vs[i] = "_"
		} else {
			vs[i] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return b.String(), strings.Join(vs, " ")
}

// bounds is an interval a value computed by Prometheus lies in; ok is false
// when Prometheus computes nothing (fewer than two samples in the window).
type bounds struct {
	lo, hi float64
	ok     bool
}

// increase bounds what Prometheus' increase() gives for s over the window
// of w minutes ending at minute t. Prometheus takes the raw increase of the
// samples in the window and stretches it towards each edge of the window by
// at most 1.1 average sample intervals (never beyond the edge): the value
// lies between the raw increase and that stretch. Both the left-open window
// (t-w, t] of Prometheus 3 and the closed one of Prometheus 2 are covered.
func (s testSeries) increase(t, w int) bounds {
	var out bounds
	for _, from := range []int{t - w + 1, t - w} {
		first, last, n := -1, -1, 0
		for m := max(from, 0); m <= t && m < len(s.vals); m++ {
			if math.IsNaN(s.vals[m]) {
				continue
			}
			if first < 0 {
				first = m
			}
			last = m
			n++
		}
		if n < 2 {
			if from == t-w+1 {
				return bounds{} // Prometheus 3 computes nothing
			}
			continue
		}
		raw := s.vals[last] - s.vals[first]
		sampled := float64(last - first)
		stretched := math.Min(float64(w), sampled+2*1.1*sampled/float64(n-1))
		hi := raw * stretched / sampled
		if !out.ok {
			out = bounds{lo: raw, hi: hi, ok: true}
			continue
		}
		out.lo, out.hi = math.Min(out.lo, raw), math.Max(out.hi, hi)
	}
	return out
}

// scenarioModel is the SLO and the series of one scenario.
type scenarioModel struct {
	slo       slo.SLO
	service   string
	partIsBad bool // the part series count bad events (else good ones)
	series    []testSeries
	groups    []string // grouping label values ("" alone without grouping)
	minutes   int      // last minute with samples
}

// sum adds the bounds of the matching series of group g.
func (m scenarioModel) sum(g string, t, w int, match func(testSeries) bool) bounds {
	var out bounds
	for _, s := range m.series {
		if s.group != g || !match(s) {
			continue
		}
		if b := s.increase(t, w); b.ok {
			out.lo += b.lo
			out.hi += b.hi
			out.ok = true
		}
	}
	return out
}

// events bounds the number of events of group g in the window.
func (m scenarioModel) events(g string, t, w int) bounds {
	return m.sum(g, t, w, func(s testSeries) bool { return s.inTotal })
}

// errorRatio bounds the error ratio of group g over the window; ok is false
// when the window certainly holds no event (the ratio must be absent) and
// undecided is true when it may or may not hold one.
func (m scenarioModel) errorRatio(g string, t, w int) (r bounds, undecided bool) {
	total := m.events(g, t, w)
	if !total.ok || total.hi == 0 {
		return bounds{}, false
	}
	if total.lo == 0 {
		return bounds{}, true
	}
	part := m.sum(g, t, w, func(s testSeries) bool { return s.inPart })
	// A part series without a rate counts 0: the rules fill it in.
	lo, hi := part.lo/total.hi, math.Min(1, part.hi/total.lo)
	if !m.partIsBad {
		lo, hi = 1-hi, 1-lo
	}
	return bounds{lo: math.Max(0, lo), hi: math.Min(1, hi), ok: true}, false
}

// decision is the model's verdict on one alert condition.
type decision int

const (
	undecided decision = iota
	fires
	silent
)

// burnDecision says whether the window pair bw fires for group g at minute
// t, as the in-process processor decides it: burn rate over both windows
// above the factor, and at least MinEvents events in the long window.
func (m scenarioModel) burnDecision(g string, t int, bw slo.BurnWindow) decision {
	long, short := minutes(bw.Long), minutes(bw.Short)
	limit := bw.Factor * (1 - m.slo.Objective)
	const eps = 1e-9
	lr, lu := m.errorRatio(g, t, long)
	sr, su := m.errorRatio(g, t, short)
	ev := m.events(g, t, long)
	guardFires, guardSilent := true, false
	if m.slo.MinEvents > 0 {
		guardFires = ev.ok && ev.lo >= m.slo.MinEvents*(1+eps)
		guardSilent = !ev.ok || ev.hi < m.slo.MinEvents*(1-eps)
	}
	// One certainly failing condition silences the pair, whatever the others.
	below := func(r bounds, unsure bool) bool { return !unsure && (!r.ok || r.hi < limit*(1-eps)) }
	above := func(r bounds, unsure bool) bool { return !unsure && r.ok && r.lo > limit*(1+eps) }
	switch {
	case guardSilent || below(lr, lu) || below(sr, su):
		return silent
	case guardFires && above(lr, lu) && above(sr, su):
		return fires
	}
	return undecided
}

// steadyBurnDecision is burnDecision at t and at the minute before agreeing:
// the verdict must not hang on the evaluation step the alert reads.
func (m scenarioModel) steadyBurnDecision(g string, t int, bw slo.BurnWindow) decision {
	d := m.burnDecision(g, t, bw)
	if t > 0 && m.burnDecision(g, t-1, bw) != d {
		return undecided
	}
	return d
}

func minutes(d time.Duration) int { return int(math.Round(d.Minutes())) }
