package promql

import (
	"errors"
	"fmt"
	"strings"
	"text/template"

	"github.com/sloguard/sloguard/slo"
)

// WindowQuery is a PromQL query with a {{.window}} placeholder, as an SLI
// given as PromQL writes its counts.
type WindowQuery struct {
	field string
	t     *template.Template
}

// ParseWindowQuery parses query, the SLI's field (total, good or bad). It
// refuses a query that does not use the placeholder, since every window
// would then get the same count, and placeholders other than .window.
func ParseWindowQuery(field, query string) (*WindowQuery, error) {
	t, err := template.New(field).Option("missingkey=error").Parse(query)
	if err != nil {
		return nil, fmt.Errorf("sli: promql: %s: %w", field, err)
	}
	q := &WindowQuery{field: field, t: t}
	// Two windows must give two queries, or every window would read the same.
	a, err := q.Fill("5m")
	if err != nil {
		return nil, err
	}
	if b, _ := q.Fill("1h"); a == b {
		return nil, fmt.Errorf("sli: promql: %s: %q does not use the {{.window}} placeholder: every window would get the same count", field, query)
	}
	return q, nil
}

// Fill returns the query with the placeholder replaced by window, in
// PromQL's duration syntax ("5m").
func (q *WindowQuery) Fill(window string) (string, error) {
	var b strings.Builder
	if err := q.t.Execute(&b, map[string]string{"window": window}); err != nil {
		return "", fmt.Errorf("sli: promql: %s: %w", q.field, err)
	}
	return b.String(), nil
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
