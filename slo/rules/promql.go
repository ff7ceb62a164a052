package rules

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// matcher is one label matcher of a PromQL selector.
type matcher struct {
	label string
	op    string // "=" or "=~"
	value string // unquoted
}

func (m matcher) String() string { return m.label + m.op + strconv.Quote(m.value) }

// oneOf matches label against any of values: equality for one value, an
// anchored alternation of the literal values otherwise (PromQL regexes are
// anchored at both ends).
func oneOf(label string, values []string) matcher {
	if len(values) == 1 {
		return matcher{label: label, op: "=", value: values[0]}
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return matcher{label: label, op: "=~", value: strings.Join(quoted, "|")}
}

// selector is a metric name with matchers, printed as PromQL.
type selector struct {
	metric   string
	matchers []matcher
}

func (s selector) with(ms ...matcher) selector {
	return selector{metric: s.metric, matchers: append(slices.Clip(s.matchers), ms...)}
}

func (s selector) String() string {
	if len(s.matchers) == 0 {
		return s.metric
	}
	parts := make([]string, len(s.matchers))
	for i, m := range s.matchers {
		parts[i] = m.String()
	}
	return s.metric + "{" + strings.Join(parts, ",") + "}"
}

// equalSelector selects metric by the exact label set labels, keys sorted.
func equalSelector(metric string, labels map[string]string) selector {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := selector{metric: metric}
	for _, k := range keys {
		s.matchers = append(s.matchers, matcher{label: k, op: "=", value: labels[k]})
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

// bucketMatcher selects the bucket of a classic histogram whose upper bound
// is bound. Prometheus 3 stores le values in the OpenMetrics form ("1.0",
// "0.4") whatever the exposition format; Prometheus 2 kept the exporter's
// text form ("1"). The two differ only for whole numbers, where the matcher
// accepts both.
func bucketMatcher(bound float64) matcher {
	om := openMetricsFloat(bound)
	text := strconv.FormatFloat(bound, 'g', -1, 64)
	if om == text {
		return matcher{label: "le", op: "=", value: om}
	}
	return oneOf("le", []string{text, om})
}

// openMetricsFloat formats a float as OpenMetrics (and Prometheus 3's le
// normalisation) does: shortest form, with ".0" added to whole numbers.
func openMetricsFloat(f float64) string {
	switch {
	case math.IsInf(f, +1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, "e.") {
		s += ".0"
	}
	return s
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// checkLabelName reports why name cannot be a label of a generated series.
func checkLabelName(name string) error {
	switch {
	case !labelNameRE.MatchString(name):
		return fmt.Errorf("%q is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)", name)
	case strings.HasPrefix(name, "__"):
		return fmt.Errorf("%q is reserved: names starting with __ belong to Prometheus", name)
	}
	return nil
}
