package slo

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Severity says whether a Problem refuses the spec or only warns.
type Severity int

const (
	// SeverityError refuses the object it is about (the zero value).
	SeverityError Severity = iota
	// SeverityWarning is about something read in a way the author may not
	// expect (a label renamed, a field ignored); the spec still loads,
	// unless warnings are made errors (validate --strict).
	SeverityWarning
)

// String is "error" or "warning".
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Problem is one thing wrong with a spec. File and Line are set for specs
// read from a file; Field is a path such as slos[1].objective, in the
// names of the format the spec was read from.
type Problem struct {
	File     string
	Line     int
	Field    string
	Msg      string
	Severity Severity
}

// String formats the problem as file:line: field: what is wrong, leaving out
// the parts it does not have.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	} else if p.Line > 0 {
		b.WriteString("line " + strconv.Itoa(p.Line) + ": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	if p.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ValidationError lists every problem found in a spec, not just the first:
// the errors that refused it, and the warnings found beside them.
type ValidationError struct {
	Problems []Problem
}

// Error prints one problem per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Validate checks a spec built in code against the same rules Parse applies
// to files, with latency thresholds checked against boundaries (seconds; nil
// means DefaultBucketBoundaries). It returns nil or a *ValidationError.
// Nothing is defaulted: a zero Window or an empty Version is reported, except
// that an empty Version is taken as the current one.
func (s Spec) Validate(boundaries []float64) error {
	if ps := s.Problems(boundaries); len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// Problems lists what Validate finds, without file or line: the readers of
// spec formats place each at the line of the field it names.
func (s Spec) Problems(boundaries []float64) []Problem {
	if boundaries == nil {
		boundaries = defaultBucketBoundaries
	}
	return validateSpec(s, boundaries)
}

// Errors and Warnings split problems by severity.
func Errors(ps []Problem) []Problem { return bySeverity(ps, SeverityError) }

// Warnings returns the problems of ps that only warn.
func Warnings(ps []Problem) []Problem { return bySeverity(ps, SeverityWarning) }

func bySeverity(ps []Problem, s Severity) []Problem {
	var out []Problem
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

var (
	sloNameRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,62}$`)
	labelNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	metricNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_./-]{0,254}$`)
)

// reservedLabels are set by sloguard itself on alerts and rules.
var reservedLabels = []string{"alertname", "severity", "slo", "service", "long_window", "short_window"}

// ReservedLabels are the label names sloguard sets itself on alerts and
// rules, which an SLO's labels cannot use.
func ReservedLabels() []string { return slices.Clone(reservedLabels) }

// httpMethods are the method values otelhttp records (others become _OTHER).
var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "_OTHER"}

// validateSpec finds every problem of a decoded or hand-built spec. Field
// paths use the names of the file format.
func validateSpec(s Spec, boundaries []float64) []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if s.Version != "" && s.Version != Version {
		add("version", "unsupported version %q: this release reads %s", s.Version, Version)
	}
	if strings.TrimSpace(s.Service) == "" {
		add("service", "missing: name the service the SLOs are about")
	}
	if len(s.SLOs) == 0 {
		add("slos", "empty: a spec lists at least one SLO")
	}
	names := map[string]int{}
	for i, o := range s.SLOs {
		f := fmt.Sprintf("slos[%d]", i)
		switch {
		case o.Name == "":
			add(f+".name", "missing: every SLO needs a name")
		case !sloNameRE.MatchString(o.Name):
			add(f+".name", "%q is not a valid name: use up to 63 letters, digits, _, - and ., starting with a letter", o.Name)
		}
		if first, dup := names[o.Name]; dup && o.Name != "" {
			add(f+".name", "%q is already the name of slos[%d]: SLO names are unique", o.Name, first)
		} else {
			names[o.Name] = i
		}
		if !(o.Objective > 0 && o.Objective < 1) {
			add(f+".objective", "%s%% is not a percent between 0 and 100 (both excluded)", strconv.FormatFloat(o.Objective*100, 'g', -1, 64))
		}
		switch {
		case o.Calendar != nil:
			if err := o.Calendar.Valid(); err != nil {
				add(f+".calendar", "%v", err)
			} else if o.Window != o.Calendar.Longest() {
				add(f+".window", "%s: a calendar %s's window is its longest period, %s", formatDuration(o.Window), o.Calendar.Unit, WindowName(o.Calendar.Longest()))
			}
		case o.Window < MinWindow:
			add(f+".window", "%s is shorter than the shortest window, %s", formatDuration(o.Window), WindowName(MinWindow))
		case o.Window > MaxWindow:
			add(f+".window", "%s is longer than the longest window, %s", formatDuration(o.Window), WindowName(MaxWindow))
		}
		if math.IsNaN(o.MinEvents) || math.IsInf(o.MinEvents, 0) || o.MinEvents < 0 {
			add(f+".min_events", "must be a number of events, 0 or more, got %v", o.MinEvents)
		}
		validateAlertLabels(o.Labels, f+".labels", add)
		validateAlerting(o.Alerting, f, add)
		ps = append(ps, validateSLI(o.SLI, f+".sli", boundaries)...)
	}
	return ps
}

func validateSLI(s SLI, field string, boundaries []float64) []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	kf := field + "." + string(s.Kind)
	switch s.Kind {
	case KindAvailability, KindLatency:
		validateHTTPFilter(s, kf, add)
		if s.Kind == KindAvailability && s.Threshold != 0 {
			add(kf+".threshold", "only latency SLIs have a threshold")
		}
		if s.Kind == KindLatency {
			switch {
			case s.Threshold <= 0:
				add(kf+".threshold", "must be a positive duration like 400ms, got %s", formatDuration(s.Threshold))
			case !isBoundary(s.Threshold, boundaries):
				add(kf+".threshold", "%s is not a bucket boundary of the request duration histogram, so requests within it cannot be counted; boundaries: %s", formatDuration(s.Threshold), formatBoundaries(boundaries))
			}
		}
		if s.Metric != "" || len(s.Good) > 0 || len(s.Bad) > 0 || len(s.Total) > 0 {
			add(kf, "metric, good, bad and total belong to events SLIs")
		}
	case KindEvents:
		switch {
		case s.Metric == "":
			add(kf+".metric", "missing: the name of the counter whose points are the events, like webhook.deliveries")
		case !metricNameRE.MatchString(s.Metric):
			add(kf+".metric", "%q is not a valid instrument name: start with a letter, then letters, digits, _ . / or -, up to 255 characters", s.Metric)
		}
		switch {
		case len(s.Good) > 0 && len(s.Bad) > 0:
			add(kf, "gives both good and bad: give one, the other is total minus it")
		case len(s.Good) == 0 && len(s.Bad) == 0:
			add(kf, "gives neither good nor bad: say which points are good or which are bad, like bad: {outcome: [failure]}")
		}
		validateMatcher(s.Good, kf+".good", add)
		validateMatcher(s.Bad, kf+".bad", add)
		validateMatcher(s.Total, kf+".total", add)
		if len(s.Routes) > 0 || len(s.Methods) > 0 || s.Threshold != 0 {
			add(kf, "routes, methods and threshold belong to availability and latency SLIs")
		}
	case "":
		// An SLI defined by its Prometheus queries alone is valid: rules
		// and the Prometheus source evaluate it, the embedded engine not.
		if s.PromQL == nil {
			add(field, "names no SLI kind: give exactly one of %s", strings.Join(sliKinds, ", "))
		}
	default:
		add(field, "unknown SLI kind %q: use one of %s", s.Kind, strings.Join(sliKinds, ", "))
	}
	if s.PromQL != nil {
		pf := field + ".promql"
		switch {
		case s.PromQL.Good != "" && s.PromQL.Bad != "":
			add(pf, "gives both good and bad: give one, with total")
		case s.PromQL.Good == "" && s.PromQL.Bad == "":
			add(pf, "gives neither good nor bad: give one, with total")
		}
		if s.PromQL.Total == "" {
			add(pf+".total", "missing: the query counting all events")
		}
		for _, q := range []struct{ name, query string }{{"good", s.PromQL.Good}, {"bad", s.PromQL.Bad}, {"total", s.PromQL.Total}} {
			if q.query == "" {
				continue
			}
			if err := CheckQueryTemplate(q.query); err != nil {
				add(pf+"."+q.name, "%v", err)
			} else if _, err := ClassifyQuery(q.query); err != nil {
				add(pf+"."+q.name, "%q: %v", q.query, err)
			}
		}
	}
	return ps
}

func validateHTTPFilter(s SLI, field string, add func(string, string, ...any)) {
	seen := map[string]bool{}
	for i, r := range s.Routes {
		rf := fmt.Sprintf("%s.routes[%d]", field, i)
		switch {
		case strings.TrimSpace(r) == "":
			add(rf, "empty route: give a route template such as /api/items/{id}")
		case seen[r]:
			add(rf, "route %q is listed twice", r)
		}
		seen[r] = true
	}
	seen = map[string]bool{}
	for i, m := range s.Methods {
		mf := fmt.Sprintf("%s.methods[%d]", field, i)
		switch {
		case slices.Contains(httpMethods, m):
		case slices.Contains(httpMethods, strings.ToUpper(m)):
			add(mf, "write methods in upper case, as recorded: %s", strings.ToUpper(m))
		default:
			add(mf, "%q is not an HTTP method; known: %s", m, strings.Join(httpMethods, ", "))
		}
		if seen[m] {
			add(mf, "method %q is listed twice", m)
		}
		seen[m] = true
	}
}

func validateMatcher(m Matcher, field string, add func(string, string, ...any)) {
	for _, k := range sortedKeys(m) {
		f := field + "." + k
		if k == "" {
			add(field, "an attribute name is empty")
			continue
		}
		if len(m[k]) == 0 {
			add(f, "lists no values: a point matches when its %s is one of them", k)
		}
		seen := map[string]bool{}
		for _, v := range m[k] {
			if seen[v] {
				add(f, "value %q is listed twice", v)
			}
			seen[v] = true
		}
	}
}

// CheckQueryTemplate checks a PromQL query template: it must parse and use
// {{.window}}, or every window would get the same count.
func CheckQueryTemplate(q string) error {
	t, err := template.New("q").Option("missingkey=error").Parse(q)
	if err != nil {
		return fmt.Errorf("invalid query template: %v", err)
	}
	const probe = "PROBE_WINDOW"
	var b strings.Builder
	if err := t.Execute(&b, map[string]string{"window": probe, "Window": probe}); err != nil {
		return fmt.Errorf("invalid query template: %v (the only field is {{.window}})", err)
	}
	if !strings.Contains(b.String(), probe) {
		return fmt.Errorf("the query does not use {{.window}}: every window would get the same count")
	}
	return nil
}

// isBoundary reports whether d is one of boundaries (seconds), compared at
// nanosecond precision so that 0.4 and 400ms are equal.
func isBoundary(d time.Duration, boundaries []float64) bool {
	for _, b := range boundaries {
		if time.Duration(math.Round(b*float64(time.Second))) == d {
			return true
		}
	}
	return false
}

func formatBoundaries(boundaries []float64) string {
	parts := make([]string, len(boundaries))
	for i, b := range boundaries {
		parts[i] = time.Duration(math.Round(b * float64(time.Second))).String()
	}
	return strings.Join(parts, " ")
}

// formatDuration writes d in the units of spec files where it can (30d,
// 6h, 400ms) and as Go does otherwise.
func formatDuration(d time.Duration) string {
	if d > 0 && d%time.Millisecond == 0 {
		return WindowName(d)
	}
	return d.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
