package promql

import (
	"errors"
	"fmt"

	"github.com/sloguard/sloguard/slo"
)

// WindowQuery is a PromQL query with a {{.window}} placeholder, as an SLI
// given as PromQL writes its counts or rates, classified (see
// slo.ClassifyQuery) so that Fill always gives a number of events.
type WindowQuery struct {
	field string
	q     slo.Query
}

// ParseWindowQuery parses query, the SLI's field (total, good or bad). It
// refuses a query that does not use the placeholder, since every window
// would then get the same count, and placeholders other than .window.
func ParseWindowQuery(field, query string) (*WindowQuery, error) {
	// Two windows must give two queries, or every window would read the same.
	a, err := slo.Query{Expr: query, Kind: slo.QueryCount}.Count("5m")
	if err != nil {
		return nil, fmt.Errorf("sli: promql: %s: %w", field, err)
	}
	if b, _ := (slo.Query{Expr: query, Kind: slo.QueryCount}).Count("1h"); a == b {
		return nil, fmt.Errorf("sli: promql: %s: %q does not use the {{.window}} placeholder: every window would get the same count", field, query)
	}
	sq, err := slo.ClassifyQuery(query)
	if err != nil {
		return nil, fmt.Errorf("sli: promql: %s: %q: %w", field, query, err)
	}
	return &WindowQuery{field: field, q: sq}, nil
}

// Fill returns the number of events over window, in PromQL's duration
// syntax ("5m"): the query with the placeholder replaced, a rate
// multiplied by the window's seconds.
func (q *WindowQuery) Fill(window string) (string, error) {
	s, err := q.q.Count(window)
	if err != nil {
		return "", fmt.Errorf("sli: promql: %s: %w", q.field, err)
	}
	return s, nil
}

// WindowQueries are the queries of an SLI given as PromQL: all its events,
// and the good or the bad ones among them.
type WindowQueries struct {
	Total *WindowQuery
	Part  *WindowQuery
	// PartIsBad says Part counts the bad events; otherwise the good ones.
	PartIsBad bool
}

// ParsePromQL parses the queries of an SLI given as PromQL: a total and
// exactly one of good and bad.
func ParsePromQL(p slo.PromQL) (WindowQueries, error) {
	if p.Total == "" {
		return WindowQueries{}, errors.New("sli: promql: total is not set")
	}
	switch {
	case p.Good != "" && p.Bad != "":
		return WindowQueries{}, errors.New("sli: promql: both good and bad are set; set one")
	case p.Good == "" && p.Bad == "":
		return WindowQueries{}, errors.New("sli: promql: neither good nor bad is set; set one")
	}
	total, err := ParseWindowQuery("total", p.Total)
	if err != nil {
		return WindowQueries{}, err
	}
	q := WindowQueries{Total: total, PartIsBad: p.Bad != ""}
	field, query := "good", p.Good
	if q.PartIsBad {
		field, query = "bad", p.Bad
	}
	if q.Part, err = ParseWindowQuery(field, query); err != nil {
		return WindowQueries{}, err
	}
	return q, nil
}
