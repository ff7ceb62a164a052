package promsource

import (
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/internal/promql"
)

// durationSeries is the exporter's name for otelhttp's histogram, whose
// _count and _bucket series the derived queries read.
var durationSeries = promql.HTTPDuration()

// Queries are the PromQL instant queries that count the events of an SLO
// over one window. Total counts all events; exactly one of Good and Bad
// counts the good or the bad ones among them.
type Queries struct {
	Total string
	Good  string
	Bad   string
}

// Queries returns the queries that count the events of s over window
// (rendered in PromQL's duration syntax, to the millisecond), with the
// source's matchers added to every derived selector.
func (src *Source) Queries(s slo.SLO, window time.Duration) (Queries, error) {
	return countQueries(s.SLI, promDuration(window), src.cfg.matchers)
}

// promDuration renders d as a PromQL duration, to the millisecond.
func promDuration(d time.Duration) string {
	return slo.WindowName(d.Round(time.Millisecond))
}

// countQueries builds the queries of sli over the window w (a PromQL
// duration). The selectors are the ones the rules package records rates
// of, so the source and the rules read the same series.
func countQueries(sli slo.SLI, w string, extra []Matcher) (Queries, error) {
	if sli.PromQL != nil {
		return promQLQueries(*sli.PromQL, w)
	}
	r, err := promql.SLISelectors(sli, promql.Series{HTTPDuration: durationSeries}, extra)
	if err != nil {
		return Queries{}, err
	}
	increase := func(s promql.Selector) string {
		return "sum(increase(" + s.String() + "[" + w + "]))"
	}
	q := Queries{Total: increase(r.Total)}
	if r.PartIsBad {
		q.Bad = increase(r.Part)
	} else {
		q.Good = increase(r.Part)
	}
	return q, nil
}

// promQLQueries fills the {{.window}} placeholder of an SLI's own queries.
func promQLQueries(p slo.PromQL, w string) (Queries, error) {
	wq, err := promql.ParsePromQL(p)
	if err != nil {
		return Queries{}, err
	}
	var q Queries
	if q.Total, err = wq.Total.Fill(w); err != nil {
		return Queries{}, err
	}
	part := &q.Good
	if wq.PartIsBad {
		part = &q.Bad
	}
	if *part, err = wq.Part.Fill(w); err != nil {
		return Queries{}, err
	}
	return q, nil
}
