package promql

import (
	"regexp"
	"testing"
)

func TestOneOfMatchesExactlyTheValuesGiven(t *testing.T) {
	tests := []struct {
		name    string
		values  []string
		want    string
		matches []string
		misses  []string
	}{
		{
			name:    "one value is an equality",
			values:  []string{"/api/items"},
			want:    `http_route="/api/items"`,
			matches: []string{"/api/items"},
			misses:  []string{"/api/items/1", "/api"},
		},
		{
			name:    "several values are an alternation",
			values:  []string{"GET", "POST"},
			want:    `http_route=~"GET|POST"`,
			matches: []string{"GET", "POST"},
			misses:  []string{"GETPOST", "PUT", "GET|POST"},
		},
		{
			name:    "regex characters in values are literal",
			values:  []string{"/a.b", "/c+{id}"},
			want:    `http_route=~"/a\\.b|/c\\+\\{id\\}"`,
			matches: []string{"/a.b", "/c+{id}"},
			misses:  []string{"/axb", "/cc{id}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := OneOf("http_route", tt.values)
			if got := m.String(); got != tt.want {
				t.Errorf("OneOf(%q) = %s, want %s", tt.values, got, tt.want)
			}
			matches := func(s string) bool { return s == m.Value }
			if m.Op == "=~" {
				matches = regexp.MustCompile("^(?:" + m.Value + ")$").MatchString // PromQL anchors regexes
			}
			for _, v := range tt.matches {
				if !matches(v) {
					t.Errorf("%s does not match %q", m, v)
				}
			}
			for _, v := range tt.misses {
				if matches(v) {
					t.Errorf("%s matches %q", m, v)
				}
			}
		})
	}
}

func TestSelectorPrintsAsPromQL(t *testing.T) {
	tests := []struct {
		name string
		sel  Selector
		want string
	}{
		{"a bare metric has no braces", Selector{Metric: "up"}, "up"},
		{
			"matchers keep their order",
			Selector{Metric: "jobs_total", Matchers: []Matcher{{"z", "=", "1"}, {"a", "!~", "x.*"}}},
			`jobs_total{z="1",a!~"x.*"}`,
		},
		{
			"values are quoted and escaped",
			Selector{Metric: "m", Matchers: []Matcher{{"team", "!=", `a "b" \ c`}}},
			`m{team!="a \"b\" \\ c"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sel.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestSelectorWithLeavesItsBaseAlone derives two selectors from one base
// whose matcher slice has spare capacity: an append that wrote into the
// base's array would make the first derived selector print the second's
// matcher.
func TestSelectorWithLeavesItsBaseAlone(t *testing.T) {
	matchers := make([]Matcher, 1, 4)
	matchers[0] = Matcher{"region", "=", "eu"}
	base := Selector{Metric: "m", Matchers: matchers}
	bad := base.With(Matcher{"outcome", "=", "failure"})
	good := base.With(Matcher{"outcome", "=", "success"})
	for _, tt := range []struct {
		name string
		sel  Selector
		want string
	}{
		{"the base", base, `m{region="eu"}`},
		{"the first derived", bad, `m{region="eu",outcome="failure"}`},
		{"the second derived", good, `m{region="eu",outcome="success"}`},
	} {
		if got := tt.sel.String(); got != tt.want {
			t.Errorf("%s selector is %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestIsLabelNameFollowsPrometheusSyntax(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"a plain name", "cluster", true},
		{"underscores and digits", "_k8s_cluster2", true},
		{"a leading digit", "2xx", false},
		{"a dot", "k8s.cluster", false},
		{"a dash", "my-label", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsLabelName(tt.in); got != tt.want {
				t.Errorf("IsLabelName(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
