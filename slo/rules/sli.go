package rules

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/internal/promql"
)

// sliQueries are the PromQL expressions of one SLI, as functions of a
// window in PromQL's duration syntax ("5m").
type sliQueries struct {
	// errorRatio is bad/total over the window; absent (never NaN) when the
	// window holds no event.
	errorRatio func(window string) string
	// events is the number of events in the window.
	events func(window string) string
	// absent is an expression that returns a series when the SLI's metric is
	// gone, and absentWhat what is gone, for the annotation.
	absent     func(window string) string
	absentWhat func(window string) string
}

func (g *generator) sliQueries(s slo.SLO) (sliQueries, error) {
	if s.SLI.PromQL != nil {
		return promQLQueries(*s.SLI.PromQL)
	}
	r, err := promql.SLISelectors(s.SLI, promql.Series{
		HTTPDuration: g.cfg.names.HTTPDuration,
		Counters:     g.cfg.names.Counters,
		LatencyBound: g.bucketBound,
	}, g.matchers)
	if err != nil {
		return sliQueries{}, err
	}
	return g.ratioQueries(r.Total, r.Part, r.PartIsBad), nil
}

// ratioQueries builds the queries of an SLI read from two counters (or
// histogram series) of the same metric: all events, and the bad or the good
// ones among them.
func (g *generator) ratioQueries(total, part promql.Selector, partIsBad bool) sliQueries {
	rate := func(s promql.Selector, w string) string {
		return sumBy(g.grouping, "rate("+s.String()+"["+w+"])")
	}
	return sliQueries{
		errorRatio: func(w string) string {
			if partIsBad {
				return badRatio(rate(part, w), rate(total, w))
			}
			return goodRatio(rate(part, w), rate(total, w))
		},
		events: func(w string) string {
			return sumBy(g.grouping, "increase("+total.String()+"["+w+"])")
		},
		absent:     func(string) string { return "absent(" + total.String() + ")" },
		absentWhat: func(string) string { return total.String() },
	}
}

// badRatio divides bad by total events. A series of bad events appears only
// with the first bad event (OTel creates series on first use), so a missing
// bad count is 0 where there are events; "total > 0" drops the windows
// without events instead of dividing 0 by 0.
func badRatio(bad, total string) string {
	return fmt.Sprintf("(%s or 0 * %s) / (%s > 0)", bad, total, total)
}

// goodRatio is 1 - good/total, with the same care as badRatio.
func goodRatio(good, total string) string {
	return fmt.Sprintf("1 - (%s or 0 * %s) / (%s > 0)", good, total, total)
}

// bucketBound returns the bucket boundary (seconds) equal to a latency
// threshold: the rules read the histogram the service records, whose
// buckets may be others than the instrumentation's (WithLatencyBuckets).
func (g *generator) bucketBound(threshold time.Duration) (float64, error) {
	for _, b := range g.cfg.buckets {
		// At nanosecond precision, as the spec validator compares them.
		if time.Duration(math.Round(b*float64(time.Second))) == threshold {
			return b, nil
		}
	}
	bounds := make([]string, len(g.cfg.buckets))
	for i, b := range g.cfg.buckets {
		bounds[i] = number(b)
	}
	return 0, fmt.Errorf("sli: latency threshold %ss is not a bucket boundary of %s (%s): a histogram cannot tell which requests finished within it",
		number(threshold.Seconds()), g.cfg.names.HTTPDuration, strings.Join(bounds, " "))
}

// promQLQueries builds the queries of an SLI given as PromQL counts of
// events over {{.window}}. The grouping labels are the queries' business.
func promQLQueries(p slo.PromQL) (sliQueries, error) {
	q, err := promql.ParsePromQL(p)
	if err != nil {
		return sliQueries{}, err
	}
	// Parsing filled both queries already, and a window is their only data,
	// so filling them again cannot fail on a missing key.
	total := func(w string) string { s, _ := q.Total.Fill(w); return s }
	part := func(w string) string { s, _ := q.Part.Fill(w); return s }
	return sliQueries{
		errorRatio: func(w string) string {
			if q.PartIsBad {
				return badRatio("("+part(w)+")", "("+total(w)+")")
			}
			return goodRatio("("+part(w)+")", "("+total(w)+")")
		},
		events:     total,
		absent:     func(w string) string { return "absent(" + total(w) + ")" },
		absentWhat: total,
	}, nil
}
