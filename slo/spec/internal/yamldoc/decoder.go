package yamldoc

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
	"gopkg.in/yaml.v3"
)

// Decoder turns YAML nodes into a format's structures, recording every
// problem with its file and line, the line of every field it saw (for the
// problems the model's validation finds later, by field) and the fields it
// could not read (so that those are not reported a second time as, say, a
// missing objective). Field paths are the format's own: slos[1].objective,
// SLO/checkout.spec.objectives[0].target.
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	// File names the file of the problems whose field has no file of its
	// own in Files.
	File     string
	Problems []slo.Problem
	Lines    map[string]int
	Broken   map[string]bool
	// Suggested holds the fields an unknown field was taken for a typo of:
	// their absence is then not reported a second time.
	Suggested map[string]bool
	// Files maps the first element of a field path (an object, such as
	// SLO/checkout) to the file it was read from, for formats whose
	// objects refer to each other across files.
	Files map[string]string
}

// New returns a Decoder for the problems of file.
func New(file string) *Decoder {
	return &Decoder{File: file, Lines: map[string]int{}, Broken: map[string]bool{}, Suggested: map[string]bool{}, Files: map[string]string{}}
}

// FileOf is the file the object of field was read from (see Files).
func (d *Decoder) FileOf(field string) string {
	root := field
	if i := strings.IndexAny(root, ".["); i >= 0 {
		root = root[:i]
	}
	if f, ok := d.Files[root]; ok {
		return f
	}
	return d.File
}

func (d *Decoder) Errorf(line int, field, format string, args ...any) {
	d.Problems = append(d.Problems, slo.Problem{File: d.FileOf(field), Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	d.Broken[field] = true
}

// missing reports a required field that is absent, unless an unknown field
// was already reported as a likely misspelling of it.
func (d *Decoder) Missing(line int, field, format string, args ...any) {
	if d.Suggested[field] {
		d.Broken[field] = true
		return
	}
	d.Errorf(line, field, format, args...)
}

// lineAt records the line of field unless its key gave one already: a
// block mapping starts on the line after its key, and problems about the
// field read best at the key.
func (d *Decoder) LineAt(field string, n *yaml.Node) {
	if _, ok := d.Lines[field]; !ok {
		d.Lines[field] = n.Line
	}
}

// lineOf is the line of field, or of its closest ancestor the file has.
func (d *Decoder) LineOf(field string) int {
	for f := field; ; f = ParentField(f) {
		if l, ok := d.Lines[f]; ok {
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
func (d *Decoder) Suppressed(field string) bool {
	for b := range d.Broken {
		if b == field || IsFieldAncestor(b, field) || IsFieldAncestor(field, b) {
			return true
		}
	}
	return false
}

func IsFieldAncestor(anc, field string) bool {
	return anc == "" || strings.HasPrefix(field, anc+".") || strings.HasPrefix(field, anc+"[")
}

// parentField strips the last element of a field path: slos[1].sli -> slos[1] -> slos -> "".
func ParentField(f string) string {
	i := strings.LastIndexAny(f, ".[")
	if i < 0 {
		return ""
	}
	return f[:i]
}

func JoinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// YAMLError records the error of the YAML parser on data, at its line.
func (d *Decoder) YAMLError(data []byte, err error) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.Errorf(line, "", "invalid YAML: %s", m[2])
		return
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	// The scanner reports a tab in indentation without a line.
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " "), "\t") {
			d.Errorf(i+1, "", "invalid YAML: %s (indent with spaces, not tabs)", msg)
			return
		}
	}
	d.Errorf(0, "", "invalid YAML: %s", msg)
}

func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func ResolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func KindName(n *yaml.Node) string {
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
func (d *Decoder) Mapping(n *yaml.Node, field string, known ...string) (fields map[string]*yaml.Node, ok bool) {
	n = ResolveAlias(n)
	d.LineAt(field, n)
	fields = map[string]*yaml.Node{}
	if IsNull(n) {
		return fields, true
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n.Line, field, "must be a mapping of %s, not %s", strings.Join(known, ", "), KindName(n))
		return nil, false
	}
	keyLines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := ResolveAlias(n.Content[i]), ResolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.Errorf(k.Line, field, "keys must be names, not %s", KindName(k))
			continue
		}
		name := k.Value
		f := JoinField(field, name)
		if first, dup := keyLines[name]; dup {
			d.Errorf(k.Line, f, "given twice (first on line %d)", first)
			continue
		}
		keyLines[name] = k.Line
		if !slices.Contains(known, name) {
			msg := fmt.Sprintf("unknown field %q", name)
			if name == "<<" {
				msg = "YAML merge keys (<<) are not supported: write the fields out, or use an alias (*name) for a whole value"
			} else if s := Closest(name, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
				d.Suggested[JoinField(field, s)] = true
			} else {
				msg += fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
			}
			d.Errorf(k.Line, f, "%s", msg)
			continue
		}
		d.Lines[f] = k.Line
		fields[name] = v
	}
	return fields, true
}

// closest returns the known name within edit distance 2 of name, if any.
func Closest(name string, known []string) string {
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
func (d *Decoder) Text(n *yaml.Node, field string) (string, bool) {
	n = ResolveAlias(n)
	if n.Kind != yaml.ScalarNode {
		d.Errorf(n.Line, field, "must be a single value, not %s", KindName(n))
		return "", false
	}
	if IsNull(n) {
		return "", true
	}
	return n.Value, true
}

// list reads a list of scalars; a single scalar is a list of one.
func (d *Decoder) List(n *yaml.Node, field string) []string {
	n = ResolveAlias(n)
	d.LineAt(field, n)
	switch {
	case IsNull(n):
		return nil
	case n.Kind == yaml.ScalarNode:
		return []string{n.Value}
	case n.Kind != yaml.SequenceNode:
		d.Errorf(n.Line, field, "must be a list of values, not %s", KindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		item = ResolveAlias(item)
		d.Lines[f] = item.Line
		if item.Kind != yaml.ScalarNode || IsNull(item) {
			d.Errorf(item.Line, f, "must be a value, not %s", KindName(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

// number reads a YAML int or float as an exact rational number.
func (d *Decoder) Number(n *yaml.Node, field, what string) (*big.Rat, bool) {
	n = ResolveAlias(n)
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if r, ok := new(big.Rat).SetString(n.Value); ok {
			return r, true
		}
	}
	hint := ""
	if n.Kind == yaml.ScalarNode && strings.HasSuffix(strings.TrimSpace(n.Value), "%") {
		hint = " (write the percent without the % sign)"
	}
	d.Errorf(n.Line, field, "must be %s, not %s%s", what, KindName(n), hint)
	return nil, false
}

// duration reads a duration such as 30d, 400ms or 1h30m.
func (d *Decoder) Duration(n *yaml.Node, field string) (time.Duration, bool) {
	n = ResolveAlias(n)
	if n.Kind != yaml.ScalarNode || IsNull(n) {
		d.Errorf(n.Line, field, "must be a duration like 30d, 6h or 400ms, not %s", KindName(n))
		return 0, false
	}
	if n.Tag == "!!int" || n.Tag == "!!float" {
		d.Errorf(n.Line, field, "%s has no unit: write a duration like %sms, %ss or %sd", n.Value, n.Value, n.Value, n.Value)
		return 0, false
	}
	v, err := slo.ParseDuration(n.Value)
	if err != nil {
		d.Errorf(n.Line, field, "%v", err)
		return 0, false
	}
	return v, true
}

// entries walks a mapping of names to values (labels, annotations): null is
// empty; a node that is not a mapping (of what), a key that is not a scalar
// (names what keys are) and a key given twice are problems. fn gets every
// other entry with its field path, whose line is recorded.
func (d *Decoder) Entries(n *yaml.Node, field, what, keys string, fn func(k, v *yaml.Node, f string)) {
	n = ResolveAlias(n)
	d.LineAt(field, n)
	if IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n.Line, field, "must be a mapping of %s, not %s", what, KindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := ResolveAlias(n.Content[i]), ResolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.Errorf(k.Line, field, "%s must be names, not %s", keys, KindName(k))
			continue
		}
		f := JoinField(field, k.Value)
		if seen[k.Value] {
			d.Errorf(k.Line, f, "given twice")
			continue
		}
		seen[k.Value] = true
		d.Lines[f] = k.Line
		fn(k, v, f)
	}
}

// lookup returns the value of key in a mapping node, or nil.
func Lookup(n *yaml.Node, key string) *yaml.Node {
	n = ResolveAlias(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := ResolveAlias(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return ResolveAlias(n.Content[i+1])
		}
	}
	return nil
}

func ScalarValue(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || IsNull(n) {
		return ""
	}
	return n.Value
}

// Objective reads a percent in (0, 100) and returns it as the float64
// nearest the exact fraction: 99.9 gives the float nearest 0.999, which
// dividing the float 99.9 by 100 does not promise.
func (d *Decoder) Objective(n *yaml.Node, field string) float64 {
	r, ok := d.Number(n, field, "a percent like 99.9")
	if !ok {
		return 0
	}
	if r.Sign() <= 0 || r.Cmp(big.NewRat(100, 1)) >= 0 {
		d.Errorf(n.Line, field, "%s is not a percent between 0 and 100 (both excluded)", n.Value)
		return 0
	}
	frac, _ := new(big.Rat).Quo(r, big.NewRat(100, 1)).Float64()
	if frac >= 1 {
		d.Errorf(n.Line, field, "%s is too close to 100 to leave an error budget", n.Value)
		return 0
	}
	return frac
}

// Matcher reads a mapping of attribute names to a value or a list of
// values, as {outcome: [failure]}.
func (d *Decoder) Matcher(n *yaml.Node, field string) slo.Matcher {
	n = ResolveAlias(n)
	d.LineAt(field, n)
	if IsNull(n) {
		return slo.Matcher{}
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n.Line, field, "must map attribute names to values, like {outcome: [failure]}, not %s", KindName(n))
		return nil
	}
	m := slo.Matcher{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := ResolveAlias(n.Content[i]), ResolveAlias(n.Content[i+1])
		f := JoinField(field, k.Value)
		if _, dup := m[k.Value]; dup {
			d.Errorf(k.Line, f, "given twice")
			continue
		}
		d.Lines[f] = k.Line
		vals := d.List(v, f)
		if vals == nil {
			vals = []string{}
		}
		m[k.Value] = vals
	}
	return m
}
