package promql

import (
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

// OneOf matches label against any of values: equality for one value, an
// anchored alternation of the literal values otherwise (PromQL regexes are
// anchored at both ends).
func OneOf(label string, values []string) Matcher {
	if len(values) == 1 {
		return Matcher{Label: label, Op: "=", Value: values[0]}
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return Matcher{Label: label, Op: "=~", Value: strings.Join(quoted, "|")}
}

// Selector is a metric name with matchers, printed as PromQL.
type Selector struct {
	Metric   string
	Matchers []Matcher
}

// With returns s with ms added after its matchers. s is left as it is, so
// one selector may be the base of several.
func (s Selector) With(ms ...Matcher) Selector {
	return Selector{Metric: s.Metric, Matchers: append(slices.Clip(s.Matchers), ms...)}
}

// String prints s as PromQL: the bare metric name without matchers,
// metric{a="b",c=~"d|e"} with them, in their order.
func (s Selector) String() string {
	if len(s.Matchers) == 0 {
		return s.Metric
	}
	parts := make([]string, len(s.Matchers))
	for i, m := range s.Matchers {
		parts[i] = m.String()
	}
	return s.Metric + "{" + strings.Join(parts, ",") + "}"
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// IsLabelName reports whether name has the form of a Prometheus label name,
// [a-zA-Z_][a-zA-Z0-9_]*.
func IsLabelName(name string) bool { return labelNameRE.MatchString(name) }
