package promql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var matcherRE = regexp.MustCompile(`^\s*([^\s=!~]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$`)

// ParseMatcher reads one label matcher written as in PromQL: label, an
// operator (=, !=, =~, !~) and a double-quoted value, as in region="eu" or
// cluster=~"eu-.*".
func ParseMatcher(s string) (Matcher, error) {
	m := matcherRE.FindStringSubmatch(s)
	if m == nil {
		return Matcher{}, fmt.Errorf("label matcher %q: want label, an operator (=, !=, =~ or !~) and a quoted value, like region=\"eu\"", s)
	}
	label, op, quoted := m[1], m[2], m[3]
	if !IsLabelName(label) {
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
