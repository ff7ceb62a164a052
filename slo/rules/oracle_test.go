package rules_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// This file is the test's own model of what the rules must compute: SLO
// math on the synthetic series fed to promtool, with bounds wide enough to
// hold whatever Prometheus' rate() extrapolation gives. It shares nothing
// with the code under test but the SLO model (slo.AlertWindows and
// slo.FloorAlertWindows) and the alert names.

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
	if x, ok := m.proportionalShare(g); ok {
		// Extrapolation stretches every series by the same factor.
		lo, hi = x, x
	}
	if !m.partIsBad {
		lo, hi = 1-hi, 1-lo
	}
	return bounds{lo: math.Max(0, lo), hi: math.Min(1, hi), ok: true}, false
}

// proportionalShare reports whether every series of group g is sampled at
// the same minutes, each a fixed multiple of the others: rate()
// extrapolation then stretches them all alike, and the share of the part
// series in the total is exact, whatever the window.
func (m scenarioModel) proportionalShare(g string) (float64, bool) {
	var ref []float64
	var part, total float64
	for _, s := range m.series {
		if s.group != g {
			continue
		}
		if ref == nil {
			ref = s.vals
		}
		k := math.NaN()
		for i, v := range s.vals {
			if math.IsNaN(v) != math.IsNaN(ref[i]) {
				return 0, false
			}
			if math.IsNaN(v) || ref[i] == 0 {
				continue
			}
			if math.IsNaN(k) {
				k = v / ref[i]
			} else if math.Abs(v/ref[i]-k) > 1e-12*k {
				return 0, false
			}
		}
		if s.inTotal {
			total += k
		}
		if s.inPart {
			part += k
		}
	}
	if ref == nil || !(total > 0) {
		return 0, false
	}
	return part / total, true
}

// decision is the model's verdict on one alert condition.
type decision int

const (
	undecided decision = iota
	fires
	silent
)

// alertCond is one alert's condition as the processor decides it: the error
// ratio over every one of windows (minutes) above limit, and at least
// MinEvents events over the guard window.
type alertCond struct {
	name, severity string
	tier           *slo.BurnWindow // the window pair of a burn-rate alert
	windows        []int
	limit          float64
	guard          int
	// value is what the rule's expression returns while it fires, from the
	// error ratio over windows[0]: the figure its annotations show.
	value func(ratio float64) float64
}

// conditions are the alerts the processor raises for m's SLO (slo.Alerter):
// one per window pair, then breach (ratio over the window above the budget),
// burn per day (the last day's burn rate above 0.6, which is 2% of a 30-day
// budget a day) and consumed (more than half the budget spent).
func (m scenarioModel) conditions(tiers []slo.BurnWindow) []alertCond {
	budget := 1 - m.slo.Objective
	window := minutes(m.slo.Window)
	day := minutes(min(slo.Day, m.slo.Window))
	var out []alertCond
	for i := range tiers {
		bw := tiers[i]
		out = append(out, alertCond{
			name: rules.BurnAlert, severity: bw.Severity, tier: &bw,
			windows: []int{minutes(bw.Long), minutes(bw.Short)}, limit: bw.Factor * budget, guard: minutes(bw.Long),
			value: func(r float64) float64 { return r / budget },
		})
	}
	return append(out,
		alertCond{name: rules.BreachAlert, severity: "critical", windows: []int{window}, limit: budget, guard: window,
			value: func(r float64) float64 { return 100 * (1 - r) }},
		alertCond{name: rules.BurnDayAlert, severity: "warning", windows: []int{day}, limit: 0.6 * budget, guard: day,
			value: func(r float64) float64 { return r / budget * float64(slo.Day) / float64(m.slo.Window) * 100 }},
		alertCond{name: rules.ConsumedAlert, severity: "warning", windows: []int{window}, limit: 0.5 * budget, guard: window,
			value: func(r float64) float64 { return r / budget * 100 }},
	)
}

// decide says whether c fires for group g at minute t.
func (m scenarioModel) decide(g string, t int, c alertCond) decision {
	const eps = 1e-9
	ev := m.events(g, t, c.guard)
	guardFires, guardSilent := true, false
	if m.slo.MinEvents > 0 {
		guardFires = ev.ok && ev.lo >= m.slo.MinEvents*(1+eps)
		guardSilent = !ev.ok || ev.hi < m.slo.MinEvents*(1-eps)
	}
	// One certainly failing condition silences the alert, whatever the others.
	fire, silence := guardFires, guardSilent
	for _, w := range c.windows {
		r, unsure := m.errorRatio(g, t, w)
		silence = silence || (!unsure && (!r.ok || r.hi < c.limit*(1-eps)))
		fire = fire && !unsure && r.ok && r.lo > c.limit*(1+eps)
	}
	switch {
	case silence:
		return silent
	case fire:
		return fires
	}
	return undecided
}

// steadyDecision is decide at t and at the minute before agreeing: the
// verdict must not hang on the evaluation step the alert reads.
func (m scenarioModel) steadyDecision(g string, t int, c alertCond) decision {
	d := m.decide(g, t, c)
	if t > 0 && m.decide(g, t-1, c) != d {
		return undecided
	}
	return d
}

func minutes(d time.Duration) int { return int(math.Round(d.Minutes())) }
