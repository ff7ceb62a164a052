package openslo

import (
	"maps"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// osIndicator is an SLI read from an SLI object or an inline indicator.
type osIndicator struct {
	field string
	sli   slo.SLI
	ok    bool
	// threshold is set for a thresholdMetric, whose threshold is the value
	// of the objective of each SLO using it.
	threshold bool
	// histogram is the _bucket selector of a Prometheus thresholdMetric
	// over a histogram, as slo.HistogramQueries takes it.
	histogram string
	// native maps sloguard/v1 fields under sli (availability.routes, ...)
	// to the OpenSLO fields they come from.
	native map[string]string
}

// indicator reads the spec of an SLI; field names the SLI object or the
// inline indicator.
func (d *osDecoder) indicator(meta osMeta, spec *yaml.Node, field string) *osIndicator {
	in := &osIndicator{field: field, native: map[string]string{}, ok: true}
	sf := field + ".spec"
	f, ok := d.Mapping(spec, sf, osSLIFields...)
	if !ok {
		in.ok = false
		return in
	}
	if v, ok := f["description"]; ok {
		d.Text(v, sf+".description")
	}
	threshold, hasThreshold := f["thresholdMetric"]
	ratio, hasRatio := f["ratioMetric"]
	switch {
	case hasThreshold && hasRatio:
		d.Errorf(d.LineOf(sf+".ratioMetric"), sf, "gives thresholdMetric and ratioMetric: an SLI has one of them")
		in.ok = false
	case hasRatio:
		d.ratio(in, meta, ratio, sf+".ratioMetric")
	case hasThreshold:
		d.thresholdMetric(in, meta, threshold, sf+".thresholdMetric")
	default:
		d.Missing(d.LineOf(sf), sf+".ratioMetric", "missing: give ratioMetric (good or bad, and total) or thresholdMetric")
		in.ok = false
	}
	return in
}

// osSource is one metricSource.
type osSource struct {
	typ   string
	spec  *yaml.Node
	field string // of the spec
}

func (d *osDecoder) ratio(in *osIndicator, meta osMeta, n *yaml.Node, field string) {
	in.native[""] = field
	f, ok := d.Mapping(n, field, ratioFields...)
	if !ok {
		in.ok = false
		return
	}
	// counter: false says the queries give the numbers themselves, which
	// Prometheus queries do (each is classified as a count or a rate); the
	// service's instruments are counters.
	counterFalse, counterMissing := false, false
	if v, ok := f["counter"]; ok {
		if c, ok := d.boolean(v, field+".counter"); ok && !c {
			counterFalse = true
		}
	} else {
		counterMissing = true
	}
	checkCounter := func() {
		switch {
		case counterFalse:
			d.Errorf(d.LineOf(field+".counter"), field+".counter", "false means the metric is a gauge; sloguard counts events with counters: write counter: true")
		case counterMissing:
			d.Missing(d.LineOf(field), field+".counter", "missing: sloguard counts events with counters, so write counter: true")
		}
	}
	for _, k := range []string{"raw", "rawType"} {
		if _, ok := f[k]; ok {
			d.Errorf(d.LineOf(field+"."+k), field+"."+k, "precomputed ratios (raw) are not supported: sloguard counts events, so give good or bad, and total")
			in.ok = false
		}
	}
	_, hasGood := f["good"]
	_, hasBad := f["bad"]
	switch {
	case hasGood && hasBad:
		later := "bad"
		if d.Lines[field+".good"] > d.Lines[field+".bad"] {
			later = "good"
		}
		d.Errorf(d.Lines[field+"."+later], field, "gives both good and bad: give one, the other is total minus it")
		in.ok = false
	case !hasGood && !hasBad && in.ok:
		d.Missing(d.LineOf(field), field+".bad", "missing: give bad (or good), the events counted against (or towards) the objective, with total")
		in.ok = false
	}
	if _, ok := f["total"]; !ok {
		d.Missing(d.LineOf(field), field+".total", "missing: the count of all events, which good or bad is a part of")
		in.ok = false
	}
	parts := map[string]*osSource{}
	for _, p := range []string{"good", "bad", "total"} {
		if v, ok := f[p]; ok {
			if src := d.part(v, field+"."+p); src != nil {
				parts[p] = src
			} else {
				in.ok = false
			}
		}
	}
	if !in.ok {
		checkCounter()
		return
	}
	num := "bad"
	if hasGood {
		num = "good"
	}
	if parts[num].typ != parts["total"].typ {
		d.Errorf(d.LineOf(parts[num].field), parts[num].field, "is a %s source while total is a %s source: the sources of an SLI have one type", parts[num].typ, parts["total"].typ)
		in.ok = false
		return
	}
	if parts["total"].typ == PrometheusSourceType {
		d.promRatio(in, meta, parts, field, !counterFalse && !counterMissing)
		return
	}
	checkCounter()
	for _, k := range sliAnnotations {
		if v, ok := meta.annotations[k]; ok {
			af := yamldoc.JoinField(meta.field+".annotations", k)
			d.Errorf(v.Line, af, "describes the in-process counts of Prometheus sources; these sources are %s already: remove it", OTelSourceType)
		}
	}
	specs := map[string]*otelSpec{}
	for p, src := range parts {
		specs[p] = d.otelSpec(src.spec, src.field)
	}
	d.classify(in, specs["good"], specs["bad"], specs["total"], field)
}

// part reads good, bad or total: {metricSource: {metricSourceRef, type, spec}}.
func (d *osDecoder) part(n *yaml.Node, field string) *osSource {
	f, ok := d.Mapping(n, field, partFields...)
	if !ok {
		return nil
	}
	v, ok := f["metricSource"]
	if !ok {
		d.Missing(d.LineOf(field), field+".metricSource", "missing: the metricSource, {type: %s, spec: {...}} or {type: %s, spec: {query: ...}}", OTelSourceType, PrometheusSourceType)
		return nil
	}
	return d.metricSource(v, field+".metricSource")
}

func (d *osDecoder) metricSource(n *yaml.Node, field string) *osSource {
	f, ok := d.Mapping(n, field, sourceFields...)
	if !ok {
		return nil
	}
	src := &osSource{field: field + ".spec"}
	ok = true
	refType := ""
	if v, has := f["metricSourceRef"]; has {
		ref, rok := d.required(v, field+".metricSourceRef", "give the name of a DataSource of this file")
		t, found := d.sources[ref]
		switch {
		case !rok:
			ok = false
		case !found && yamldoc.Lookup(n, "type") != nil:
			// The type is given beside the reference: the DataSource
			// would only add connection details, which sloguard does not
			// use.
			d.warnf(v.Line, field+".metricSourceRef", "no DataSource named %q in the files loaded%s: the type given here is used", ref, knownNames(d.sources))
		case !found:
			d.Errorf(v.Line, field+".metricSourceRef", "no DataSource named %q in the files loaded%s", ref, knownNames(d.sources))
			ok = false
		case t == "":
			// The DataSource's problem is reported already.
			d.Broken[field+".metricSourceRef"] = true
			ok = false
		default:
			refType = t
		}
	}
	if v, has := f["type"]; has {
		t, tok := d.required(v, field+".type", "give the type of the source, "+OTelSourceType+" or "+PrometheusSourceType)
		if tok {
			t, tok = d.sourceType(t, v.Line, field+".type")
		}
		if tok {
			src.typ = t
			if refType != "" && t != refType {
				d.Errorf(v.Line, field+".type", "is %s while the DataSource that metricSourceRef names is %s", t, refType)
				ok = false
			}
		} else {
			ok = false
		}
	} else if refType != "" {
		src.typ = refType
	} else if ok {
		d.Missing(d.LineOf(field), field+".type", "missing: the type of the source, %s or %s", OTelSourceType, PrometheusSourceType)
		ok = false
	}
	v, has := f["spec"]
	if !has {
		d.Missing(d.LineOf(field), src.field, "missing: the spec of the source")
		return nil
	}
	src.spec = v
	if !ok {
		return nil
	}
	return src
}

// otelSpec is a sloguard.otel spec.
type otelSpec struct {
	field    string
	metric   string
	match    slo.Matcher
	hasMatch bool
	status   string
	le       *big.Rat
	ok       bool
}

func (d *osDecoder) otelSpec(n *yaml.Node, field string) *otelSpec {
	s := &otelSpec{field: field, ok: true}
	f, ok := d.Mapping(n, field, otelSpecFields...)
	if !ok {
		s.ok = false
		return s
	}
	if v, ok := f["metric"]; ok {
		s.metric, _ = d.Text(v, field+".metric")
	}
	if s.metric == "" {
		if !d.Broken[field+".metric"] {
			d.Missing(d.LineOf(field), field+".metric", "missing: the OpenTelemetry instrument counted, like %s or webhook.deliveries", slo.DurationMetric)
		}
		s.ok = false
	}
	if v, ok := f["match"]; ok {
		// An empty match selects every point, as no match does.
		switch m := d.Matcher(v, field+".match"); {
		case m == nil:
			s.ok = false
		case len(m) > 0:
			s.match, s.hasMatch = m, true
		}
	}
	if v, ok := f["status"]; ok {
		switch st, ok := d.required(v, field+".status", "the one status is "+serverErrors); {
		case !ok:
			s.ok = false
		case st != serverErrors:
			d.Errorf(v.Line, field+".status", "status %q is not supported: the one status is %s, the requests answered with a server error", st, serverErrors)
			s.ok = false
		default:
			s.status = st
		}
	}
	if v, ok := f["le"]; ok {
		if r, ok := d.Number(v, field+".le", "a latency in seconds, like 0.4"); ok {
			if r.Sign() <= 0 {
				d.Errorf(v.Line, field+".le", "must be a positive latency in seconds, like 0.4")
				s.ok = false
			} else {
				s.le = r
			}
		} else {
			s.ok = false
		}
	}
	return s
}

// classify reads the sloguard.otel specs of a ratio into the SLI kind they
// describe: the request histogram with status 5xx (availability) or le
// (latency), or any other counter (events).
func (d *osDecoder) classify(in *osIndicator, good, bad, total *otelSpec, field string) {
	num, numName := bad, "bad"
	if good != nil {
		num, numName = good, "good"
	}
	if !num.ok || !total.ok {
		in.ok = false
		return
	}
	for _, k := range []struct {
		set  bool
		name string
	}{{total.status != "", "status"}, {total.le != nil, "le"}} {
		if k.set {
			d.Errorf(d.LineOf(total.field+"."+k.name), total.field+"."+k.name, "belongs to the good or bad source: total counts every request its match selects")
			in.ok = false
		}
	}
	if num.metric != total.metric {
		d.Errorf(d.LineOf(num.field+".metric"), num.field+".metric", "counts %s while total counts %s: %s and total count one instrument", num.metric, total.metric, numName)
		in.ok = false
		return
	}
	if total.metric != slo.DurationMetric {
		for _, k := range []struct {
			set  bool
			name string
		}{{num.status != "", "status"}, {num.le != nil, "le"}} {
			if k.set {
				d.Errorf(d.LineOf(num.field+"."+k.name), num.field+"."+k.name, "%s applies to the request histogram %s only; for %s, select points with match", k.name, slo.DurationMetric, num.metric)
				in.ok = false
			}
		}
		if !in.ok {
			return
		}
		sel := subtractMatcher(num.match, total.match)
		if len(sel) == 0 {
			d.Errorf(d.LineOf(num.field), num.field, "selects every point total selects: give match with the attributes of the %s points, like match: {outcome: [failure]}", numName)
			in.ok = false
			return
		}
		in.sli = slo.SLI{Kind: slo.KindEvents, Metric: total.metric}
		if total.hasMatch {
			in.sli.Total = total.match
		}
		if good != nil {
			in.sli.Good = sel
		} else {
			in.sli.Bad = sel
		}
		in.native["events"] = field
		in.native["events.metric"] = total.field + ".metric"
		in.native["events.total"] = total.field + ".match"
		in.native["events."+numName] = num.field + ".match"
		return
	}
	if !d.httpMatch(total) {
		in.ok = false
	}
	if num.hasMatch && !sameMatcher(num.match, total.match) {
		d.Errorf(d.LineOf(num.field+".match"), num.field+".match", "selects other requests than total: give %s the match of total, or none (it counts among total's requests)", numName)
		in.ok = false
	}
	var kind slo.Kind
	switch {
	case bad != nil && bad.status == serverErrors && bad.le == nil:
		kind = slo.KindAvailability
	case good != nil && good.le != nil && good.status == "":
		kind = slo.KindLatency
	default:
		d.Errorf(d.LineOf(num.field), num.field, "the request histogram gives two SLIs: availability, whose bad source has status: %s, and latency, whose good source has le, the latency in seconds a good request stays within (as in le: 0.4)", serverErrors)
		in.ok = false
		return
	}
	if !in.ok {
		return
	}
	in.sli = slo.SLI{Kind: kind, Routes: nonEmpty(total.match[slo.RouteAttr]), Methods: nonEmpty(total.match[slo.MethodAttr])}
	in.native[string(kind)] = field
	in.native[string(kind)+".routes"] = total.field + ".match." + slo.RouteAttr
	in.native[string(kind)+".methods"] = total.field + ".match." + slo.MethodAttr
	if kind == slo.KindLatency {
		th, ok := d.seconds(good.le, good.field+".le")
		if !ok {
			in.ok = false
		}
		in.sli.Threshold = th
		in.native["latency.threshold"] = good.field + ".le"
	}
}

// nonEmpty is nil for an empty list: no filter, as in the sloguard format.
func nonEmpty(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

// httpMatch checks that the match of a request histogram source filters by
// route and method only, as the availability and latency SLIs do.
func (d *osDecoder) httpMatch(s *otelSpec) bool {
	ok := true
	for _, k := range slices.Sorted(maps.Keys(s.match)) {
		if !slices.Contains(httpMatchAttrs, k) {
			f := s.field + ".match." + k
			d.Errorf(d.LineOf(f), f, "the requests of %s are selected by %s only", slo.DurationMetric, strings.Join(httpMatchAttrs, " and "))
			ok = false
		}
	}
	return ok
}

// seconds converts a latency in seconds to a Duration.
func (d *osDecoder) seconds(r *big.Rat, field string) (time.Duration, bool) {
	ns, _ := new(big.Rat).Mul(r, big.NewRat(int64(time.Second), 1)).Float64()
	if ns >= float64(math.MaxInt64) {
		d.Errorf(d.LineOf(field), field, "%s seconds is too long a latency", r.FloatString(3))
		return 0, false
	}
	return time.Duration(math.Round(ns)), true
}

// subtractMatcher returns the entries of m that total does not select
// already: a good or bad source counts among the points total selects, so
// repeating total's match there changes nothing.
func subtractMatcher(m, total slo.Matcher) slo.Matcher {
	var out slo.Matcher
	for k, v := range m {
		if tv, ok := total[k]; ok && sameValues(v, tv) {
			continue
		}
		if out == nil {
			out = slo.Matcher{}
		}
		out[k] = v
	}
	return out
}

func sameMatcher(a, b slo.Matcher) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || !sameValues(v, bv) {
			return false
		}
	}
	return true
}

func sameValues(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// promRatio reads a ratio of Prometheus queries, and the in-process counts
// of the same events from the SLI's sloguard.io/otel-* annotations.
//
// With counter: true a query may be a bare counter selector, which leaves
// the window to the tool: it is read as the increase of the counter over
// each window, sum(increase(selector[{{.window}}])).
func (d *osDecoder) promRatio(in *osIndicator, meta osMeta, parts map[string]*osSource, field string, counter bool) {
	in.sli.PromQL = &slo.PromQL{}
	in.native["promql"] = field
	for _, p := range []struct {
		name string
		dst  *string
	}{{"good", &in.sli.PromQL.Good}, {"bad", &in.sli.PromQL.Bad}, {"total", &in.sli.PromQL.Total}} {
		src, ok := parts[p.name]
		if !ok {
			continue
		}
		f, mok := d.Mapping(src.spec, src.field, promSpecFields...)
		if !mok {
			in.ok = false
			continue
		}
		// Vendors name the query field query or promql.
		key := "query"
		if _, has := f["query"]; !has {
			if _, has := f["promql"]; has {
				key = "promql"
			}
		} else if _, both := f["promql"]; both {
			d.Errorf(f["promql"].Line, src.field+".promql", "gives both query and promql: give the query once")
			in.ok = false
			continue
		}
		qf := src.field + "." + key
		in.native["promql."+p.name] = qf
		v, has := f[key]
		if !has {
			d.Missing(d.LineOf(src.field), qf, "missing: the PromQL query for the count of %s events over {{.window}}", p.name)
			in.ok = false
			continue
		}
		q, _ := d.Text(v, qf)
		if strings.TrimSpace(q) == "" {
			if !d.Broken[qf] {
				d.Errorf(v.Line, qf, "empty: give the PromQL query for the count of %s events over {{.window}}", p.name)
			}
			in.ok = false
			continue
		}
		if counter && !strings.Contains(q, "{{") {
			if inc, err := slo.CounterQuery(q); err == nil {
				q = inc
			}
		}
		if err := slo.CheckQueryTemplate(q); err != nil {
			if strings.Contains(err.Error(), "does not use") {
				d.Errorf(v.Line, qf, "the query does not use {{.window}}: sloguard asks for the count of events over each window it evaluates, so write the range as [{{.window}}], as in sum(increase(http_server_request_duration_seconds_count[{{.window}}]))")
			} else {
				d.Errorf(v.Line, qf, "%v", err)
			}
			in.ok = false
			continue
		}
		*p.dst = q
	}
	specs := map[string]*otelSpec{}
	for _, p := range []struct{ name, key string }{{"good", annotationOTelGood}, {"bad", annotationOTelBad}, {"total", annotationOTelTotal}} {
		if v, ok := meta.annotations[p.key]; ok {
			specs[p.name] = d.annotatedOTel(v, yamldoc.JoinField(meta.field+".annotations", p.key))
		}
	}
	good, bad, total := specs["good"], specs["bad"], specs["total"]
	switch {
	case good == nil && bad == nil && total == nil:
		// A query-only SLI: rules and the Prometheus source evaluate it;
		// the embedded engine cannot, and says so when asked to.
		return
	case good != nil && bad != nil:
		d.Errorf(d.LineOf(bad.field), bad.field, "gives both %s and %s: give one, the other is total minus it", annotationOTelGood, annotationOTelBad)
		in.ok = false
		return
	case good == nil && bad == nil:
		d.Missing(d.LineOf(meta.field+".annotations"), yamldoc.JoinField(meta.field+".annotations", annotationOTelBad), "missing: %s (or %s), the in-process count of the bad (or good) events", annotationOTelBad, annotationOTelGood)
		in.ok = false
		return
	case total == nil:
		d.Missing(d.LineOf(meta.field+".annotations"), yamldoc.JoinField(meta.field+".annotations", annotationOTelTotal), "missing: %s, the in-process count of all events", annotationOTelTotal)
		in.ok = false
		return
	}
	promql := in.sli.PromQL
	promNative := maps.Clone(in.native)
	d.classify(in, good, bad, total, meta.field+".annotations")
	in.sli.PromQL = promql
	maps.Copy(in.native, promNative)
}

// annotatedOTel reads a sloguard.otel spec written as a YAML string in an
// annotation; its lines are those of the file.
func (d *osDecoder) annotatedOTel(v *yaml.Node, field string) *otelSpec {
	n := annotatedMapping(v)
	if n == nil {
		d.Errorf(v.Line, field, "must be a %s spec in YAML flow style, like '{metric: webhook.deliveries, match: {outcome: [failure]}}', not %q", OTelSourceType, v.Value)
		return &otelSpec{field: field}
	}
	return d.otelSpec(n, field)
}

// annotatedMapping parses a YAML mapping written as a string in an
// annotation, its lines those of the file; nil if it is none.
func annotatedMapping(v *yaml.Node) *yaml.Node {
	var doc yaml.Node
	err := yaml.Unmarshal([]byte(v.Value), &doc)
	if err != nil || len(doc.Content) == 0 || yamldoc.ResolveAlias(doc.Content[0]).Kind != yaml.MappingNode {
		return nil
	}
	offset := v.Line - 1
	if v.Style == yaml.LiteralStyle || v.Style == yaml.FoldedStyle {
		offset++
	}
	var shift func(*yaml.Node)
	shift = func(n *yaml.Node) {
		n.Line += offset
		for _, c := range n.Content {
			shift(c)
		}
	}
	shift(doc.Content[0])
	return doc.Content[0]
}
