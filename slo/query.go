package slo

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// QueryKind says what a PromQL query of an SLI measures over a window, and
// so how it becomes a number of events.
type QueryKind int

const (
	// QueryUnknown is a query that has not been classified.
	QueryUnknown QueryKind = iota
	// QueryCount is a number of events over the window:
	// increase(x[{{.window}}]), summed.
	QueryCount
	// QueryRate is a per-second rate over the window:
	// rate(x[{{.window}}]), summed. Its count over the window w is the
	// rate times w in seconds, which Prometheus computes exactly so:
	// increase(x[w]) is rate(x[w]) * w.
	QueryRate
)

// String names the kind as messages do.
func (k QueryKind) String() string {
	switch k {
	case QueryCount:
		return "a count over the window"
	case QueryRate:
		return "a per-second rate over the window"
	}
	return "unclassified"
}

// Query is one PromQL query of an SLI, with the {{.window}} placeholder,
// and what it measures.
type Query struct {
	Expr string
	Kind QueryKind
}

// probeWindow fills the placeholder when a query is classified: a span no
// author writes, so that a range of exactly this long is the window.
const probeWindow = 4_242 * time.Second

// ClassifyQuery reads expr, a PromQL query with the {{.window}}
// placeholder, and says what it measures: a count of events over the
// window (increase), or a per-second rate over it (rate). Either may be
// summed, aggregated with sum by/without, combined with + and - with
// queries of the same kind, scaled by a number, or followed by
// "or vector(0)". Anything else is refused, with the reason: a gauge, an
// irate() (the rate between the last two samples, not over the window), a
// range other than the window, a bare counter (its value since it started,
// not a count over the window).
func ClassifyQuery(expr string) (Query, error) {
	filled, err := fillWindow(expr, model.Duration(probeWindow).String())
	if err != nil {
		return Query{}, err
	}
	e, err := parser.NewParser(parser.Options{}).ParseExpr(filled)
	if err != nil {
		return Query{}, fmt.Errorf("not valid PromQL: %v", err)
	}
	k, err := classify(e)
	if err != nil {
		return Query{}, err
	}
	return Query{Expr: expr, Kind: k}, nil
}

// Count renders the query as a number of events over window, given in
// PromQL's duration syntax ("5m", "30d").
func (q Query) Count(window string) (string, error) {
	filled, err := fillWindow(q.Expr, window)
	if err != nil {
		return "", err
	}
	switch q.Kind {
	case QueryCount:
		return filled, nil
	case QueryRate:
		d, err := model.ParseDuration(window)
		if err != nil {
			return "", fmt.Errorf("window %q: %v", window, err)
		}
		secs := strconv.FormatFloat(time.Duration(d).Seconds(), 'g', -1, 64)
		return "(" + filled + ") * " + secs, nil
	}
	return "", fmt.Errorf("query %q is not classified: use ClassifyQuery", q.Expr)
}

// fillWindow replaces the {{.window}} placeholder (also written
// {{.Window}}) by window.
func fillWindow(expr, window string) (string, error) {
	t, err := template.New("q").Option("missingkey=error").Parse(expr)
	if err != nil {
		return "", fmt.Errorf("invalid query template: %v", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, map[string]string{"window": window, "Window": window}); err != nil {
		return "", fmt.Errorf("invalid query template: %v (the only field is {{.window}})", err)
	}
	return b.String(), nil
}

func classify(e parser.Expr) (QueryKind, error) {
	switch n := e.(type) {
	case *parser.ParenExpr:
		return classify(n.Expr)
	case *parser.AggregateExpr:
		if n.Op != parser.SUM {
			return 0, fmt.Errorf("%s() of events is not a number of events: sum them", n.Op)
		}
		return classify(n.Expr)
	case *parser.Call:
		switch n.Func.Name {
		case "increase", "rate":
			m, ok := n.Args[0].(*parser.MatrixSelector)
			if !ok {
				return 0, fmt.Errorf("%s() over a subquery is not supported: give it a range selector, x[{{.window}}]", n.Func.Name)
			}
			if m.Range != probeWindow {
				return 0, fmt.Errorf("the range of %s() is %s, not the window: write %s(x[{{.window}}])", n.Func.Name, model.Duration(m.Range), n.Func.Name)
			}
			if n.Func.Name == "rate" {
				return QueryRate, nil
			}
			return QueryCount, nil
		case "irate":
			return 0, errors.New("irate() is the rate between the last two samples, not over the window: write rate(x[{{.window}}]) or increase(x[{{.window}}])")
		case "vector":
			return 0, errors.New("vector() is a constant, not events")
		}
		return 0, fmt.Errorf("%s() is not a count or a rate of events over the window: use increase(x[{{.window}}]) or rate(x[{{.window}}])", n.Func.Name)
	case *parser.BinaryExpr:
		if n.Op == parser.LOR && isZeroVector(n.RHS) {
			return classify(n.LHS)
		}
		switch n.Op {
		case parser.ADD, parser.SUB:
			l, err := classify(n.LHS)
			if err != nil {
				return 0, err
			}
			r, err := classify(n.RHS)
			if err != nil {
				return 0, err
			}
			if l != r {
				return 0, fmt.Errorf("%s %s %s: both sides must be counts, or both rates", l, n.Op, r)
			}
			return l, nil
		case parser.MUL, parser.DIV:
			if isNumber(n.RHS) {
				return classify(n.LHS)
			}
			if n.Op == parser.MUL && isNumber(n.LHS) {
				return classify(n.RHS)
			}
			return 0, fmt.Errorf("%s between two queries is not a number of events (an SLI gives good or bad, and total, as separate queries)", n.Op)
		}
		return 0, fmt.Errorf("the operator %s does not give a number of events", n.Op)
	case *parser.VectorSelector:
		return 0, fmt.Errorf("the bare selector %s is a counter's value since it started, not a number of events over the window: write increase(%s[{{.window}}])", n.String(), n.String())
	case *parser.NumberLiteral:
		return 0, errors.New("a number is not a count of events")
	}
	return 0, fmt.Errorf("%s is not a count or a rate of events over the window: use increase(x[{{.window}}]) or rate(x[{{.window}}])", e.String())
}

func isNumber(e parser.Expr) bool {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			break
		}
		e = p.Expr
	}
	_, ok := e.(*parser.NumberLiteral)
	return ok
}

func isZeroVector(e parser.Expr) bool {
	c, ok := e.(*parser.Call)
	if !ok || c.Func.Name != "vector" || len(c.Args) != 1 {
		return false
	}
	n, ok := c.Args[0].(*parser.NumberLiteral)
	return ok && n.Val == 0
}
