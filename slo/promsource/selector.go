package promsource

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Matcher is one PromQL label matcher, such as region="eu".
type Matcher struct {
	Label string
	// Op is one of =, !=, =~ and !~.
	Op    string
	Value string // unquoted
}

// String prints m as PromQL: region="eu".
func (m Matcher) String() string { return m.Label + m.Op + strconv.Quote(m.Value) }

var (
	labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	matcherRE   = regexp.MustCompile(`^\s*([^\s=!~]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$`)
)

// ParseMatcher reads one label matcher written as in PromQL: label, an
// operator (=, !=, =~, !~) and a double-quoted value, as in region="eu" or
// cluster=~"eu-.*".
func ParseMatcher(s string) (Matcher, error) {
	m := matcherRE.FindStringSubmatch(s)
	if m == nil {
		return Matcher{}, fmt.Errorf("label matcher %q: want label, an operator (=, !=, =~ or !~) and a quoted value, like region=\"eu\"", s)
	}
	label, op, quoted := m[1], m[2], m[3]
	if !labelNameRE.MatchString(label) {
		return Matcher{}, fmt.Errorf("label matcher %q: %q is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)", s, label)
	}
	if strings.HasPrefix(label, "__") || label == "le" {
		return Matcher{}, fmt.Errorf("label matcher %q: label %q is not one an SLI query may filter on (the metric name, internal labels and le are the queries' own)", s, label)
	}
	if len(quoted) < 2 || quoted[0] != '"' || quoted[len(quoted)-1] != '"' {
		return Matcher{}, fmt.Errorf("label matcher %q: the value %s must be in double quotes, like %s%s\"eu\"", s, quoted, label, op)
	}
	value, err := strconv.Unquote(quoted)
	if err != nil {
		return Matcher{}, fmt.Errorf("label matcher %q: value %s is not a valid quoted string: %w", s, quoted, err)
	}
	if op == "=~" || op == "!~" {
		// PromQL regexes are RE2, anchored at both ends.
		if _, err := regexp.Compile("^(?:" + value + ")$"); err != nil {
			return Matcher{}, fmt.Errorf("label matcher %q: %q is not a valid regular expression: %w", s, value, err)
		}
	}
	return Matcher{Label: label, Op: op, Value: value}, nil
}

// oneOf matches label against any of values: equality for one value, an
// anchored alternation of the literal values otherwise (PromQL regexes are
// anchored at both ends).
func oneOf(label string, values []string) Matcher {
	if len(values) == 1 {
		return Matcher{Label: label, Op: "=", Value: values[0]}
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return Matcher{Label: label, Op: "=~", Value: strings.Join(quoted, "|")}
}

// selector is a metric name with matchers, printed as PromQL.
type selector struct {
	metric   string
	matchers []Matcher
}

func (s selector) with(ms ...Matcher) selector {
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

// bucketMatcher selects the bucket of a classic histogram whose upper bound
// is bound. Prometheus 3 stores le values in the OpenMetrics form ("1.0",
// "0.4") whatever the exposition format; Prometheus 2 kept the exporter's
// text form ("1"). The two differ only for whole numbers, where the matcher
// accepts both.
func bucketMatcher(bound float64) Matcher {
	om := openMetricsFloat(bound)
	text := strconv.FormatFloat(bound, 'g', -1, 64)
	if om == text {
		return Matcher{Label: "le", Op: "=", Value: om}
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
