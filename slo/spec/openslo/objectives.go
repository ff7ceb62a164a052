package openslo

import (
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

func (d *osDecoder) boolean(n *yaml.Node, field string) (bool, bool) {
	n = yamldoc.ResolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b, true
		}
	}
	d.Errorf(n.Line, field, "must be true or false, not %s", yamldoc.KindName(n))
	return false, false
}

// shorthand reads an OpenSLO duration: a whole number and a unit, m, h, d
// or w. The calendar units M, Q and Y are refused here: they are periods of
// calendar windows (isRolling: false), not spans of time.
func (d *osDecoder) shorthand(n *yaml.Node, field string) (time.Duration, bool) {
	n = yamldoc.ResolveAlias(n)
	if n.Kind != yaml.ScalarNode || yamldoc.IsNull(n) {
		d.Errorf(n.Line, field, "must be a duration like 30d, 4w or 1h, not %s", yamldoc.KindName(n))
		return 0, false
	}
	if n.Tag == "!!int" {
		d.Errorf(n.Line, field, "%s has no unit: write a duration like %sd, %sh or %sm", n.Value, n.Value, n.Value, n.Value)
		return 0, false
	}
	m := shorthandRE.FindStringSubmatch(n.Value)
	if m == nil {
		d.Errorf(n.Line, field, "%q is not an OpenSLO duration: write a whole number and a unit, m, h, d or w, as in 30d, 4w, 6h or 90m", n.Value)
		return 0, false
	}
	var unit time.Duration
	switch m[2] {
	case "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = slo.Day
	case "w":
		unit = 7 * slo.Day
	case "M", "Q", "Y":
		name := map[string]string{"M": "month", "Q": "quarter", "Y": "year"}[m[2]]
		d.Errorf(n.Line, field, "%s is a calendar %s, not a span of time: write isRolling: false for a calendar window, or a rolling window in days or weeks, such as 30d or 4w", n.Value, name)
		return 0, false
	case "":
		d.Errorf(n.Line, field, "%s has no unit: write a duration like %sd, %sh or %sm", n.Value, m[1], m[1], m[1])
		return 0, false
	default:
		d.Errorf(n.Line, field, "%q has the unknown unit %q: OpenSLO durations use m, h, d and w (and the calendar units M, Q and Y)", n.Value, m[2])
		return 0, false
	}
	num, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || num > math.MaxInt64/int64(unit) {
		d.Errorf(n.Line, field, "%s is too long", n.Value)
		return 0, false
	}
	return time.Duration(num) * unit, true
}

// timeWindow reads the one window of an SLO: rolling, or a calendar one
// (cal set) of one week, month, quarter or year.
func (d *osDecoder) timeWindow(n *yaml.Node, field string) (window time.Duration, cal *slo.Calendar, durField string, ok bool) {
	n = yamldoc.ResolveAlias(n)
	d.LineAt(field, n)
	itemField := field
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) != 1 {
			d.Errorf(n.Line, field, "lists %d windows: an SLO has exactly one", len(n.Content))
			return 0, nil, field, false
		}
		n = yamldoc.ResolveAlias(n.Content[0])
		itemField = field + "[0]"
	}
	durField = itemField + ".duration"
	f, ok := d.Mapping(n, itemField, timeWindowFields...)
	if !ok {
		return 0, nil, durField, false
	}
	dur, hasDur := f["duration"]
	if !hasDur {
		d.Missing(d.LineOf(itemField), durField, "missing: the length of the window, like 30d")
		return 0, nil, durField, false
	}
	rolling, hasRolling := false, false
	if v, ok := f["isRolling"]; ok {
		if rolling, ok = d.boolean(v, itemField+".isRolling"); !ok {
			return 0, nil, durField, false
		}
		hasRolling = true
	}
	calNode, hasCalendar := f["calendar"]
	if hasCalendar && hasRolling && rolling {
		// A rolling window has no calendar; tools write its time zone
		// there all the same.
		d.warnf(d.LineOf(itemField+".calendar"), itemField+".calendar", "a rolling window (isRolling: true) has no calendar: ignored")
		hasCalendar = false
	}
	raw := yamldoc.ScalarValue(dur)
	if hasCalendar || hasRolling && !rolling {
		cal, ok := d.calendar(dur, raw, durField, calNode, itemField+".calendar")
		if !ok {
			return 0, nil, durField, false
		}
		return cal.Longest(), cal, durField, true
	}
	if !hasRolling {
		d.Missing(d.LineOf(itemField), itemField+".isRolling", "missing: write isRolling: true for a rolling window, or isRolling: false with duration 1w, 1M, 1Q or 1Y for a calendar one")
		return 0, nil, durField, false
	}
	if raw == "1m" {
		d.Errorf(dur.Line, durField, "1m is one minute, not a month (a calendar month is 1M, with isRolling: false): write a rolling window, such as 30d or 4w")
		return 0, nil, durField, false
	}
	window, ok = d.shorthand(dur, durField)
	return window, nil, durField, ok
}

// calendarUnits are the OpenSLO durations of sloguard's calendar periods.
var calendarUnits = map[string]slo.CalendarUnit{"1w": slo.CalendarWeek, "1M": slo.CalendarMonth, "1Q": slo.CalendarQuarter, "1Y": slo.CalendarYear}

// calendarDurations are the calendar units as OpenSLO writes them, for export.
var calendarDurations = map[slo.CalendarUnit]string{slo.CalendarWeek: "1w", slo.CalendarMonth: "1M", slo.CalendarQuarter: "1Q", slo.CalendarYear: "1Y"}

// calendar reads a calendar window: a duration of one period (1w, 1M, 1Q,
// 1Y) and calendar {startTime, timeZone}, both optional (UTC, periods on
// Mondays, the 1st, January).
func (d *osDecoder) calendar(dur *yaml.Node, raw, durField string, n *yaml.Node, field string) (*slo.Calendar, bool) {
	unit, known := calendarUnits[raw]
	if !known {
		m := shorthandRE.FindStringSubmatch(raw)
		switch {
		case m != nil && m[2] == "m":
			d.Errorf(dur.Line, durField, "%s is %s, not %s: a calendar month is 1M", raw, plural(m[1], "minute"), plural(m[1], "month"))
		default:
			d.Errorf(dur.Line, durField, "%q is not a calendar period sloguard knows: a calendar window is one week, month, quarter or year (1w, 1M, 1Q, 1Y), since its budget restarts at each period's start; for a longer span write a rolling window, such as 60d", raw)
		}
		return nil, false
	}
	cal := &slo.Calendar{Unit: unit, Location: time.UTC}
	if n == nil {
		return cal, true
	}
	f, ok := d.Mapping(n, field, "startTime", "timeZone")
	if !ok {
		return nil, false
	}
	if v, ok := f["timeZone"]; ok {
		loc, err := slo.LoadTimeZone(yamldoc.ScalarValue(v))
		if v.Kind != yaml.ScalarNode || err != nil {
			d.Errorf(v.Line, field+".timeZone", "%v", err)
			return nil, false
		}
		cal.Location = loc
	}
	if v, ok := f["startTime"]; ok {
		start, err := slo.ParseCalendarStart(yamldoc.ScalarValue(v), cal.Location)
		if v.Kind != yaml.ScalarNode || err != nil {
			d.Errorf(v.Line, field+".startTime", "%v", err)
			return nil, false
		}
		cal.Start = start
	}
	return cal, true
}

func plural(n, unit string) string {
	if n == "1" {
		if unit == "minute" {
			return "one minute"
		}
		return "a " + unit
	}
	return n + " " + unit + "s"
}

// osObjective is the one objective of an SLO.
type osObjective struct {
	displayName string
	objective   float64
	field       string
	op          string
	opField     string
	value       *big.Rat
	valField    string
}

func (d *osDecoder) objectives(n *yaml.Node, field string, timeslices bool) ([]osObjective, bool) {
	n = yamldoc.ResolveAlias(n)
	d.LineAt(field, n)
	switch {
	case yamldoc.IsNull(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		d.Errorf(n.Line, field, "empty: give one objective, like - target: 0.999")
		return []osObjective{{field: field}}, false
	case n.Kind != yaml.SequenceNode:
		d.Errorf(n.Line, field, "must be a list of objectives, not %s", yamldoc.KindName(n))
		return []osObjective{{field: field}}, false
	}
	ok := true
	var out []osObjective
	for j, item := range n.Content {
		o, iok := d.objective(yamldoc.ResolveAlias(item), fmt.Sprintf("%s[%d]", field, j), timeslices)
		out = append(out, o)
		ok = ok && iok
	}
	return out, ok
}

// objective reads one item of objectives.
func (d *osDecoder) objective(item *yaml.Node, itemField string, timeslices bool) (osObjective, bool) {
	o := osObjective{field: itemField}
	ok := true
	f, mok := d.Mapping(item, itemField, objectiveFields...)
	if !mok {
		return o, false
	}
	composite := ""
	for _, k := range []string{"indicator", "indicatorRef", "compositeWeight"} {
		if _, has := f[k]; has && (composite == "" || d.Lines[itemField+"."+k] < d.Lines[itemField+"."+composite]) {
			composite = k
		}
	}
	if composite != "" {
		d.Errorf(d.LineOf(itemField+"."+composite), itemField+"."+composite, "composite objectives (an indicator per objective) are not supported: give the SLO one indicator, and one objective with its target")
		return o, false
	}
	for _, k := range []string{"timeSliceTarget", "timeSliceWindow"} {
		if _, has := f[k]; has && !timeslices {
			d.Errorf(d.LineOf(itemField+"."+k), itemField+"."+k, "belongs to Timeslices budgeting, which sloguard does not support: remove it")
			ok = false
		}
	}
	if v, has := f["displayName"]; has {
		o.displayName, _ = d.Text(v, itemField+".displayName")
	}
	target, hasTarget := f["target"]
	percent, hasPercent := f["targetPercent"]
	switch {
	case hasTarget && hasPercent:
		d.Errorf(d.LineOf(itemField+".targetPercent"), itemField+".targetPercent", "given with target: give one of target and targetPercent")
		return o, false
	case hasTarget:
		o.field = itemField + ".target"
		if obj, tok := d.target01(target, o.field); tok {
			o.objective = obj
		} else {
			ok = false
		}
	case hasPercent:
		o.field = itemField + ".targetPercent"
		if o.objective = d.Objective(percent, o.field); o.objective == 0 {
			ok = false
		}
	default:
		d.Missing(d.LineOf(itemField), itemField+".target", "missing: the target, a fraction like 0.999 (or targetPercent: 99.9)")
		ok = false
	}
	if v, has := f["op"]; has {
		o.opField = itemField + ".op"
		if op, tok := d.required(v, o.opField, "give one of "+strings.Join(objectiveOps, ", ")); !tok {
			ok = false
		} else {
			if !slices.Contains(objectiveOps, op) {
				d.Errorf(v.Line, o.opField, "unknown op %q (known: %s)", op, strings.Join(objectiveOps, ", "))
				ok = false
			}
			o.op = op
		}
	}
	if v, has := f["value"]; has {
		o.valField = itemField + ".value"
		if r, tok := d.Number(v, o.valField, "a number"); tok {
			o.value = r
		} else {
			ok = false
		}
	}
	return o, ok
}

// target01 reads an objective given as a fraction in (0, 1).
func (d *osDecoder) target01(n *yaml.Node, field string) (float64, bool) {
	r, ok := d.Number(n, field, "a fraction like 0.999")
	if !ok {
		return 0, false
	}
	one := big.NewRat(1, 1)
	switch {
	case r.Sign() <= 0:
		d.Errorf(n.Line, field, "%s is not a fraction between 0 and 1 (both excluded)", n.Value)
		return 0, false
	case r.Cmp(one) == 0:
		d.Errorf(n.Line, field, "1 leaves no error budget: give a target below 1, like 0.999")
		return 0, false
	case r.Cmp(one) > 0 && r.Cmp(big.NewRat(100, 1)) < 0:
		d.Errorf(n.Line, field, "%s is not a fraction between 0 and 1: for %s%% write targetPercent: %s (or target: %s)", n.Value, n.Value, n.Value, new(big.Rat).Quo(r, big.NewRat(100, 1)).FloatString(precisionOf(n.Value)+2))
		return 0, false
	case r.Cmp(one) > 0:
		d.Errorf(n.Line, field, "%s is not a fraction between 0 and 1 (both excluded)", n.Value)
		return 0, false
	}
	f, _ := r.Float64()
	switch {
	case f >= 1:
		d.Errorf(n.Line, field, "%s is too close to 1 to leave an error budget", n.Value)
		return 0, false
	case f <= 0:
		d.Errorf(n.Line, field, "%s is too close to 0", n.Value)
		return 0, false
	}
	return f, true
}

// precisionOf counts the decimals of a number as written.
func precisionOf(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// slo reads an SLO object; i is the index among the SLOs of the spec of
// the first SLO it gives. An SLO with several objectives gives one SLO per
// objective (see objectiveName).
func (d *osDecoder) slo(o *osObject, i int) (slos []slo.SLO, service, serviceField string) {
	s := slo.SLO{MinEvents: slo.DefaultMinEvents, Labels: o.meta.labels, DisplayName: o.meta.displayName, Annotations: o.meta.others}
	native := map[string]string{"": o.field, ".name": o.field + ".metadata.name", ".labels": o.field + ".metadata.labels"}
	var natives []map[string]string
	defer func() {
		if o.isCopy {
			return
		}
		if len(natives) == 0 {
			natives = []map[string]string{native}
		}
		for j, nat := range natives {
			for k, v := range nat {
				d.native[fmt.Sprintf("slos[%d]%s", i+j, k)] = v
			}
		}
	}()
	s.Name = o.meta.name
	if v, ok := o.meta.annotations[annotationName]; ok {
		af := yamldoc.JoinField(o.meta.field+".annotations", annotationName)
		native[".name"] = af
		if o.meta.name != "" && dnsLabel(v.Value) != o.meta.name {
			d.Errorf(v.Line, af, "%q does not match metadata.name %q: it keeps the sloguard name of an SLO whose name OpenSLO cannot hold (%s for %s); correct it or remove it", v.Value, o.meta.name, dnsLabel(v.Value), v.Value)
		}
		s.Name = v.Value
	}
	if v, ok := o.meta.annotations[annotationMinEvents]; ok {
		af := yamldoc.JoinField(o.meta.field+".annotations", annotationMinEvents)
		native[".min_events"] = af
		r, rok := new(big.Rat).SetString(strings.TrimSpace(v.Value))
		switch {
		case !rok:
			d.Errorf(v.Line, af, "must be a number of events, like \"100\", not %q", v.Value)
		case r.Sign() < 0:
			d.Errorf(v.Line, af, "must not be negative, got %s", v.Value)
		default:
			s.MinEvents, _ = r.Float64()
		}
	}
	if v, ok := o.meta.annotations[annotationAlerting]; ok {
		af := yamldoc.JoinField(o.meta.field+".annotations", annotationAlerting)
		native[".alerting"] = af
		if n := annotatedMapping(v); n != nil {
			s.Alerting = d.Alerting(n, af)
		} else {
			d.Errorf(v.Line, af, "must be sloguard's alerting settings in YAML flow style, like '{name: CheckoutHighErrorRate, ticket: {disable: true}}', not %q", v.Value)
		}
	}
	sf := o.field + ".spec"
	f, ok := d.Mapping(o.spec, sf, osSLOFields...)
	if !ok {
		d.Broken[o.field] = true
		return []slo.SLO{s}, "", ""
	}
	if v, ok := f["description"]; ok {
		s.Description, _ = d.Text(v, sf+".description")
	}
	serviceField = sf + ".service"
	if v, ok := f["service"]; ok {
		service, _ = d.Text(v, serviceField)
	}
	if strings.TrimSpace(service) == "" && !d.Broken[serviceField] {
		d.Missing(d.LineOf(serviceField), serviceField, "missing: name the service the SLO is about")
	}

	window, windowOK := time.Duration(0), false
	native[".window"] = sf + ".timeWindow"
	if v, ok := f["timeWindow"]; ok {
		var df string
		var cal *slo.Calendar
		window, cal, df, windowOK = d.timeWindow(v, sf+".timeWindow")
		native[".window"] = df
		s.Window, s.Calendar = window, cal
		if !windowOK {
			// Reported already: not again as a window too short.
			d.Broken[df] = true
		}
	} else {
		d.Missing(d.LineOf(sf), sf+".timeWindow", "missing: the rolling window, like timeWindow: [{duration: 30d, isRolling: true}]")
	}

	timeslices := false
	if v, ok := f["budgetingMethod"]; ok {
		bf := sf + ".budgetingMethod"
		if m, ok := d.required(v, bf, "write budgetingMethod: Occurrences"); ok {
			switch {
			case m == "Occurrences":
			case m == "Timeslices" || m == "RatioTimeslices":
				timeslices = true
				d.Errorf(v.Line, bf, "%s budgeting is not supported: sloguard budgets by Occurrences, the share of good events in the window; write budgetingMethod: Occurrences", m)
			default:
				msg := fmt.Sprintf("unknown budgetingMethod %q", m)
				if j := slices.IndexFunc(budgetingMethods, func(b string) bool { return strings.EqualFold(b, m) }); j >= 0 {
					msg += fmt.Sprintf(" (did you mean %q?)", budgetingMethods[j])
				} else {
					msg += " (sloguard supports Occurrences)"
				}
				d.Errorf(v.Line, bf, "%s", msg)
			}
		}
	} else {
		d.Missing(d.LineOf(sf), sf+".budgetingMethod", "missing: write budgetingMethod: Occurrences (sloguard counts good and bad events)")
	}

	objs := []osObjective{{field: sf + ".objectives"}}
	if v, ok := f["objectives"]; ok {
		objs, _ = d.objectives(v, sf+".objectives", timeslices)
	} else {
		d.Missing(d.LineOf(sf), sf+".objectives", "missing: one objective with its target, like objectives: [{target: 0.999}]")
	}

	in := d.sloIndicator(f, sf)
	native[".sli"] = sf + ".indicator"
	if in == nil || !in.ok {
		// The indicator's problems are reported already: the SLI it left
		// empty is not reported as naming no kind.
		d.Broken[native[".sli"]] = true
		if in != nil {
			d.Broken[in.field] = true
		}
	}
	if in != nil {
		native[".sli"] = in.field
		for k, v := range in.native {
			if k != "" {
				native[".sli."+k] = v
			}
		}
	}
	base := s.Name
	for j, obj := range objs {
		sj, nat := s, maps.Clone(native)
		sj.Labels, sj.Annotations = maps.Clone(s.Labels), maps.Clone(s.Annotations)
		sj.Objective = obj.objective
		nat[".objective"] = obj.field
		if len(objs) > 1 {
			sj.Name = objectiveName(base, obj.displayName, j)
			if obj.displayName != "" {
				nat[".name"] = strings.TrimSuffix(strings.TrimSuffix(obj.field, ".target"), ".targetPercent") + ".displayName"
			}
		}
		if in != nil {
			if in.ok {
				sj.SLI = cloneSLI(in.sli)
			}
			d.combine(&sj, in, obj, nat)
		}
		slos = append(slos, sj)
		natives = append(natives, nat)
	}

	if v, ok := f["alertPolicies"]; ok {
		for _, sj := range slos {
			d.alertPolicies(v, sf+".alertPolicies", sj.Name, window, windowOK)
		}
	}
	return slos, service, serviceField
}

// objectiveName names the SLO of one objective of an SLO that lists
// several: the SLO's name, "-", and the objective's displayName made a DNS
// label ("Fast (p90)" gives "fast-p90"), or its index in objectives when
// it has no displayName or that gives nothing.
func objectiveName(base, displayName string, index int) string {
	if l := dnsLabel(displayName); l != "" {
		return base + "-" + l
	}
	return fmt.Sprintf("%s-%d", base, index)
}

// sloIndicator resolves indicator or indicatorRef.
func (d *osDecoder) sloIndicator(f map[string]*yaml.Node, sf string) *osIndicator {
	inline, hasInline := f["indicator"]
	ref, hasRef := f["indicatorRef"]
	switch {
	case hasInline && hasRef:
		d.Errorf(d.LineOf(sf+".indicatorRef"), sf+".indicatorRef", "given with indicator: give either an inline indicator or the name of an SLI")
		return nil
	case hasRef:
		rf := sf + ".indicatorRef"
		name, ok := d.required(ref, rf, "give the name of an SLI of this file")
		if !ok {
			return nil
		}
		in, found := d.slis[name]
		if !found {
			d.Errorf(ref.Line, rf, "no SLI named %q in this file%s", name, knownNames(d.slis))
			return nil
		}
		return in
	case hasInline:
		ff := sf + ".indicator"
		g, ok := d.Mapping(inline, ff, inlineSLIFields...)
		if !ok {
			return nil
		}
		var meta osMeta
		if v, ok := g["metadata"]; ok {
			meta = d.metadata(v, ff+".metadata", sliAnnotations)
		} else {
			d.Missing(d.LineOf(ff), ff+".metadata", "missing: metadata with the name of the SLI")
		}
		v, ok := g["spec"]
		if !ok {
			d.Missing(d.LineOf(ff), ff+".spec", "missing: the spec of the SLI, with ratioMetric or thresholdMetric")
			return nil
		}
		return d.indicator(meta, v, ff)
	default:
		d.Missing(d.LineOf(sf), sf+".indicator", "missing: give indicator (an inline SLI) or indicatorRef (the name of an SLI in this file)")
		return nil
	}
}

// combine applies the objective's op and value: the threshold of a
// thresholdMetric, and nothing for a ratio.
func (d *osDecoder) combine(s *slo.SLO, in *osIndicator, obj osObjective, native map[string]string) {
	if !in.threshold {
		// Other tools write op and value on ratio objectives too; they
		// change nothing a ratio means, so they are read past.
		if f := cmpOr(obj.opField, obj.valField); f != "" && !d.warned[f] {
			d.warned[f] = true
			d.warnf(d.LineOf(f), f, "op and value compare the values of a thresholdMetric; the indicator is a ratioMetric, whose objective is its target alone: ignored")
		}
		return
	}
	base := strings.TrimSuffix(strings.TrimSuffix(obj.field, ".target"), ".targetPercent")
	if d.Broken[base] {
		// The objectives could not be read: reported already.
		return
	}
	valField := obj.valField
	if valField == "" {
		valField = base + ".value"
	}
	// Problems of the threshold read at the value; once one is reported,
	// the missing threshold is not reported again.
	native[".sli.latency.threshold"] = valField
	switch obj.op {
	case "lte", "lt":
		// A histogram bucket counts the requests at or under its boundary;
		// none lasts exactly as long as a boundary, so lt reads as lte.
	case "":
		if obj.opField == "" {
			d.Missing(d.LineOf(base), base+".op", "missing: op: lte, with value: the latency in seconds a good request stays within")
		}
		d.Broken[valField] = true
		return
	default:
		d.Errorf(d.LineOf(obj.opField), obj.opField, "a latency SLO counts the requests at or under the threshold: use op: lte")
		d.Broken[valField] = true
		return
	}
	switch {
	case obj.valField == "":
		d.Missing(d.LineOf(base), valField, "missing: the latency in seconds a good request stays within, like value: 0.4")
	case obj.value == nil:
	case obj.value.Sign() <= 0:
		d.Errorf(d.LineOf(valField), valField, "must be a positive latency in seconds, like 0.4")
	case in.histogram != "":
		if in.ok {
			// The le label as Prometheus writes it: 0.4, 2.5, 1.
			f, _ := obj.value.Float64()
			good, total := slo.HistogramQueries(in.histogram, strconv.FormatFloat(f, 'g', -1, 64))
			s.SLI = slo.SLI{PromQL: &slo.PromQL{Good: good, Total: total}}
		}
	default:
		if th, ok := d.seconds(obj.value, valField); ok && in.ok {
			s.SLI.Threshold = th
		}
	}
}

func cloneSLI(s slo.SLI) slo.SLI {
	s.Routes = slices.Clone(s.Routes)
	s.Methods = slices.Clone(s.Methods)
	s.Total = cloneMatcher(s.Total)
	s.Good = cloneMatcher(s.Good)
	s.Bad = cloneMatcher(s.Bad)
	if s.PromQL != nil {
		p := *s.PromQL
		s.PromQL = &p
	}
	return s
}

func cloneMatcher(m slo.Matcher) slo.Matcher {
	if m == nil {
		return nil
	}
	out := make(slo.Matcher, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

func knownNames[V any](m map[string]V) string {
	if len(m) == 0 {
		return ""
	}
	return " (defined: " + strings.Join(slices.Sorted(maps.Keys(m)), ", ") + ")"
}

// osCondition is a burn-rate alert condition.

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
