package slo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// Day is 24 hours: SLO windows are counted in whole days of elapsed time.
const Day = 24 * time.Hour

// DefaultWindow is the rolling window of an SLO that names none.
const DefaultWindow = 30 * Day

// BurnWindow is one pair of windows of a multiwindow, multi-burn-rate alert
// (SRE workbook, chapter 5): it fires when the burn rate over both Long and
// Short exceeds Factor.
type BurnWindow struct {
	Severity string // "page" or "ticket"
	Long     time.Duration
	Short    time.Duration
	// Factor is the burn rate that spends BudgetShare of the budget in Long.
	Factor      float64
	BudgetShare float64
}

// the four tiers of the workbook for a 30-day window.
var burnTiers = []BurnWindow{
	{Severity: "page", Long: time.Hour, Short: 5 * time.Minute, BudgetShare: 0.02},
	{Severity: "page", Long: 6 * time.Hour, Short: 30 * time.Minute, BudgetShare: 0.05},
	{Severity: "ticket", Long: Day, Short: 2 * time.Hour, BudgetShare: 0.10},
	{Severity: "ticket", Long: 3 * Day, Short: 6 * time.Hour, BudgetShare: 0.10},
}

// AlertWindows returns the burn-rate alert windows of an SLO window.
//
// For windows of 28 days or more the windows keep their workbook lengths
// (1h/5m, 6h/30m, 1d/2h, 3d/6h) and the factor is budget share × window /
// long window, as Sloth computes it: 14.4, 6, 3, 1 for 30 days and 13.44,
// 5.6, 2.8, 0.933 for 28 days. Shorter windows (demos, tests) would make the
// long windows meaningless, so there the lengths scale with window/30d and
// the 30-day factors are kept: the alerts then fire after the same share of
// budget spent.
func AlertWindows(window time.Duration) []BurnWindow {
	out := make([]BurnWindow, len(burnTiers))
	for i, t := range burnTiers {
		w := t
		if window >= 28*Day {
			w.Factor = t.BudgetShare * float64(window) / float64(t.Long)
		} else {
			scale := float64(window) / float64(DefaultWindow)
			w.Long = scaleDuration(t.Long, scale)
			w.Short = scaleDuration(t.Short, scale)
			w.Factor = t.BudgetShare * float64(DefaultWindow) / float64(t.Long)
		}
		out[i] = w
	}
	return out
}

// scaleDuration scales d, rounded to the millisecond and never below 1ms.
func scaleDuration(d time.Duration, scale float64) time.Duration {
	s := time.Duration(float64(d) * scale).Round(time.Millisecond)
	if s < time.Millisecond {
		s = time.Millisecond
	}
	return s
}

// ReportWindows returns the windows a report needs counts for, ascending and
// distinct: the alert windows (5m, 30m, 1h, 2h, 6h, 1d, 3d for 30 days), the
// last day (for the Flask app's budget burned per day) and the SLO window itself.
func ReportWindows(window time.Duration) []time.Duration {
	return ReportWindowsFor(AlertWindows(window), window)
}

// ReportWindowsFor is ReportWindows for the alert windows ws (floored, or
// given in an alert-window file) instead of AlertWindows(window).
func ReportWindowsFor(ws []BurnWindow, window time.Duration) []time.Duration {
	seen := map[time.Duration]bool{}
	var out []time.Duration
	add := func(d time.Duration) {
		if d > 0 && d <= window && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, w := range ws {
		add(w.Short)
		add(w.Long)
	}
	add(min(Day, window))
	add(window)
	slices.Sort(out)
	return out
}

// WindowName formats a window the way reports, rules and alerts name it:
// whole days as "30d", whole hours as "6h", whole minutes as "5m", whole
// seconds as "10s", anything finer in milliseconds ("1500ms").
func WindowName(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d%Day == 0:
		return fmt.Sprintf("%dd", d/Day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	default:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
}

// MinAlertWindow is the shortest alert window either engine resolves: the
// processor samples its counts once a minute by default, and Prometheus'
// rate() needs two samples in its range, which one minute holds at the
// common scrape intervals (15s to 30s).
const MinAlertWindow = time.Minute

// FloorAlertWindows returns ws with every long and short window lengthened
// to at least floor. The windows of an SLO shorter than six days scale below
// a minute (a 1-hour SLO pages over 5s and 417ms), which no engine can
// measure. Each pair keeps its factor, the speed of spending that it alerts
// on, so a lengthened pair fires a little later at the same speed;
// BudgetShare is recomputed for the new long window (factor × long /
// window). When two pairs of one severity end up with the same windows,
// they would raise one alert twice: the pair with the lower factor, which
// fires whenever the other does, is kept. ws is not changed.
func FloorAlertWindows(ws []BurnWindow, window, floor time.Duration) []BurnWindow {
	out := make([]BurnWindow, 0, len(ws))
	for _, w := range ws {
		if w.Long < floor || w.Short < floor {
			w.Long, w.Short = max(w.Long, floor), max(w.Short, floor)
			if window > 0 {
				w.BudgetShare = w.Factor * float64(w.Long) / float64(window)
			}
		}
		dup := -1
		for i, o := range out {
			if o.Severity == w.Severity && o.Long == w.Long && o.Short == w.Short {
				dup = i
			}
		}
		switch {
		case dup < 0:
			out = append(out, w)
		case w.Factor < out[dup].Factor:
			out[dup] = w
		}
	}
	return out
}

// The document kind of an alert-window file, as Sloth names it.
const (
	AlertWindowsAPIVersion = "sloth.slok.dev/v1"
	AlertWindowsKind       = "AlertWindows"
)

// AlertWindowSets are burn-rate alert windows a user gives instead of the
// workbook's, one set per SLO period, read from Sloth's AlertWindows
// documents as Sloth writes them:
//
//	apiVersion: sloth.slok.dev/v1
//	kind: AlertWindows
//	spec:
//	  sloPeriod: 30d
//	  page:
//	    quick: {errorBudgetPercent: 2, shortWindow: 5m, longWindow: 1h}
//	    slow: {errorBudgetPercent: 5, shortWindow: 30m, longWindow: 6h}
//	  ticket:
//	    quick: {errorBudgetPercent: 10, shortWindow: 2h, longWindow: 1d}
//	    slow: {errorBudgetPercent: 10, shortWindow: 6h, longWindow: 3d}
//
// A file may hold several documents (---), one per SLO period. Each pair's
// factor is errorBudgetPercent / 100 × sloPeriod / longWindow, as Sloth
// computes it. A value is safe for concurrent use once loaded.
type AlertWindowSets struct {
	file string
	sets []alertWindowSet // in file order
}

type alertWindowSet struct {
	period  time.Duration
	line    int
	windows []BurnWindow
}

// LoadAlertWindows reads the alert-window file at path (see AlertWindowSets).
func LoadAlertWindows(path string) (*AlertWindowSets, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("alert windows: %w", err)
	}
	return ParseAlertWindows(path, data)
}

// ParseAlertWindows reads alert-window documents; filename names them in
// errors. Every problem is reported, as a *ValidationError of file:line:
// field: message problems; nothing is defaulted.
func ParseAlertWindows(filename string, data []byte) (*AlertWindowSets, error) {
	p := &windowParser{file: filename}
	out := &AlertWindowSets{file: filename}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			if i == 0 {
				p.add(0, "", "empty: the file holds no AlertWindows document")
			}
			break
		}
		if err != nil {
			p.add(0, "", "not YAML: %v", err)
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		set, ok := p.document(doc.Content[0])
		if !ok {
			continue
		}
		if j := slices.IndexFunc(out.sets, func(o alertWindowSet) bool { return o.period == set.period }); j >= 0 {
			p.add(set.line, "spec.sloPeriod", "%s is the period of the document at line %d too: give one set of windows per SLO period", WindowName(set.period), out.sets[j].line)
			continue
		}
		out.sets = append(out.sets, set)
	}
	if len(p.problems) > 0 {
		return nil, &ValidationError{Problems: p.problems}
	}
	return out, nil
}

// Periods returns the SLO periods the sets are for, in file order.
func (a *AlertWindowSets) Periods() []time.Duration {
	out := make([]time.Duration, len(a.sets))
	for i, s := range a.sets {
		out[i] = s.period
	}
	return out
}

// Windows returns the alert windows for an SLO window: those of the set
// whose sloPeriod is that window. A window no set is for is an error: the
// windows of another period would page at the wrong speeds.
func (a *AlertWindowSets) Windows(window time.Duration) ([]BurnWindow, error) {
	for _, s := range a.sets {
		if s.period == window {
			return slices.Clone(s.windows), nil
		}
	}
	periods := make([]string, len(a.sets))
	for i, s := range a.sets {
		periods[i] = WindowName(s.period)
	}
	return nil, fmt.Errorf("%s has no AlertWindows with sloPeriod %s (it has %s): add a document for that period",
		a.file, WindowName(window), strings.Join(periods, ", "))
}

// Check reports every SLO of spec whose window no set is for, naming the
// SLO and its window field.
func (a *AlertWindowSets) Check(spec Spec) error {
	var ps []Problem
	for i, s := range spec.SLOs {
		if _, err := a.Windows(s.Window); err != nil {
			ps = append(ps, Problem{Field: fmt.Sprintf("slos[%d].window", i), Msg: fmt.Sprintf("SLO %q: %v", s.Name, err)})
		}
	}
	if len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

type windowParser struct {
	file     string
	problems []Problem
}

func (p *windowParser) add(line int, field, format string, args ...any) {
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// fields reads a mapping with exactly the known keys (those in required
// must be there); ok is false if n is no mapping.
func (p *windowParser) fields(n *yaml.Node, field string, required, optional []string) (map[string]*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, field, "want a mapping of %s, got %s", strings.Join(required, ", "), nodeKind(n))
		return nil, false
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := strings.TrimPrefix(field+"."+k.Value, ".")
		switch {
		case !slices.Contains(required, k.Value) && !slices.Contains(optional, k.Value):
			where := field
			if where == "" {
				where = "an AlertWindows document"
			}
			p.add(k.Line, f, "unknown field: %s holds only %s", where, strings.Join(append(slices.Clone(required), optional...), ", "))
		case out[k.Value] != nil:
			p.add(k.Line, f, "given twice")
		default:
			out[k.Value] = v
		}
	}
	for _, r := range required {
		if out[r] == nil {
			p.add(n.Line, strings.TrimPrefix(field+"."+r, "."), "missing")
		}
	}
	return out, true
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

// document reads one AlertWindows document.
func (p *windowParser) document(n *yaml.Node) (alertWindowSet, bool) {
	set := alertWindowSet{line: n.Line}
	top, ok := p.fields(n, "", []string{"apiVersion", "kind", "spec"}, []string{"metadata"})
	if !ok {
		return set, false
	}
	before := len(p.problems)
	if v := top["apiVersion"]; v != nil && v.Value != AlertWindowsAPIVersion {
		p.add(v.Line, "apiVersion", "%s is not %s, the version of Sloth's AlertWindows this release reads", nodeKind(v), AlertWindowsAPIVersion)
	}
	if v := top["kind"]; v != nil && v.Value != AlertWindowsKind {
		p.add(v.Line, "kind", "%s is not %s", nodeKind(v), AlertWindowsKind)
	}
	spec := top["spec"]
	if spec == nil {
		return set, false
	}
	g, ok := p.fields(spec, "spec", []string{"sloPeriod", "page", "ticket"}, nil)
	if !ok {
		return set, false
	}
	periodOK := false
	if v := g["sloPeriod"]; v != nil {
		set.line = v.Line
		if set.period, periodOK = p.duration(v, "spec.sloPeriod"); periodOK {
			switch {
			case set.period < MinWindow:
				p.add(v.Line, "spec.sloPeriod", "%s is shorter than the shortest SLO window, %s", v.Value, WindowName(MinWindow))
				periodOK = false
			case set.period > MaxWindow:
				p.add(v.Line, "spec.sloPeriod", "%s is longer than the longest SLO window, %s", v.Value, WindowName(MaxWindow))
				periodOK = false
			}
		}
	}
	for _, sev := range []string{"page", "ticket"} {
		sn := g[sev]
		if sn == nil {
			continue
		}
		sg, ok := p.fields(sn, "spec."+sev, []string{"quick", "slow"}, nil)
		if !ok {
			continue
		}
		for _, speed := range []string{"quick", "slow"} {
			if wn := sg[speed]; wn != nil {
				if w, ok := p.window(wn, "spec."+sev+"."+speed, set.period, periodOK); ok {
					w.Severity = sev
					set.windows = append(set.windows, w)
				}
			}
		}
	}
	return set, len(p.problems) == before && periodOK
}

// window reads one quick or slow window pair.
func (p *windowParser) window(n *yaml.Node, field string, period time.Duration, periodOK bool) (BurnWindow, bool) {
	var w BurnWindow
	g, ok := p.fields(n, field, []string{"errorBudgetPercent", "shortWindow", "longWindow"}, nil)
	if !ok {
		return w, false
	}
	before := len(p.problems)
	if v := g["errorBudgetPercent"]; v != nil {
		pct, err := strconv.ParseFloat(v.Value, 64)
		switch {
		case v.Kind != yaml.ScalarNode || err != nil:
			p.add(v.Line, field+".errorBudgetPercent", "%s is not a number", nodeKind(v))
		case !(pct > 0 && pct <= 100):
			p.add(v.Line, field+".errorBudgetPercent", "%s is not a percent of the budget above 0 and at most 100", v.Value)
		default:
			w.BudgetShare = pct / 100
		}
	}
	var longOK, shortOK bool
	if v := g["longWindow"]; v != nil {
		if w.Long, longOK = p.alertWindow(v, field+".longWindow"); longOK && periodOK && w.Long > period {
			p.add(v.Line, field+".longWindow", "%s is longer than the SLO period, %s: the window would reach past what the SLO counts", v.Value, WindowName(period))
		}
	}
	if v := g["shortWindow"]; v != nil {
		if w.Short, shortOK = p.alertWindow(v, field+".shortWindow"); shortOK && longOK && w.Short >= w.Long {
			p.add(v.Line, field+".shortWindow", "%s is not shorter than the long window, %s: the short window is what stops the alert soon after the errors stop", v.Value, WindowName(w.Long))
		}
	}
	if len(p.problems) > before || !periodOK {
		return w, false
	}
	w.Factor = w.BudgetShare * float64(period) / float64(w.Long)
	return w, true
}

func (p *windowParser) alertWindow(n *yaml.Node, field string) (time.Duration, bool) {
	d, ok := p.duration(n, field)
	if ok && d < MinAlertWindow {
		p.add(n.Line, field, "%s is shorter than %s: neither the processor's one-minute samples nor Prometheus' rate() resolve it", n.Value, WindowName(MinAlertWindow))
		return 0, false
	}
	return d, ok
}

// duration reads a Prometheus duration (1h, 30m, 1d, 1w, 1h30m), the syntax
// Sloth's files use.
func (p *windowParser) duration(n *yaml.Node, field string) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.add(n.Line, field, "want a duration such as 5m, 1h or 30d, got %s", nodeKind(n))
		return 0, false
	}
	d, err := model.ParseDuration(n.Value)
	if err != nil || d <= 0 {
		p.add(n.Line, field, "%q is not a duration such as 5m, 1h or 30d (units ms, s, m, h, d, w, y)", n.Value)
		return 0, false
	}
	return time.Duration(d), true
}
