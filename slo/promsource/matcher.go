package promsource

import (
	"github.com/sloguard/sloguard/slo/internal/promql"
)

// Matcher is one PromQL label matcher, such as region="eu"; String prints
// it as PromQL.
type Matcher = promql.Matcher

// ParseMatcher reads one label matcher written as in PromQL: label, an
// operator (=, !=, =~, !~) and a double-quoted value, as in region="eu" or
// cluster=~"eu-.*".
func ParseMatcher(s string) (Matcher, error) { return promql.ParseMatcher(s) }
