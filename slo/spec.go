package slo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/httpmetrics"
	"gopkg.in/yaml.v3"
)

// DefaultMinEvents is the min_events of an SLO that names none: a burn-rate
// alert needs at least this many events in its long window, and the breach,
// burn-per-day and consumed alerts as many in the window they judge. With a
// 99.9% objective one bad event out of 100 (1%) stays under the 14.4× page
// threshold (1.44%), so a single failed request cannot page.
const DefaultMinEvents = 100

// The limits on an SLO window. Below a minute the samples of the processor
// (one a minute by default) cannot resolve the alert windows; above a year
// the embedded store would have to keep more history than it is sized for.
const (
	MinWindow = time.Minute
	MaxWindow = 365 * Day
)

// defaultBucketBoundaries are the explicit bucket boundaries (seconds) of the
// HTTP server duration histogram the instrumentation records: a latency SLI
// can only count requests at a boundary exactly.
var defaultBucketBoundaries = httpmetrics.BucketBoundaries()

// DefaultBucketBoundaries returns the bucket boundaries, in seconds, that
// latency thresholds are checked against when no WithBucketBoundaries option
// is given: those of the instrumentation's HTTP server duration histogram.
func DefaultBucketBoundaries() []float64 { return slices.Clone(defaultBucketBoundaries) }

// ParseOption changes how Parse and LoadFile read a spec.
type ParseOption func(*parseConfig)

type parseConfig struct {
	boundaries []float64
}

// WithBucketBoundaries sets the histogram bucket boundaries, in seconds, that
// a latency threshold must be one of. Without it DefaultBucketBoundaries apply.
func WithBucketBoundaries(boundaries []float64) ParseOption {
	return func(c *parseConfig) { c.boundaries = slices.Clone(boundaries) }
}

// LoadFile reads and validates the spec file at path (see Parse).
func LoadFile(path string, opts ...ParseOption) (Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Spec{}, fmt.Errorf("read SLO spec: %w", err)
	}
	return Parse(path, data, opts...)
}

// Parse reads a spec in the sloguard/v1 YAML format, or OpenSLO v1
// documents (apiVersion: openslo/v1, see ExportOpenSLO), and validates it.
// filename only names the file in problems. On any problem it returns the
// zero Spec and a *ValidationError listing every problem found, each with its
// line; objectives are converted from percent to fractions.
func Parse(filename string, data []byte, opts ...ParseOption) (Spec, error) {
	cfg := parseConfig{boundaries: defaultBucketBoundaries}
	for _, o := range opts {
		o(&cfg)
	}
	if isOpenSLO(data) {
		return parseOpenSLO(filename, data, cfg)
	}
	d := &decoder{file: filename, lines: map[string]int{}, broken: map[string]bool{}, suggested: map[string]bool{}}
	root := d.document(data)
	if root == nil {
		return Spec{}, &ValidationError{Problems: d.problems}
	}
	spec := d.spec(root)
	for _, p := range validateSpec(spec, cfg.boundaries) {
		if d.suppressed(p.Field) {
			continue
		}
		p.File = filename
		p.Line = d.lineOf(p.Field)
		d.problems = append(d.problems, p)
	}
	if len(d.problems) > 0 {
		slices.SortStableFunc(d.problems, func(a, b Problem) int { return a.Line - b.Line })
		return Spec{}, &ValidationError{Problems: d.problems}
	}
	return spec, nil
}

// decoder turns YAML nodes into a Spec, recording every problem with its
// line, the line of every field it saw (for the problems validateSpec finds
// later) and the fields it could not read (so that those are not reported a
// second time as, say, a missing objective).
type decoder struct {
	file     string
	problems []Problem
	lines    map[string]int
	broken   map[string]bool
	// suggested holds the fields an unknown field was taken for a typo of:
	// their absence is then not reported a second time.
	suggested map[string]bool
}

func (d *decoder) errorf(line int, field, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	d.broken[field] = true
}

// missing reports a required field that is absent, unless an unknown field
// was already reported as a likely misspelling of it.
func (d *decoder) missing(line int, field, format string, args ...any) {
	if d.suggested[field] {
		d.broken[field] = true
		return
	}
	d.errorf(line, field, format, args...)
}

// lineAt records the line of field unless its key gave one already: a
// block mapping starts on the line after its key, and problems about the
// field read best at the key.
func (d *decoder) lineAt(field string, n *yaml.Node) {
	if _, ok := d.lines[field]; !ok {
		d.lines[field] = n.Line
	}
}

// lineOf is the line of field, or of its closest ancestor the file has.
func (d *decoder) lineOf(field string) int {
	for f := field; ; f = parentField(f) {
		if l, ok := d.lines[f]; ok {
			return l
		}
		if f == "" {
			return 0
		}
	}
}

// suppressed reports whether a problem found on the decoded spec at field
// follows from one already reported: the field, one of its ancestors or one
// of its descendants could not be read.
func (d *decoder) suppressed(field string) bool {
	for b := range d.broken {
		if b == field || isFieldAncestor(b, field) || isFieldAncestor(field, b) {
			return true
		}
	}
	return false
}

func isFieldAncestor(anc, field string) bool {
	return anc == "" || strings.HasPrefix(field, anc+".") || strings.HasPrefix(field, anc+"[")
}

// parentField strips the last element of a field path: slos[1].sli -> slos[1] -> slos -> "".
func parentField(f string) string {
	i := strings.LastIndexAny(f, ".[")
	if i < 0 {
		return ""
	}
	return f[:i]
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses data into its single YAML document's root node.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		d.errorf(0, "", "the file is empty: expected version, service and slos")
		return nil
	}
	if err != nil {
		d.yamlError(data, err)
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.yamlError(data, err)
		return nil
	default:
		d.errorf(next.Line, "", "the file holds more than one YAML document: put every SLO of the service in one document")
		return nil
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		d.errorf(doc.Line, "", "the file is empty: expected version, service and slos")
		return nil
	}
	return doc.Content[0]
}

func (d *decoder) yamlError(data []byte, err error) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.errorf(line, "", "invalid YAML: %s", m[2])
		return
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	// The scanner reports a tab in indentation without a line.
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " "), "\t") {
			d.errorf(i+1, "", "invalid YAML: %s (indent with spaces, not tabs)", msg)
			return
		}
	}
	d.errorf(0, "", "invalid YAML: %s", msg)
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "an unexpected YAML node"
}

// mapping returns the values of a mapping node by key, reporting keys that
// are unknown or repeated. A null node is an empty mapping. ok is false when
// n is not a mapping at all.
func (d *decoder) mapping(n *yaml.Node, field string, known ...string) (fields map[string]*yaml.Node, ok bool) {
	n = resolveAlias(n)
	d.lineAt(field, n)
	fields = map[string]*yaml.Node{}
	if isNull(n) {
		return fields, true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, field, "must be a mapping of %s, not %s", strings.Join(known, ", "), kindName(n))
		return nil, false
	}
	keyLines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), resolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorf(k.Line, field, "keys must be names, not %s", kindName(k))
			continue
		}
		name := k.Value
		f := joinField(field, name)
		if first, dup := keyLines[name]; dup {
			d.errorf(k.Line, f, "given twice (first on line %d)", first)
			continue
		}
		keyLines[name] = k.Line
		if !slices.Contains(known, name) {
			msg := fmt.Sprintf("unknown field %q", name)
			if name == "<<" {
				msg = "YAML merge keys (<<) are not supported: write the fields out, or use an alias (*name) for a whole value"
			} else if s := closest(name, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
				d.suggested[joinField(field, s)] = true
			} else {
				msg += fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
			}
			d.errorf(k.Line, f, "%s", msg)
			continue
		}
		d.lines[f] = k.Line
		fields[name] = v
	}
	return fields, true
}

// closest returns the known name within edit distance 2 of name, if any.
func closest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(strings.ToLower(name), k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// text reads a scalar as a string; ok is false (and a problem reported) for
// mappings and lists. Null reads as "".
func (d *decoder) text(n *yaml.Node, field string) (string, bool) {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode {
		d.errorf(n.Line, field, "must be a single value, not %s", kindName(n))
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

// list reads a list of scalars; a single scalar is a list of one.
func (d *decoder) list(n *yaml.Node, field string) []string {
	n = resolveAlias(n)
	d.lineAt(field, n)
	switch {
	case isNull(n):
		return nil
	case n.Kind == yaml.ScalarNode:
		return []string{n.Value}
	case n.Kind != yaml.SequenceNode:
		d.errorf(n.Line, field, "must be a list of values, not %s", kindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		item = resolveAlias(item)
		d.lines[f] = item.Line
		if item.Kind != yaml.ScalarNode || isNull(item) {
			d.errorf(item.Line, f, "must be a value, not %s", kindName(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

// number reads a YAML int or float as an exact rational number.
func (d *decoder) number(n *yaml.Node, field, what string) (*big.Rat, bool) {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if r, ok := new(big.Rat).SetString(n.Value); ok {
			return r, true
		}
	}
	hint := ""
	if n.Kind == yaml.ScalarNode && strings.HasSuffix(strings.TrimSpace(n.Value), "%") {
		hint = " (write the percent without the % sign)"
	}
	d.errorf(n.Line, field, "must be %s, not %s%s", what, kindName(n), hint)
	return nil, false
}

// duration reads a duration such as 30d, 400ms or 1h30m.
func (d *decoder) duration(n *yaml.Node, field string) (time.Duration, bool) {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n.Line, field, "must be a duration like 30d, 6h or 400ms, not %s", kindName(n))
		return 0, false
	}
	if n.Tag == "!!int" || n.Tag == "!!float" {
		d.errorf(n.Line, field, "%s has no unit: write a duration like %sms, %ss or %sd", n.Value, n.Value, n.Value, n.Value)
		return 0, false
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		d.errorf(n.Line, field, "%v", err)
		return 0, false
	}
	return v, true
}

var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"d":  Day,
	"w":  7 * Day,
}

// ParseDuration reads the durations of spec files: a sequence of decimal
// numbers each followed by a unit, ms, s, m (minutes), h, d (24h) or w (7d),
// as in 30d, 4w, 1h30m, 400ms or 1.5s. Calendar units (months M, quarters Q,
// years Y) are refused: a rolling window is a fixed span of time.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration: write one like 30d, 6h or 400ms")
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 {
			if s[0] == '-' {
				return 0, fmt.Errorf("duration %q is negative", orig)
			}
			return 0, fmt.Errorf("invalid duration %q: expected a number before the unit, as in 30d, 6h or 400ms", orig)
		}
		num, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: %q is not a number", orig, s[:i])
		}
		s = s[i:]
		j := 0
		for j < len(s) && (s[j] < '0' || s[j] > '9') && s[j] != '.' {
			j++
		}
		unit := s[:j]
		s = s[j:]
		u, ok := durationUnits[unit]
		switch {
		case ok:
		case unit == "":
			return 0, fmt.Errorf("invalid duration %q: missing unit (ms, s, m, h, d or w)", orig)
		case unit == "M" || unit == "Q" || unit == "Y" || unit == "y":
			return 0, fmt.Errorf("invalid duration %q: calendar unit %q is not supported; windows are rolling, so write days or weeks (30d, 4w, 90d)", orig, unit)
		default:
			return 0, fmt.Errorf("invalid duration %q: unknown unit %q (use ms, s, m, h, d or w)", orig, unit)
		}
		total += num * float64(u)
		if total > float64(math.MaxInt64) {
			return 0, fmt.Errorf("duration %q is too long", orig)
		}
	}
	return time.Duration(math.Round(total)), nil
}

var (
	topFields     = []string{"version", "service", "slos"}
	sloFields     = []string{"name", "description", "objective", "window", "min_events", "labels", "sli"}
	sliKinds      = []string{string(KindAvailability), string(KindLatency), string(KindEvents)}
	sliFields     = append(slices.Clone(sliKinds), "promql")
	httpFields    = []string{"routes", "methods"}
	latencyFields = []string{"threshold", "routes", "methods"}
	eventsFields  = []string{"metric", "good", "bad", "total"}
	promqlFields  = []string{"good", "bad", "total"}
)

func (d *decoder) spec(root *yaml.Node) Spec {
	var s Spec
	top, ok := d.mapping(root, "", topFields...)
	if !ok {
		return s
	}
	if n, ok := top["version"]; ok {
		s.Version, _ = d.text(n, "version")
	}
	if s.Version == "" && !d.broken["version"] {
		d.missing(root.Line, "version", "missing: the first line of a spec is version: %s", Version)
	} else if s.Version != Version && !d.broken["version"] {
		d.errorf(d.lines["version"], "version", "unsupported version %q: this release reads %s", s.Version, Version)
	}
	if n, ok := top["service"]; ok {
		s.Service, _ = d.text(n, "service")
	}
	if strings.TrimSpace(s.Service) == "" && !d.broken["service"] {
		d.missing(d.lineOf("service"), "service", "missing: name the service the SLOs are about")
	}
	n, ok := top["slos"]
	if !ok {
		d.missing(root.Line, "slos", "missing: a spec lists at least one SLO")
		return s
	}
	n = resolveAlias(n)
	switch {
	case isNull(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		d.errorf(n.Line, "slos", "empty: a spec lists at least one SLO")
		return s
	case n.Kind != yaml.SequenceNode:
		d.errorf(n.Line, "slos", "must be a list of SLOs, not %s", kindName(n))
		return s
	}
	for i, item := range n.Content {
		s.SLOs = append(s.SLOs, d.slo(item, fmt.Sprintf("slos[%d]", i)))
	}
	return s
}

func (d *decoder) slo(n *yaml.Node, field string) SLO {
	n = resolveAlias(n)
	s := SLO{Window: DefaultWindow, MinEvents: DefaultMinEvents}
	f, ok := d.mapping(n, field, sloFields...)
	if !ok {
		return s
	}
	if v, ok := f["name"]; ok {
		s.Name, _ = d.text(v, field+".name")
	}
	if s.Name == "" && !d.broken[field+".name"] {
		d.missing(d.lineOf(field+".name"), field+".name", "missing: every SLO needs a name")
	}
	if v, ok := f["description"]; ok {
		s.Description, _ = d.text(v, field+".description")
	}
	if v, ok := f["objective"]; ok {
		s.Objective = d.objective(v, field+".objective")
	} else {
		d.missing(n.Line, field+".objective", "missing: the percent of good events to aim for, like 99.9")
	}
	if v, ok := f["window"]; ok {
		if w, ok := d.duration(v, field+".window"); ok {
			s.Window = w
		}
	}
	if v, ok := f["min_events"]; ok {
		mf := field + ".min_events"
		if r, ok := d.number(v, mf, "a number of events"); ok {
			if r.Sign() < 0 {
				d.errorf(v.Line, mf, "must not be negative, got %s", v.Value)
			} else {
				s.MinEvents, _ = r.Float64()
			}
		}
	}
	if v, ok := f["labels"]; ok {
		s.Labels = d.labels(v, field+".labels")
	}
	if v, ok := f["sli"]; ok {
		s.SLI = d.sli(v, field+".sli")
	} else {
		d.missing(n.Line, field+".sli", "missing: say which events count, with one of %s", strings.Join(sliKinds, ", "))
	}
	return s
}

// objective reads a percent in (0, 100) and returns it as the float64
// nearest the exact fraction: 99.9 gives the float nearest 0.999, which
// dividing the float 99.9 by 100 does not promise.
func (d *decoder) objective(n *yaml.Node, field string) float64 {
	r, ok := d.number(n, field, "a percent like 99.9")
	if !ok {
		return 0
	}
	if r.Sign() <= 0 || r.Cmp(big.NewRat(100, 1)) >= 0 {
		d.errorf(n.Line, field, "%s is not a percent between 0 and 100 (both excluded)", n.Value)
		return 0
	}
	frac, _ := new(big.Rat).Quo(r, big.NewRat(100, 1)).Float64()
	if frac >= 1 {
		d.errorf(n.Line, field, "%s is too close to 100 to leave an error budget", n.Value)
		return 0
	}
	return frac
}

func (d *decoder) labels(n *yaml.Node, field string) map[string]string {
	var out map[string]string
	d.entries(n, field, "label names to values", "label names", func(k, v *yaml.Node, f string) {
		if val, ok := d.text(v, f); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[k.Value] = val
		}
	})
	return out
}

// entries walks a mapping of names to values (labels, annotations): null is
// empty; a node that is not a mapping (of what), a key that is not a scalar
// (names what keys are) and a key given twice are problems. fn gets every
// other entry with its field path, whose line is recorded.
func (d *decoder) entries(n *yaml.Node, field, what, keys string, fn func(k, v *yaml.Node, f string)) {
	n = resolveAlias(n)
	d.lineAt(field, n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, field, "must be a mapping of %s, not %s", what, kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), resolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorf(k.Line, field, "%s must be names, not %s", keys, kindName(k))
			continue
		}
		f := joinField(field, k.Value)
		if seen[k.Value] {
			d.errorf(k.Line, f, "given twice")
			continue
		}
		seen[k.Value] = true
		d.lines[f] = k.Line
		fn(k, v, f)
	}
}

func (d *decoder) sli(n *yaml.Node, field string) SLI {
	var s SLI
	f, ok := d.mapping(n, field, sliFields...)
	if !ok {
		return s
	}
	var kinds []string
	for _, k := range sliKinds {
		if _, ok := f[k]; ok {
			kinds = append(kinds, k)
		}
	}
	slices.SortFunc(kinds, func(a, b string) int { return d.lines[joinField(field, a)] - d.lines[joinField(field, b)] })
	switch len(kinds) {
	case 0:
		d.errorf(d.lines[field], field, "names no SLI kind: give exactly one of %s", strings.Join(sliKinds, ", "))
	case 1:
	default:
		// Not marked broken: the first kind is still checked in full.
		d.problems = append(d.problems, Problem{File: d.file, Line: d.lines[joinField(field, kinds[1])], Field: field,
			Msg: fmt.Sprintf("gives %s: an SLO has exactly one SLI kind", strings.Join(kinds, " and "))})
	}
	if len(kinds) > 0 {
		kind := kinds[0]
		s.Kind = Kind(kind)
		kf := joinField(field, kind)
		switch s.Kind {
		case KindAvailability:
			if g, ok := d.mapping(f[kind], kf, httpFields...); ok {
				d.httpFilter(g, kf, &s)
			}
		case KindLatency:
			if g, ok := d.mapping(f[kind], kf, latencyFields...); ok {
				d.httpFilter(g, kf, &s)
				if v, ok := g["threshold"]; ok {
					s.Threshold, _ = d.duration(v, kf+".threshold")
				} else {
					d.missing(d.lines[kf], kf+".threshold", "missing: the latency a good request stays within, like 400ms")
				}
			}
		case KindEvents:
			if g, ok := d.mapping(f[kind], kf, eventsFields...); ok {
				if v, ok := g["metric"]; ok {
					s.Metric, _ = d.text(v, kf+".metric")
				}
				for _, m := range []struct {
					name string
					dst  *Matcher
				}{{"good", &s.Good}, {"bad", &s.Bad}, {"total", &s.Total}} {
					if v, ok := g[m.name]; ok {
						*m.dst = d.matcher(v, kf+"."+m.name)
					}
				}
			}
		}
	}
	if v, ok := f["promql"]; ok {
		pf := joinField(field, "promql")
		if g, ok := d.mapping(v, pf, promqlFields...); ok {
			s.PromQL = &PromQL{}
			for _, q := range []struct {
				name string
				dst  *string
			}{{"good", &s.PromQL.Good}, {"bad", &s.PromQL.Bad}, {"total", &s.PromQL.Total}} {
				if v, ok := g[q.name]; ok {
					*q.dst, _ = d.text(v, pf+"."+q.name)
				}
			}
		}
	}
	return s
}

func (d *decoder) httpFilter(g map[string]*yaml.Node, field string, s *SLI) {
	if v, ok := g["routes"]; ok {
		s.Routes = d.list(v, field+".routes")
	}
	if v, ok := g["methods"]; ok {
		s.Methods = d.list(v, field+".methods")
	}
}

func (d *decoder) matcher(n *yaml.Node, field string) Matcher {
	n = resolveAlias(n)
	d.lineAt(field, n)
	if isNull(n) {
		return Matcher{}
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, field, "must map attribute names to values, like {outcome: [failure]}, not %s", kindName(n))
		return nil
	}
	m := Matcher{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), resolveAlias(n.Content[i+1])
		f := joinField(field, k.Value)
		if _, dup := m[k.Value]; dup {
			d.errorf(k.Line, f, "given twice")
			continue
		}
		d.lines[f] = k.Line
		vals := d.list(v, f)
		if vals == nil {
			vals = []string{}
		}
		m[k.Value] = vals
	}
	return m
}
