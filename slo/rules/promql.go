package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sloguard/sloguard/slo/internal/promql"
)

// equalSelector selects metric by the exact label set labels, keys sorted.
func equalSelector(metric string, labels map[string]string) promql.Selector {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := promql.Selector{Metric: metric}
	for _, k := range keys {
		s.Matchers = append(s.Matchers, promql.Matcher{Label: k, Op: "=", Value: labels[k]})
	}
	return s
}

// sumBy aggregates expr keeping only the grouping labels.
func sumBy(grouping []string, expr string) string {
	if len(grouping) == 0 {
		return "sum(" + expr + ")"
	}
	return "sum by (" + strings.Join(grouping, ", ") + ") (" + expr + ")"
}

// number prints a float as a PromQL literal, to 12 significant digits so
// that 1 - 0.999 is written 0.001 and not 0.0010000000000000009.
func number(v float64) string {
	return strconv.FormatFloat(v, 'g', 12, 64)
}

// percent prints a fraction as a percentage for annotations: 0.999 is "99.9".
func percent(v float64) string {
	return strconv.FormatFloat(v*100, 'g', 10, 64)
}

// checkLabelName reports why name cannot be a label of a generated series.
func checkLabelName(name string) error {
	switch {
	case !promql.IsLabelName(name):
		return fmt.Errorf("%q is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)", name)
	case strings.HasPrefix(name, "__"):
		return fmt.Errorf("%q is reserved: names starting with __ belong to Prometheus", name)
	}
	return nil
}
