package foreign

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Selector parses expr as one Prometheus series selector, such as
// http_requests_total{job="api",code=~"5.."}: what Pyrra and slo-generator
// give for a counter.
func Selector(expr string) (*parser.VectorSelector, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(strings.TrimSpace(expr))
	if err != nil {
		return nil, fmt.Errorf("%q is not valid PromQL: %v", expr, err)
	}
	vs, ok := e.(*parser.VectorSelector)
	if !ok {
		return nil, fmt.Errorf("%q is not a series selector such as http_requests_total{code=~\"5..\"}", expr)
	}
	if vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 {
		return nil, fmt.Errorf("%q: offset and @ are not supported: the window ends at the evaluation time", expr)
	}
	return vs, nil
}

// WithMatcher returns vs with name=value added, replacing any matcher on
// name.
func WithMatcher(vs *parser.VectorSelector, name, value string) *parser.VectorSelector {
	out := *vs
	out.LabelMatchers = nil
	for _, m := range vs.LabelMatchers {
		if m.Name != name {
			out.LabelMatchers = append(out.LabelMatchers, m)
		}
	}
	out.LabelMatchers = append(out.LabelMatchers, labels.MustNewMatcher(labels.MatchEqual, name, value))
	return &out
}

// Increase is the number of events a counter selector counts over the
// window: sum(increase(sel[{{.window}}])), summed by the grouping labels.
func Increase(vs *parser.VectorSelector, grouping []string) string {
	by := ""
	if len(grouping) > 0 {
		by = " by (" + strings.Join(grouping, ", ") + ")"
	}
	return "sum" + by + "(increase(" + vs.String() + "[{{.window}}]))"
}
