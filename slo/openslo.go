package slo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// OpenSLO v1 (https://openslo.com) is the portable SLO file format. Parse
// and LoadFile read it as well as the sloguard/v1 format, and ExportOpenSLO
// writes a Spec as OpenSLO documents.
//
// The sources of an SLI are metricSources of one of two types:
//
//   - sloguard.otel, the service's own OpenTelemetry instruments. Its spec
//     is {metric, match, status, le}: metric names the instrument; match
//     maps attribute names to the values selected (a value or a list);
//     status: 5xx selects the requests answered with a server error and le
//     (seconds) those that finished within that bucket boundary, both on the
//     http.server.request.duration histogram only. A good or bad source counts
//     among the points its total selects.
//   - Prometheus, whose spec.query is a PromQL query for the number of events
//     over the range {{.window}}. Prometheus sources need the same counts as
//     sloguard.otel specs in the annotations sloguard.io/otel-good (or -bad)
//     and sloguard.io/otel-total of the SLI, for when no Prometheus is used.
const (
	// OpenSLOVersion is the apiVersion of the OpenSLO documents read and written.
	OpenSLOVersion = "openslo/v1"
	// OTelSourceType is the metricSource type of the service's own
	// OpenTelemetry instruments.
	OTelSourceType = "sloguard.otel"
	// PrometheusSourceType is the metricSource type of PromQL queries.
	PrometheusSourceType = "Prometheus"
)

// The annotations sloguard reads and writes. The name keeps an SLO name
// that an OpenSLO name (a DNS label) cannot hold, such as latency_p95.
const (
	annotationPrefix    = "sloguard.io/"
	annotationName      = annotationPrefix + "name"
	annotationMinEvents = annotationPrefix + "min-events"
	annotationOTelGood  = annotationPrefix + "otel-good"
	annotationOTelBad   = annotationPrefix + "otel-bad"
	annotationOTelTotal = annotationPrefix + "otel-total"
)

// serverErrors is the only status a sloguard.otel spec selects.
const serverErrors = "5xx"

// The kinds of OpenSLO v1 objects.
const (
	kindSLO            = "SLO"
	kindSLI            = "SLI"
	kindAlertPolicy    = "AlertPolicy"
	kindAlertCondition = "AlertCondition"
	kindTarget         = "AlertNotificationTarget"
	kindDataSource     = "DataSource"
	kindService        = "Service"
)

var (
	openSLOKinds = []string{kindSLO, kindSLI, kindAlertPolicy, kindAlertCondition, kindTarget, kindDataSource, kindService}
	// decodeOrder decodes the objects others refer to first.
	decodeOrder = []string{kindDataSource, kindService, kindSLI, kindAlertCondition, kindTarget, kindAlertPolicy, kindSLO}

	objectFields      = []string{"apiVersion", "kind", "metadata", "spec"}
	metadataFields    = []string{"name", "displayName", "labels", "annotations"}
	osSLOFields       = []string{"description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives", "alertPolicies"}
	inlineSLIFields   = []string{"metadata", "spec"}
	osSLIFields       = []string{"description", "thresholdMetric", "ratioMetric"}
	ratioFields       = []string{"counter", "good", "bad", "total", "rawType", "raw"}
	partFields        = []string{"metricSource"}
	sourceFields      = []string{"metricSourceRef", "type", "spec"}
	otelSpecFields    = []string{"metric", "match", "status", "le"}
	promSpecFields    = []string{"query"}
	timeWindowFields  = []string{"duration", "isRolling", "calendar"}
	objectiveFields   = []string{"displayName", "op", "value", "target", "targetPercent", "timeSliceTarget", "timeSliceWindow", "indicator", "indicatorRef", "compositeWeight"}
	policyItemFields  = []string{"alertPolicyRef", "kind", "metadata", "spec"}
	policyFields      = []string{"description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions", "notificationTargets"}
	condItemFields    = []string{"conditionRef", "kind", "metadata", "spec"}
	condSpecFields    = []string{"description", "severity", "condition"}
	conditionFields   = []string{"kind", "op", "threshold", "lookbackWindow", "alertAfter"}
	targetItemFields  = []string{"targetRef", "kind", "metadata", "spec"}
	targetFields      = []string{"description", "target"}
	dataSourceFields  = []string{"description", "type", "connectionDetails"}
	serviceFields     = []string{"description"}
	budgetingMethods  = []string{"Occurrences", "Timeslices", "RatioTimeslices"}
	objectiveOps      = []string{"lt", "lte", "gt", "gte"}
	sloAnnotations    = []string{annotationName, annotationMinEvents}
	sliAnnotations    = []string{annotationOTelGood, annotationOTelBad, annotationOTelTotal}
	httpMatchAttrs    = []string{RouteAttr, MethodAttr}
	sourceTypes       = []string{OTelSourceType, PrometheusSourceType}
	shorthandRE       = regexp.MustCompile(`^([0-9]+)([A-Za-z]*)$`)
	dnsLabelInvalidRE = regexp.MustCompile(`[^a-z0-9-]+`)
)

// isOpenSLO reports whether data holds OpenSLO documents rather than a
// sloguard/v1 spec: the first document (or list item) that has either an
// apiVersion or a version field has apiVersion and no version. Files it
// cannot read up to there are left to the sloguard/v1 parser, which reports
// why.
func isOpenSLO(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return false
		}
		if len(doc.Content) == 0 {
			continue
		}
		items := []*yaml.Node{doc.Content[0]}
		if n := resolveAlias(doc.Content[0]); n.Kind == yaml.SequenceNode {
			items = n.Content
		}
		for _, n := range items {
			if lookup(n, "version") != nil {
				return false
			}
			if lookup(n, "apiVersion") != nil {
				return true
			}
		}
	}
}

// lookup returns the value of key in a mapping node, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolveAlias(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return resolveAlias(n.Content[i+1])
		}
	}
	return nil
}

// osDecoder reads OpenSLO objects into a Spec. It reuses the sloguard/v1
// decoder's helpers, with fields named the OpenSLO way: Kind/name, then the
// path in the object, as in SLO/availability.spec.timeWindow[0].duration.
type osDecoder struct {
	*decoder

	objects []*osObject
	named   map[string]map[string]*osObject // kind -> name -> first object

	sources    map[string]string // DataSource name -> type ("" when unusable)
	slis       map[string]*osIndicator
	conditions map[string]*osCondition
	policies   map[string]*osPolicy
	targets    map[string]bool
	services   []*osObject

	// native maps the fields of the sloguard/v1 format, as validateSpec
	// names them, to the OpenSLO fields they were read from.
	native map[string]string
}

// osObject is one OpenSLO object of the file.
type osObject struct {
	kind   string
	field  string
	line   int
	meta   osMeta
	spec   *yaml.Node
	isCopy bool // a second object of the same kind and name
}

type osMeta struct {
	name        string
	labels      map[string]string
	annotations map[string]*yaml.Node
	field       string
}

// parseOpenSLO reads OpenSLO v1 documents (see Parse).
func parseOpenSLO(filename string, data []byte, cfg parseConfig) (Spec, error) {
	d := &osDecoder{
		decoder:    &decoder{file: filename, lines: map[string]int{}, broken: map[string]bool{}, suggested: map[string]bool{}},
		named:      map[string]map[string]*osObject{},
		sources:    map[string]string{},
		slis:       map[string]*osIndicator{},
		conditions: map[string]*osCondition{},
		policies:   map[string]*osPolicy{},
		targets:    map[string]bool{},
		native:     map[string]string{},
	}
	if !d.read(data) {
		return Spec{}, &ValidationError{Problems: d.problems}
	}
	spec := d.decodeAll()
	if len(spec.SLOs) > 0 {
		seen := map[Problem]bool{}
		for _, p := range d.problems {
			seen[p] = true
		}
		for _, p := range validateSpec(spec, cfg.boundaries) {
			p.Field = d.translate(p.Field)
			if d.suppressed(p.Field) {
				continue
			}
			p.File = filename
			p.Line = d.lineOf(p.Field)
			// A referenced SLI is checked once for every SLO using it.
			if !seen[p] {
				seen[p] = true
				d.problems = append(d.problems, p)
			}
		}
	}
	if len(d.problems) > 0 {
		slices.SortStableFunc(d.problems, func(a, b Problem) int { return a.Line - b.Line })
		return Spec{}, &ValidationError{Problems: d.problems}
	}
	return spec, nil
}

// forget drops the fields registered for slos[i], an SLO left out of the
// spec.
func (d *osDecoder) forget(i int) {
	p := fmt.Sprintf("slos[%d]", i)
	for k := range d.native {
		if k == p || strings.HasPrefix(k, p+".") {
			delete(d.native, k)
		}
	}
}

// translate names a field of validateSpec the OpenSLO way: the closest
// registered ancestor, followed by the rest of the path.
func (d *osDecoder) translate(field string) string {
	for f := field; ; f = parentField(f) {
		if of, ok := d.native[f]; ok {
			return of + field[len(f):]
		}
		if f == "" {
			return field
		}
	}
}

// read collects the objects of every YAML document: a document is one
// object or a list of them.
func (d *osDecoder) read(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	index := 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.yamlError(data, err)
			return false
		}
		if len(doc.Content) == 0 || isNull(doc.Content[0]) {
			continue
		}
		root := resolveAlias(doc.Content[0])
		items := []*yaml.Node{root}
		if root.Kind == yaml.SequenceNode {
			items = root.Content
		}
		for _, item := range items {
			d.object(resolveAlias(item), index)
			index++
		}
	}
	return true
}

// object reads the envelope of one object: apiVersion, kind, metadata.
func (d *osDecoder) object(n *yaml.Node, index int) {
	field := fmt.Sprintf("documents[%d]", index)
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, field, "must be an OpenSLO object (apiVersion, kind, metadata, spec), not %s", kindName(n))
		return
	}
	kind, name := scalarValue(lookup(n, "kind")), scalarValue(lookup(lookup(n, "metadata"), "name"))
	var first *osObject
	if slices.Contains(openSLOKinds, kind) && name != "" {
		if first = d.named[kind][name]; first == nil {
			field = kind + "/" + name
		}
	}
	f, ok := d.mapping(n, field, objectFields...)
	if !ok {
		return
	}
	o := &osObject{field: field, line: n.Line, isCopy: first != nil}
	v, ok := f["apiVersion"]
	if !ok {
		d.missing(n.Line, field+".apiVersion", "missing: OpenSLO objects start with apiVersion: %s", OpenSLOVersion)
		return
	}
	if version, ok := d.required(v, field+".apiVersion", "write apiVersion: "+OpenSLOVersion); !ok {
		return
	} else if version != OpenSLOVersion {
		d.errorf(v.Line, field+".apiVersion", "unsupported apiVersion %q: this release reads %s (or the sloguard format, which starts with version: %s)", version, OpenSLOVersion, Version)
		return
	}
	v, ok = f["kind"]
	if !ok {
		d.missing(n.Line, field+".kind", "missing: the kind of object, one of %s", strings.Join(openSLOKinds, ", "))
		return
	}
	if o.kind, ok = d.required(v, field+".kind", "give the kind of object, one of "+strings.Join(openSLOKinds, ", ")); !ok {
		return
	}
	if !slices.Contains(openSLOKinds, o.kind) {
		msg := fmt.Sprintf("unknown kind %q", o.kind)
		if i := slices.IndexFunc(openSLOKinds, func(k string) bool { return strings.EqualFold(k, o.kind) }); i >= 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", openSLOKinds[i])
		} else {
			msg += fmt.Sprintf(" (OpenSLO v1 kinds: %s)", strings.Join(openSLOKinds, ", "))
		}
		d.errorf(v.Line, field+".kind", "%s", msg)
		return
	}
	var annotations []string
	switch o.kind {
	case kindSLO:
		annotations = sloAnnotations
	case kindSLI:
		annotations = sliAnnotations
	}
	if v, ok := f["metadata"]; ok {
		o.meta = d.metadata(v, field+".metadata", annotations)
	} else {
		d.missing(n.Line, field+".metadata", "missing: metadata with the name of the %s", o.kind)
	}
	if first != nil {
		d.errorf(d.lineOf(field+".metadata.name"), field+".metadata.name", "%s %q is already defined on line %d: names are unique within a kind", o.kind, name, first.line)
	} else if o.meta.name != "" {
		if d.named[o.kind] == nil {
			d.named[o.kind] = map[string]*osObject{}
		}
		d.named[o.kind][o.meta.name] = o
	}
	if v, ok := f["spec"]; ok {
		o.spec = v
	} else {
		d.missing(n.Line, field+".spec", "missing: the spec of the %s", o.kind)
	}
	d.objects = append(d.objects, o)
}

// required reads a value that must not be empty; what says what to give.
func (d *osDecoder) required(n *yaml.Node, field, what string) (string, bool) {
	v, ok := d.text(n, field)
	if !ok {
		return "", false
	}
	if strings.TrimSpace(v) == "" {
		d.errorf(resolveAlias(n).Line, field, "empty: %s", what)
		return "", false
	}
	return v, true
}

// article is a or an, for a name of a kind.
func article(kind string) string {
	if strings.ContainsRune("AEIOU", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

func scalarValue(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return ""
	}
	return n.Value
}

func (d *osDecoder) metadata(n *yaml.Node, field string, annotations []string) osMeta {
	m := osMeta{field: field}
	f, ok := d.mapping(n, field, metadataFields...)
	if !ok {
		return m
	}
	if v, ok := f["name"]; ok {
		m.name, _ = d.text(v, field+".name")
	}
	if m.name == "" && !d.broken[field+".name"] {
		d.missing(d.lineOf(field), field+".name", "missing: every OpenSLO object needs a name")
	}
	if v, ok := f["displayName"]; ok {
		d.text(v, field+".displayName")
	}
	if v, ok := f["labels"]; ok {
		m.labels = d.osLabels(v, field+".labels")
	}
	if v, ok := f["annotations"]; ok {
		m.annotations = d.annotations(v, field+".annotations", annotations)
	}
	return m
}

// osLabels reads metadata.labels, whose values OpenSLO allows to be lists:
// sloguard labels have one value, so a list must hold exactly one.
func (d *osDecoder) osLabels(n *yaml.Node, field string) map[string]string {
	var out map[string]string
	d.entries(n, field, "label names to values", "label names", func(k, v *yaml.Node, f string) {
		if v.Kind == yaml.SequenceNode {
			if len(v.Content) != 1 {
				d.errorf(v.Line, f, "lists %d values: a sloguard label has exactly one", len(v.Content))
				return
			}
			v = resolveAlias(v.Content[0])
		}
		if val, ok := d.text(v, f); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[k.Value] = val
		}
	})
	return out
}

// annotations reads metadata.annotations. Those of other tools are left to
// them; a sloguard.io/ key must be one sloguard reads on this kind of object.
func (d *osDecoder) annotations(n *yaml.Node, field string, known []string) map[string]*yaml.Node {
	var out map[string]*yaml.Node
	d.entries(n, field, "annotation names to strings", "annotation names", func(k, v *yaml.Node, f string) {
		if v.Kind != yaml.ScalarNode {
			d.errorf(v.Line, f, "annotation values are strings, not %s: quote it, as in '{metric: webhook.deliveries}'", kindName(v))
			return
		}
		if strings.HasPrefix(k.Value, annotationPrefix) && !slices.Contains(known, k.Value) {
			msg := fmt.Sprintf("unknown sloguard annotation %q", k.Value)
			switch {
			case len(known) == 0:
				msg += " (sloguard reads annotations on SLO and SLI objects only)"
			case closest(k.Value, known) != "":
				msg += fmt.Sprintf(" (did you mean %q?)", closest(k.Value, known))
				d.suggested[joinField(field, closest(k.Value, known))] = true
			default:
				msg += fmt.Sprintf(" (known here: %s)", strings.Join(known, ", "))
			}
			d.errorf(k.Line, f, "%s", msg)
			return
		}
		if out == nil {
			out = map[string]*yaml.Node{}
		}
		out[k.Value] = v
	})
	return out
}

// decodeAll decodes the objects, those others refer to first, and builds
// the Spec of the SLOs.
func (d *osDecoder) decodeAll() Spec {
	spec := Spec{Version: Version}
	var (
		service      string
		serviceField string
		names        = map[string]string{}
	)
	for _, kind := range decodeOrder {
		for _, o := range d.objects {
			if o.kind != kind || o.spec == nil {
				continue
			}
			switch kind {
			case kindDataSource:
				d.dataSource(o)
			case kindService:
				d.service(o)
			case kindSLI:
				in := d.indicator(o.meta, o.spec, o.field)
				if !o.isCopy && o.meta.name != "" {
					d.slis[o.meta.name] = in
				}
			case kindAlertCondition:
				c := d.condition(o.spec, o.field)
				if !o.isCopy && o.meta.name != "" {
					d.conditions[o.meta.name] = c
				}
			case kindTarget:
				d.target(o.spec, o.field)
				if !o.isCopy && o.meta.name != "" {
					d.targets[o.meta.name] = true
				}
			case kindAlertPolicy:
				p := d.policy(o.spec, o.field)
				if !o.isCopy && o.meta.name != "" {
					d.policies[o.meta.name] = p
				}
			case kindSLO:
				s, svc, svcField := d.slo(o, len(spec.SLOs))
				if o.isCopy {
					continue
				}
				if s.Name != "" {
					if first, dup := names[s.Name]; dup {
						nf := d.native[fmt.Sprintf("slos[%d].name", len(spec.SLOs))]
						d.errorf(d.lineOf(nf), nf, "the SLO name %q is already the name of %s", s.Name, first)
						d.forget(len(spec.SLOs))
						continue
					}
					names[s.Name] = o.field
				}
				switch {
				case svc == "":
				case service == "":
					service, serviceField = svc, svcField
					d.native["service"] = svcField
				case svc != service:
					d.errorf(d.lineOf(svcField), svcField, "service %q differs from %q (line %d): a file holds the SLOs of one service; put the SLOs of %q in a file of their own",
						svc, service, d.lineOf(serviceField), svc)
				}
				spec.SLOs = append(spec.SLOs, s)
			}
		}
	}
	spec.Service = service
	if len(spec.SLOs) == 0 && len(d.problems) == 0 {
		d.errorf(0, "", "the file holds no SLO: sloguard needs at least one object of kind SLO")
	}
	for _, o := range d.services {
		if service != "" && o.meta.name != service {
			f := o.field + ".metadata.name"
			d.errorf(d.lineOf(f), f, "Service %q is not the service of the SLOs of this file (%q): a file holds the SLOs of one service", o.meta.name, service)
		}
	}
	return spec
}

func (d *osDecoder) dataSource(o *osObject) {
	sf := o.field + ".spec"
	f, ok := d.mapping(o.spec, sf, dataSourceFields...)
	if !ok {
		return
	}
	if v, ok := f["description"]; ok {
		d.text(v, sf+".description")
	}
	typ := ""
	if v, ok := f["type"]; ok {
		if t, ok := d.required(v, sf+".type", "give the type of the source, "+OTelSourceType+" or "+PrometheusSourceType); ok {
			if d.sourceType(t, v.Line, sf+".type") {
				typ = t
			}
		}
	} else {
		d.missing(d.lineOf(sf), sf+".type", "missing: the type of the source, %s", strings.Join(sourceTypes, " or "))
	}
	// connectionDetails are the business of whoever runs the queries: for
	// Prometheus, the address given to sloguard serve.
	if !o.isCopy && o.meta.name != "" {
		d.sources[o.meta.name] = typ
	}
}

// sourceType checks the type of a metric source or data source.
func (d *osDecoder) sourceType(t string, line int, field string) bool {
	if slices.Contains(sourceTypes, t) {
		return true
	}
	msg := fmt.Sprintf("source type %q is not supported: sloguard reads %s (the service's own OpenTelemetry instruments) and %s (PromQL queries)", t, OTelSourceType, PrometheusSourceType)
	if i := slices.IndexFunc(sourceTypes, func(s string) bool { return strings.EqualFold(s, t) }); i >= 0 {
		msg = fmt.Sprintf("source type %q is written %q", t, sourceTypes[i])
	}
	d.errorf(line, field, "%s", msg)
	return false
}

func (d *osDecoder) service(o *osObject) {
	sf := o.field + ".spec"
	if f, ok := d.mapping(o.spec, sf, serviceFields...); ok {
		if v, ok := f["description"]; ok {
			d.text(v, sf+".description")
		}
	}
	if !o.isCopy && o.meta.name != "" {
		d.services = append(d.services, o)
	}
}

// osIndicator is an SLI read from an SLI object or an inline indicator.
type osIndicator struct {
	field string
	sli   SLI
	ok    bool
	// threshold is set for a thresholdMetric, whose threshold is the value
	// of the objective of each SLO using it.
	threshold bool
	// native maps sloguard/v1 fields under sli (availability.routes, ...)
	// to the OpenSLO fields they come from.
	native map[string]string
}

// indicator reads the spec of an SLI; field names the SLI object or the
// inline indicator.
func (d *osDecoder) indicator(meta osMeta, spec *yaml.Node, field string) *osIndicator {
	in := &osIndicator{field: field, native: map[string]string{}, ok: true}
	sf := field + ".spec"
	f, ok := d.mapping(spec, sf, osSLIFields...)
	if !ok {
		in.ok = false
		return in
	}
	if v, ok := f["description"]; ok {
		d.text(v, sf+".description")
	}
	threshold, hasThreshold := f["thresholdMetric"]
	ratio, hasRatio := f["ratioMetric"]
	switch {
	case hasThreshold && hasRatio:
		d.errorf(d.lineOf(sf+".ratioMetric"), sf, "gives thresholdMetric and ratioMetric: an SLI has one of them")
		in.ok = false
	case hasRatio:
		d.ratio(in, meta, ratio, sf+".ratioMetric")
	case hasThreshold:
		d.thresholdMetric(in, meta, threshold, sf+".thresholdMetric")
	default:
		d.missing(d.lineOf(sf), sf+".ratioMetric", "missing: give ratioMetric (good or bad, and total) or thresholdMetric")
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
	f, ok := d.mapping(n, field, ratioFields...)
	if !ok {
		in.ok = false
		return
	}
	if v, ok := f["counter"]; ok {
		if c, ok := d.boolean(v, field+".counter"); ok && !c {
			d.errorf(v.Line, field+".counter", "false means the metric is a gauge; sloguard counts events with counters: write counter: true")
		}
	} else {
		d.missing(d.lineOf(field), field+".counter", "missing: sloguard counts events with counters, so write counter: true")
	}
	for _, k := range []string{"raw", "rawType"} {
		if _, ok := f[k]; ok {
			d.errorf(d.lineOf(field+"."+k), field+"."+k, "precomputed ratios (raw) are not supported: sloguard counts events, so give good or bad, and total")
			in.ok = false
		}
	}
	_, hasGood := f["good"]
	_, hasBad := f["bad"]
	switch {
	case hasGood && hasBad:
		later := "bad"
		if d.lines[field+".good"] > d.lines[field+".bad"] {
			later = "good"
		}
		d.errorf(d.lines[field+"."+later], field, "gives both good and bad: give one, the other is total minus it")
		in.ok = false
	case !hasGood && !hasBad && in.ok:
		d.missing(d.lineOf(field), field+".bad", "missing: give bad (or good), the events counted against (or towards) the objective, with total")
		in.ok = false
	}
	if _, ok := f["total"]; !ok {
		d.missing(d.lineOf(field), field+".total", "missing: the count of all events, which good or bad is a part of")
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
		return
	}
	num := "bad"
	if hasGood {
		num = "good"
	}
	if parts[num].typ != parts["total"].typ {
		d.errorf(d.lineOf(parts[num].field), parts[num].field, "is a %s source while total is a %s source: the sources of an SLI have one type", parts[num].typ, parts["total"].typ)
		in.ok = false
		return
	}
	if parts["total"].typ == PrometheusSourceType {
		d.promRatio(in, meta, parts, field)
		return
	}
	for _, k := range sliAnnotations {
		if v, ok := meta.annotations[k]; ok {
			af := joinField(meta.field+".annotations", k)
			d.errorf(v.Line, af, "describes the in-process counts of Prometheus sources; these sources are %s already: remove it", OTelSourceType)
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
	f, ok := d.mapping(n, field, partFields...)
	if !ok {
		return nil
	}
	v, ok := f["metricSource"]
	if !ok {
		d.missing(d.lineOf(field), field+".metricSource", "missing: the metricSource, {type: %s, spec: {...}} or {type: %s, spec: {query: ...}}", OTelSourceType, PrometheusSourceType)
		return nil
	}
	return d.metricSource(v, field+".metricSource")
}

func (d *osDecoder) metricSource(n *yaml.Node, field string) *osSource {
	f, ok := d.mapping(n, field, sourceFields...)
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
		case !found:
			d.errorf(v.Line, field+".metricSourceRef", "no DataSource named %q in this file%s", ref, knownNames(d.sources))
			ok = false
		case t == "":
			// The DataSource's problem is reported already.
			d.broken[field+".metricSourceRef"] = true
			ok = false
		default:
			refType = t
		}
	}
	if v, has := f["type"]; has {
		if t, tok := d.required(v, field+".type", "give the type of the source, "+OTelSourceType+" or "+PrometheusSourceType); tok && d.sourceType(t, v.Line, field+".type") {
			src.typ = t
			if refType != "" && t != refType {
				d.errorf(v.Line, field+".type", "is %s while the DataSource that metricSourceRef names is %s", t, refType)
				ok = false
			}
		} else {
			ok = false
		}
	} else if refType != "" {
		src.typ = refType
	} else if ok {
		d.missing(d.lineOf(field), field+".type", "missing: the type of the source, %s or %s", OTelSourceType, PrometheusSourceType)
		ok = false
	}
	v, has := f["spec"]
	if !has {
		d.missing(d.lineOf(field), src.field, "missing: the spec of the source")
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
	match    Matcher
	hasMatch bool
	status   string
	le       *big.Rat
	ok       bool
}

func (d *osDecoder) otelSpec(n *yaml.Node, field string) *otelSpec {
	s := &otelSpec{field: field, ok: true}
	f, ok := d.mapping(n, field, otelSpecFields...)
	if !ok {
		s.ok = false
		return s
	}
	if v, ok := f["metric"]; ok {
		s.metric, _ = d.text(v, field+".metric")
	}
	if s.metric == "" {
		if !d.broken[field+".metric"] {
			d.missing(d.lineOf(field), field+".metric", "missing: the OpenTelemetry instrument counted, like %s or webhook.deliveries", DurationMetric)
		}
		s.ok = false
	}
	if v, ok := f["match"]; ok {
		// An empty match selects every point, as no match does.
		switch m := d.matcher(v, field+".match"); {
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
			d.errorf(v.Line, field+".status", "status %q is not supported: the one status is %s, the requests answered with a server error", st, serverErrors)
			s.ok = false
		default:
			s.status = st
		}
	}
	if v, ok := f["le"]; ok {
		if r, ok := d.number(v, field+".le", "a latency in seconds, like 0.4"); ok {
			if r.Sign() <= 0 {
				d.errorf(v.Line, field+".le", "must be a positive latency in seconds, like 0.4")
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
			d.errorf(d.lineOf(total.field+"."+k.name), total.field+"."+k.name, "belongs to the good or bad source: total counts every request its match selects")
			in.ok = false
		}
	}
	if num.metric != total.metric {
		d.errorf(d.lineOf(num.field+".metric"), num.field+".metric", "counts %s while total counts %s: %s and total count one instrument", num.metric, total.metric, numName)
		in.ok = false
		return
	}
	if total.metric != DurationMetric {
		for _, k := range []struct {
			set  bool
			name string
		}{{num.status != "", "status"}, {num.le != nil, "le"}} {
			if k.set {
				d.errorf(d.lineOf(num.field+"."+k.name), num.field+"."+k.name, "%s applies to the request histogram %s only; for %s, select points with match", k.name, DurationMetric, num.metric)
				in.ok = false
			}
		}
		if !in.ok {
			return
		}
		sel := subtractMatcher(num.match, total.match)
		if len(sel) == 0 {
			d.errorf(d.lineOf(num.field), num.field, "selects every point total selects: give match with the attributes of the %s points, like match: {outcome: [failure]}", numName)
			in.ok = false
			return
		}
		in.sli = SLI{Kind: KindEvents, Metric: total.metric}
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
		d.errorf(d.lineOf(num.field+".match"), num.field+".match", "selects other requests than total: give %s the match of total, or none (it counts among total's requests)", numName)
		in.ok = false
	}
	var kind Kind
	switch {
	case bad != nil && bad.status == serverErrors && bad.le == nil:
		kind = KindAvailability
	case good != nil && good.le != nil && good.status == "":
		kind = KindLatency
	default:
		d.errorf(d.lineOf(num.field), num.field, "the request histogram gives two SLIs: availability, whose bad source has status: %s, and latency, whose good source has le, the latency in seconds a good request stays within (as in le: 0.4)", serverErrors)
		in.ok = false
		return
	}
	if !in.ok {
		return
	}
	in.sli = SLI{Kind: kind, Routes: nonEmpty(total.match[RouteAttr]), Methods: nonEmpty(total.match[MethodAttr])}
	in.native[string(kind)] = field
	in.native[string(kind)+".routes"] = total.field + ".match." + RouteAttr
	in.native[string(kind)+".methods"] = total.field + ".match." + MethodAttr
	if kind == KindLatency {
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
	for _, k := range sortedKeys(s.match) {
		if !slices.Contains(httpMatchAttrs, k) {
			f := s.field + ".match." + k
			d.errorf(d.lineOf(f), f, "the requests of %s are selected by %s only", DurationMetric, strings.Join(httpMatchAttrs, " and "))
			ok = false
		}
	}
	return ok
}

// seconds converts a latency in seconds to a Duration.
func (d *osDecoder) seconds(r *big.Rat, field string) (time.Duration, bool) {
	ns, _ := new(big.Rat).Mul(r, big.NewRat(int64(time.Second), 1)).Float64()
	if ns >= float64(math.MaxInt64) {
		d.errorf(d.lineOf(field), field, "%s seconds is too long a latency", r.FloatString(3))
		return 0, false
	}
	return time.Duration(math.Round(ns)), true
}

// subtractMatcher returns the entries of m that total does not select
// already: a good or bad source counts among the points total selects, so
// repeating total's match there changes nothing.
func subtractMatcher(m, total Matcher) Matcher {
	var out Matcher
	for k, v := range m {
		if tv, ok := total[k]; ok && sameValues(v, tv) {
			continue
		}
		if out == nil {
			out = Matcher{}
		}
		out[k] = v
	}
	return out
}

func sameMatcher(a, b Matcher) bool {
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
func (d *osDecoder) promRatio(in *osIndicator, meta osMeta, parts map[string]*osSource, field string) {
	in.sli.PromQL = &PromQL{}
	in.native["promql"] = field
	for _, p := range []struct {
		name string
		dst  *string
	}{{"good", &in.sli.PromQL.Good}, {"bad", &in.sli.PromQL.Bad}, {"total", &in.sli.PromQL.Total}} {
		src, ok := parts[p.name]
		if !ok {
			continue
		}
		f, mok := d.mapping(src.spec, src.field, promSpecFields...)
		if !mok {
			in.ok = false
			continue
		}
		qf := src.field + ".query"
		in.native["promql."+p.name] = qf
		v, has := f["query"]
		if !has {
			d.missing(d.lineOf(src.field), qf, "missing: the PromQL query for the count of %s events over {{.window}}", p.name)
			in.ok = false
			continue
		}
		q, _ := d.text(v, qf)
		if strings.TrimSpace(q) == "" {
			if !d.broken[qf] {
				d.errorf(v.Line, qf, "empty: give the PromQL query for the count of %s events over {{.window}}", p.name)
			}
			in.ok = false
			continue
		}
		if err := checkQueryTemplate(q); err != nil {
			if strings.Contains(err.Error(), "does not use") {
				d.errorf(v.Line, qf, "the query does not use {{.window}}: sloguard asks for the count of events over each window it evaluates, so write the range as [{{.window}}], as in sum(increase(http_server_request_duration_seconds_count[{{.window}}]))")
			} else {
				d.errorf(v.Line, qf, "%v", err)
			}
			in.ok = false
			continue
		}
		*p.dst = q
	}
	specs := map[string]*otelSpec{}
	for _, p := range []struct{ name, key string }{{"good", annotationOTelGood}, {"bad", annotationOTelBad}, {"total", annotationOTelTotal}} {
		if v, ok := meta.annotations[p.key]; ok {
			specs[p.name] = d.annotatedOTel(v, joinField(meta.field+".annotations", p.key))
		}
	}
	good, bad, total := specs["good"], specs["bad"], specs["total"]
	switch {
	case good == nil && bad == nil && total == nil:
		d.errorf(d.lineOf(field), field, "Prometheus queries alone do not say which instrument of the service counts the same events when sloguard runs without Prometheus: add the SLI annotations %s (or %s) and %s, like %s: '{metric: webhook.deliveries, match: {outcome: [failure]}}'",
			annotationOTelBad, annotationOTelGood, annotationOTelTotal, annotationOTelBad)
		in.ok = false
		return
	case good != nil && bad != nil:
		d.errorf(d.lineOf(bad.field), bad.field, "gives both %s and %s: give one, the other is total minus it", annotationOTelGood, annotationOTelBad)
		in.ok = false
		return
	case good == nil && bad == nil:
		d.missing(d.lineOf(meta.field+".annotations"), joinField(meta.field+".annotations", annotationOTelBad), "missing: %s (or %s), the in-process count of the bad (or good) events", annotationOTelBad, annotationOTelGood)
		in.ok = false
		return
	case total == nil:
		d.missing(d.lineOf(meta.field+".annotations"), joinField(meta.field+".annotations", annotationOTelTotal), "missing: %s, the in-process count of all events", annotationOTelTotal)
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
	var doc yaml.Node
	err := yaml.Unmarshal([]byte(v.Value), &doc)
	if err != nil || len(doc.Content) == 0 || resolveAlias(doc.Content[0]).Kind != yaml.MappingNode {
		d.errorf(v.Line, field, "must be a %s spec in YAML flow style, like '{metric: webhook.deliveries, match: {outcome: [failure]}}', not %q", OTelSourceType, v.Value)
		return &otelSpec{field: field}
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
	return d.otelSpec(doc.Content[0], field)
}

func (d *osDecoder) thresholdMetric(in *osIndicator, meta osMeta, n *yaml.Node, field string) {
	in.threshold = true
	in.native[""] = field
	f, ok := d.mapping(n, field, partFields...)
	if !ok {
		in.ok = false
		return
	}
	v, ok := f["metricSource"]
	if !ok {
		d.missing(d.lineOf(field), field+".metricSource", "missing: the metricSource, {type: %s, spec: {metric: %s}}", OTelSourceType, DurationMetric)
		in.ok = false
		return
	}
	src := d.metricSource(v, field+".metricSource")
	if src == nil {
		in.ok = false
		return
	}
	if src.typ == PrometheusSourceType {
		d.errorf(d.lineOf(field+".metricSource.type"), field+".metricSource.type", "a Prometheus thresholdMetric gives measured values, not counts of events: sloguard needs counts, so write a ratioMetric with good and total queries")
		in.ok = false
		return
	}
	for _, k := range sliAnnotations {
		if v, ok := meta.annotations[k]; ok {
			d.errorf(v.Line, joinField(meta.field+".annotations", k), "describes the in-process counts of Prometheus sources; this source is %s already: remove it", OTelSourceType)
			in.ok = false
		}
	}
	s := d.otelSpec(src.spec, src.field)
	if !s.ok {
		in.ok = false
		return
	}
	if s.metric != DurationMetric {
		d.errorf(d.lineOf(s.field+".metric"), s.field+".metric", "a thresholdMetric compares every measured value with the objective's value: sloguard does so for the request histogram %s only; count the events of %s with a ratioMetric", DurationMetric, s.metric)
		in.ok = false
		return
	}
	for _, k := range []struct {
		set  bool
		name string
	}{{s.status != "", "status"}, {s.le != nil, "le"}} {
		if k.set {
			d.errorf(d.lineOf(s.field+"."+k.name), s.field+"."+k.name, "a thresholdMetric takes its threshold from the objective (op: lte, value: seconds): remove %s", k.name)
			in.ok = false
		}
	}
	if !d.httpMatch(s) || !in.ok {
		in.ok = false
		return
	}
	in.sli = SLI{Kind: KindLatency, Routes: nonEmpty(s.match[RouteAttr]), Methods: nonEmpty(s.match[MethodAttr])}
	in.native["latency"] = field
	in.native["latency.routes"] = s.field + ".match." + RouteAttr
	in.native["latency.methods"] = s.field + ".match." + MethodAttr
}

// boolean reads a YAML boolean.
func (d *osDecoder) boolean(n *yaml.Node, field string) (bool, bool) {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b, true
		}
	}
	d.errorf(n.Line, field, "must be true or false, not %s", kindName(n))
	return false, false
}

// shorthand reads an OpenSLO duration: a whole number and a unit, m, h, d
// or w. The calendar units M, Q and Y are refused: sloguard windows are
// rolling spans of time.
func (d *osDecoder) shorthand(n *yaml.Node, field string) (time.Duration, bool) {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n.Line, field, "must be a duration like 30d, 4w or 1h, not %s", kindName(n))
		return 0, false
	}
	if n.Tag == "!!int" {
		d.errorf(n.Line, field, "%s has no unit: write a duration like %sd, %sh or %sm", n.Value, n.Value, n.Value, n.Value)
		return 0, false
	}
	m := shorthandRE.FindStringSubmatch(n.Value)
	if m == nil {
		d.errorf(n.Line, field, "%q is not an OpenSLO duration: write a whole number and a unit, m, h, d or w, as in 30d, 4w, 6h or 90m", n.Value)
		return 0, false
	}
	var unit time.Duration
	switch m[2] {
	case "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = Day
	case "w":
		unit = 7 * Day
	case "M", "Q", "Y":
		name := map[string]string{"M": "month", "Q": "quarter", "Y": "year"}[m[2]]
		d.errorf(n.Line, field, "%s is a calendar %s, and calendar windows are not supported yet: write a rolling window in days or weeks, such as 30d or 4w", n.Value, name)
		return 0, false
	case "":
		d.errorf(n.Line, field, "%s has no unit: write a duration like %sd, %sh or %sm", n.Value, m[1], m[1], m[1])
		return 0, false
	default:
		d.errorf(n.Line, field, "%q has the unknown unit %q: OpenSLO durations use m, h, d and w (and the calendar units M, Q and Y)", n.Value, m[2])
		return 0, false
	}
	num, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || num > math.MaxInt64/int64(unit) {
		d.errorf(n.Line, field, "%s is too long", n.Value)
		return 0, false
	}
	return time.Duration(num) * unit, true
}

// timeWindow reads the one rolling window of an SLO.
func (d *osDecoder) timeWindow(n *yaml.Node, field string) (window time.Duration, durField string, ok bool) {
	n = resolveAlias(n)
	d.lineAt(field, n)
	itemField := field
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) != 1 {
			d.errorf(n.Line, field, "lists %d windows: an SLO has exactly one", len(n.Content))
			return 0, field, false
		}
		n = resolveAlias(n.Content[0])
		itemField = field + "[0]"
	}
	durField = itemField + ".duration"
	f, ok := d.mapping(n, itemField, timeWindowFields...)
	if !ok {
		return 0, durField, false
	}
	dur, hasDur := f["duration"]
	if !hasDur {
		d.missing(d.lineOf(itemField), durField, "missing: the length of the window, like 30d")
		return 0, durField, false
	}
	rolling, hasRolling := false, false
	if v, ok := f["isRolling"]; ok {
		if rolling, ok = d.boolean(v, itemField+".isRolling"); !ok {
			return 0, durField, false
		}
		hasRolling = true
	}
	_, hasCalendar := f["calendar"]
	raw := scalarValue(dur)
	if hasCalendar || hasRolling && !rolling {
		if m := shorthandRE.FindStringSubmatch(raw); m != nil && m[2] == "m" {
			d.errorf(dur.Line, durField, "%s is %s, not %s (a calendar month is %sM), and calendar windows are not supported yet: write a rolling window, such as duration: 30d with isRolling: true",
				raw, plural(m[1], "minute"), plural(m[1], "month"), m[1])
			return 0, durField, false
		}
		at, af := d.lineOf(itemField+".calendar"), itemField+".calendar"
		if !hasCalendar {
			at, af = d.lineOf(itemField+".isRolling"), itemField+".isRolling"
		}
		d.errorf(at, af, "calendar windows are not supported yet: sloguard windows are rolling; write duration: 30d (or 4w) with isRolling: true")
		return 0, durField, false
	}
	if !hasRolling {
		d.missing(d.lineOf(itemField), itemField+".isRolling", "missing: write isRolling: true (sloguard windows are rolling)")
		return 0, durField, false
	}
	if raw == "1m" {
		d.errorf(dur.Line, durField, "1m is one minute, not a month (a calendar month is 1M, and calendar windows are not supported yet): write a rolling window, such as 30d or 4w")
		return 0, durField, false
	}
	window, ok = d.shorthand(dur, durField)
	return window, durField, ok
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
	objective float64
	field     string
	op        string
	opField   string
	value     *big.Rat
	valField  string
}

func (d *osDecoder) objectives(n *yaml.Node, field string, timeslices bool) (osObjective, bool) {
	n = resolveAlias(n)
	d.lineAt(field, n)
	o := osObjective{field: field}
	switch {
	case isNull(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		d.errorf(n.Line, field, "empty: give one objective, like - target: 0.999")
		return o, false
	case n.Kind != yaml.SequenceNode:
		d.errorf(n.Line, field, "must be a list of one objective, not %s", kindName(n))
		return o, false
	}
	ok := true
	if len(n.Content) > 1 {
		d.errorf(resolveAlias(n.Content[1]).Line, field, "lists %d objectives: sloguard holds one objective per SLO; write one SLO per objective", len(n.Content))
		ok = false
	}
	item := resolveAlias(n.Content[0])
	itemField := field + "[0]"
	o.field = itemField
	f, mok := d.mapping(item, itemField, objectiveFields...)
	if !mok {
		return o, false
	}
	composite := ""
	for _, k := range []string{"indicator", "indicatorRef", "compositeWeight"} {
		if _, has := f[k]; has && (composite == "" || d.lines[itemField+"."+k] < d.lines[itemField+"."+composite]) {
			composite = k
		}
	}
	if composite != "" {
		d.errorf(d.lineOf(itemField+"."+composite), itemField+"."+composite, "composite objectives (an indicator per objective) are not supported: give the SLO one indicator, and one objective with its target")
		return o, false
	}
	for _, k := range []string{"timeSliceTarget", "timeSliceWindow"} {
		if _, has := f[k]; has && !timeslices {
			d.errorf(d.lineOf(itemField+"."+k), itemField+"."+k, "belongs to Timeslices budgeting, which sloguard does not support: remove it")
			ok = false
		}
	}
	if v, has := f["displayName"]; has {
		d.text(v, itemField+".displayName")
	}
	target, hasTarget := f["target"]
	percent, hasPercent := f["targetPercent"]
	switch {
	case hasTarget && hasPercent:
		d.errorf(d.lineOf(itemField+".targetPercent"), itemField+".targetPercent", "given with target: give one of target and targetPercent")
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
		if o.objective = d.objective(percent, o.field); o.objective == 0 {
			ok = false
		}
	default:
		d.missing(d.lineOf(itemField), itemField+".target", "missing: the target, a fraction like 0.999 (or targetPercent: 99.9)")
		ok = false
	}
	if v, has := f["op"]; has {
		o.opField = itemField + ".op"
		if op, tok := d.required(v, o.opField, "give one of "+strings.Join(objectiveOps, ", ")); !tok {
			ok = false
		} else {
			if !slices.Contains(objectiveOps, op) {
				d.errorf(v.Line, o.opField, "unknown op %q (known: %s)", op, strings.Join(objectiveOps, ", "))
				ok = false
			}
			o.op = op
		}
	}
	if v, has := f["value"]; has {
		o.valField = itemField + ".value"
		if r, tok := d.number(v, o.valField, "a number"); tok {
			o.value = r
		} else {
			ok = false
		}
	}
	return o, ok
}

// target01 reads an objective given as a fraction in (0, 1).
func (d *osDecoder) target01(n *yaml.Node, field string) (float64, bool) {
	r, ok := d.number(n, field, "a fraction like 0.999")
	if !ok {
		return 0, false
	}
	one := big.NewRat(1, 1)
	switch {
	case r.Sign() <= 0:
		d.errorf(n.Line, field, "%s is not a fraction between 0 and 1 (both excluded)", n.Value)
		return 0, false
	case r.Cmp(one) == 0:
		d.errorf(n.Line, field, "1 leaves no error budget: give a target below 1, like 0.999")
		return 0, false
	case r.Cmp(one) > 0 && r.Cmp(big.NewRat(100, 1)) < 0:
		d.errorf(n.Line, field, "%s is not a fraction between 0 and 1: for %s%% write targetPercent: %s (or target: %s)", n.Value, n.Value, n.Value, new(big.Rat).Quo(r, big.NewRat(100, 1)).FloatString(precisionOf(n.Value)+2))
		return 0, false
	case r.Cmp(one) > 0:
		d.errorf(n.Line, field, "%s is not a fraction between 0 and 1 (both excluded)", n.Value)
		return 0, false
	}
	f, _ := r.Float64()
	switch {
	case f >= 1:
		d.errorf(n.Line, field, "%s is too close to 1 to leave an error budget", n.Value)
		return 0, false
	case f <= 0:
		d.errorf(n.Line, field, "%s is too close to 0", n.Value)
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

// slo reads an SLO object; i is its index among the SLOs of the spec.
func (d *osDecoder) slo(o *osObject, i int) (s SLO, service, serviceField string) {
	s = SLO{MinEvents: DefaultMinEvents, Labels: o.meta.labels}
	native := map[string]string{"": o.field, ".name": o.field + ".metadata.name", ".labels": o.field + ".metadata.labels"}
	defer func() {
		if o.isCopy {
			return
		}
		for k, v := range native {
			d.native[fmt.Sprintf("slos[%d]%s", i, k)] = v
		}
	}()
	s.Name = o.meta.name
	if v, ok := o.meta.annotations[annotationName]; ok {
		af := joinField(o.meta.field+".annotations", annotationName)
		native[".name"] = af
		if o.meta.name != "" && dnsLabel(v.Value) != o.meta.name {
			d.errorf(v.Line, af, "%q does not match metadata.name %q: it keeps the sloguard name of an SLO whose name OpenSLO cannot hold (%s for %s); correct it or remove it", v.Value, o.meta.name, dnsLabel(v.Value), v.Value)
		}
		s.Name = v.Value
	}
	if v, ok := o.meta.annotations[annotationMinEvents]; ok {
		af := joinField(o.meta.field+".annotations", annotationMinEvents)
		native[".min_events"] = af
		r, rok := new(big.Rat).SetString(strings.TrimSpace(v.Value))
		switch {
		case !rok:
			d.errorf(v.Line, af, "must be a number of events, like \"100\", not %q", v.Value)
		case r.Sign() < 0:
			d.errorf(v.Line, af, "must not be negative, got %s", v.Value)
		default:
			s.MinEvents, _ = r.Float64()
		}
	}
	sf := o.field + ".spec"
	f, ok := d.mapping(o.spec, sf, osSLOFields...)
	if !ok {
		d.broken[o.field] = true
		return s, "", ""
	}
	if v, ok := f["description"]; ok {
		s.Description, _ = d.text(v, sf+".description")
	}
	serviceField = sf + ".service"
	if v, ok := f["service"]; ok {
		service, _ = d.text(v, serviceField)
	}
	if strings.TrimSpace(service) == "" && !d.broken[serviceField] {
		d.missing(d.lineOf(serviceField), serviceField, "missing: name the service the SLO is about")
	}

	window, windowOK := time.Duration(0), false
	native[".window"] = sf + ".timeWindow"
	if v, ok := f["timeWindow"]; ok {
		var df string
		window, df, windowOK = d.timeWindow(v, sf+".timeWindow")
		native[".window"] = df
		s.Window = window
		if !windowOK {
			// Reported already: not again as a window too short.
			d.broken[df] = true
		}
	} else {
		d.missing(d.lineOf(sf), sf+".timeWindow", "missing: the rolling window, like timeWindow: [{duration: 30d, isRolling: true}]")
	}

	timeslices := false
	if v, ok := f["budgetingMethod"]; ok {
		bf := sf + ".budgetingMethod"
		if m, ok := d.required(v, bf, "write budgetingMethod: Occurrences"); ok {
			switch {
			case m == "Occurrences":
			case m == "Timeslices" || m == "RatioTimeslices":
				timeslices = true
				d.errorf(v.Line, bf, "%s budgeting is not supported: sloguard budgets by Occurrences, the share of good events in the window; write budgetingMethod: Occurrences", m)
			default:
				msg := fmt.Sprintf("unknown budgetingMethod %q", m)
				if j := slices.IndexFunc(budgetingMethods, func(b string) bool { return strings.EqualFold(b, m) }); j >= 0 {
					msg += fmt.Sprintf(" (did you mean %q?)", budgetingMethods[j])
				} else {
					msg += " (sloguard supports Occurrences)"
				}
				d.errorf(v.Line, bf, "%s", msg)
			}
		}
	} else {
		d.missing(d.lineOf(sf), sf+".budgetingMethod", "missing: write budgetingMethod: Occurrences (sloguard counts good and bad events)")
	}

	obj := osObjective{field: sf + ".objectives"}
	if v, ok := f["objectives"]; ok {
		obj, _ = d.objectives(v, sf+".objectives", timeslices)
		s.Objective = obj.objective
	} else {
		d.missing(d.lineOf(sf), sf+".objectives", "missing: one objective with its target, like objectives: [{target: 0.999}]")
	}
	native[".objective"] = obj.field

	in := d.sloIndicator(f, sf)
	native[".sli"] = sf + ".indicator"
	if in == nil || !in.ok {
		// The indicator's problems are reported already: the SLI it left
		// empty is not reported as naming no kind.
		d.broken[native[".sli"]] = true
		if in != nil {
			d.broken[in.field] = true
		}
	}
	if in != nil {
		native[".sli"] = in.field
		for k, v := range in.native {
			if k != "" {
				native[".sli."+k] = v
			}
		}
		if in.ok {
			s.SLI = cloneSLI(in.sli)
		}
		d.combine(&s, in, obj, native)
	}

	if v, ok := f["alertPolicies"]; ok {
		d.alertPolicies(v, sf+".alertPolicies", s.Name, window, windowOK)
	}
	return s, service, serviceField
}

// sloIndicator resolves indicator or indicatorRef.
func (d *osDecoder) sloIndicator(f map[string]*yaml.Node, sf string) *osIndicator {
	inline, hasInline := f["indicator"]
	ref, hasRef := f["indicatorRef"]
	switch {
	case hasInline && hasRef:
		d.errorf(d.lineOf(sf+".indicatorRef"), sf+".indicatorRef", "given with indicator: give either an inline indicator or the name of an SLI")
		return nil
	case hasRef:
		rf := sf + ".indicatorRef"
		name, ok := d.required(ref, rf, "give the name of an SLI of this file")
		if !ok {
			return nil
		}
		in, found := d.slis[name]
		if !found {
			d.errorf(ref.Line, rf, "no SLI named %q in this file%s", name, knownNames(d.slis))
			return nil
		}
		return in
	case hasInline:
		ff := sf + ".indicator"
		g, ok := d.mapping(inline, ff, inlineSLIFields...)
		if !ok {
			return nil
		}
		var meta osMeta
		if v, ok := g["metadata"]; ok {
			meta = d.metadata(v, ff+".metadata", sliAnnotations)
		} else {
			d.missing(d.lineOf(ff), ff+".metadata", "missing: metadata with the name of the SLI")
		}
		v, ok := g["spec"]
		if !ok {
			d.missing(d.lineOf(ff), ff+".spec", "missing: the spec of the SLI, with ratioMetric or thresholdMetric")
			return nil
		}
		return d.indicator(meta, v, ff)
	default:
		d.missing(d.lineOf(sf), sf+".indicator", "missing: give indicator (an inline SLI) or indicatorRef (the name of an SLI in this file)")
		return nil
	}
}

// combine applies the objective's op and value: the threshold of a
// thresholdMetric, and nothing for a ratio.
func (d *osDecoder) combine(s *SLO, in *osIndicator, obj osObjective, native map[string]string) {
	if !in.threshold {
		if obj.opField != "" {
			d.errorf(d.lineOf(obj.opField), obj.opField, "op and value compare the values of a thresholdMetric; the indicator is a ratioMetric, whose objective is only a target: remove it")
		} else if obj.valField != "" {
			d.errorf(d.lineOf(obj.valField), obj.valField, "op and value compare the values of a thresholdMetric; the indicator is a ratioMetric, whose objective is only a target: remove it")
		}
		return
	}
	base := strings.TrimSuffix(strings.TrimSuffix(obj.field, ".target"), ".targetPercent")
	if d.broken[base] {
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
			d.missing(d.lineOf(base), base+".op", "missing: op: lte, with value: the latency in seconds a good request stays within")
		}
		d.broken[valField] = true
		return
	default:
		d.errorf(d.lineOf(obj.opField), obj.opField, "a latency SLO counts the requests at or under the threshold: use op: lte")
		d.broken[valField] = true
		return
	}
	switch {
	case obj.valField == "":
		d.missing(d.lineOf(base), valField, "missing: the latency in seconds a good request stays within, like value: 0.4")
	case obj.value == nil:
	case obj.value.Sign() <= 0:
		d.errorf(d.lineOf(valField), valField, "must be a positive latency in seconds, like 0.4")
	default:
		if th, ok := d.seconds(obj.value, valField); ok && in.ok {
			s.SLI.Threshold = th
		}
	}
}

func cloneSLI(s SLI) SLI {
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

func cloneMatcher(m Matcher) Matcher {
	if m == nil {
		return nil
	}
	out := make(Matcher, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

func knownNames[V any](m map[string]V) string {
	if len(m) == 0 {
		return ""
	}
	return " (defined: " + strings.Join(sortedKeys(m), ", ") + ")"
}

// osCondition is a burn-rate alert condition.
type osCondition struct {
	field     string
	line      int
	severity  string
	threshold float64
	lookback  time.Duration
	ok        bool
}

// osPolicy is an alert policy with its conditions resolved.
type osPolicy struct {
	conditions []*osCondition
}

func (d *osDecoder) condition(spec *yaml.Node, field string) *osCondition {
	sf := field + ".spec"
	c := &osCondition{field: sf + ".condition", line: resolveAlias(spec).Line, ok: true}
	f, ok := d.mapping(spec, sf, condSpecFields...)
	if !ok {
		c.ok = false
		return c
	}
	if v, ok := f["description"]; ok {
		d.text(v, sf+".description")
	}
	if v, ok := f["severity"]; ok {
		c.severity, _ = d.text(v, sf+".severity")
	}
	if c.severity == "" {
		if !d.broken[sf+".severity"] {
			d.missing(d.lineOf(sf), sf+".severity", "missing: the severity of the alert, page or ticket")
		}
		c.ok = false
	}
	v, ok := f["condition"]
	if !ok {
		d.missing(d.lineOf(sf), c.field, "missing: the burn-rate condition, like {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h}")
		c.ok = false
		return c
	}
	g, ok := d.mapping(v, c.field, conditionFields...)
	if !ok {
		c.ok = false
		return c
	}
	c.line = d.lineOf(c.field)
	if v, ok := g["kind"]; ok {
		if k, ok := d.required(v, c.field+".kind", "write kind: burnrate, or leave kind out"); !ok {
			c.ok = false
		} else if k != "burnrate" {
			d.errorf(v.Line, c.field+".kind", "unknown condition kind %q: OpenSLO v1 has burnrate conditions only", k)
			c.ok = false
		}
	}
	if v, ok := g["op"]; ok {
		switch op, ok := d.required(v, c.field+".op", "write op: gt"); {
		case !ok:
			c.ok = false
		case op == "gt" || op == "gte":
		case op == "lt" || op == "lte":
			d.errorf(v.Line, c.field+".op", "a burn-rate alert fires when the burn rate exceeds the threshold: use op: gt")
			c.ok = false
		default:
			d.errorf(v.Line, c.field+".op", "unknown op %q (a burn-rate alert uses op: gt)", op)
			c.ok = false
		}
	}
	if v, ok := g["threshold"]; ok {
		if r, ok := d.number(v, c.field+".threshold", "a burn rate, like 14.4"); ok && r.Sign() > 0 {
			c.threshold, _ = r.Float64()
		} else {
			if ok {
				d.errorf(v.Line, c.field+".threshold", "must be a positive burn rate, like 14.4")
			}
			c.ok = false
		}
	} else {
		d.missing(c.line, c.field+".threshold", "missing: the burn rate above which the alert fires, like 14.4")
		c.ok = false
	}
	if v, ok := g["lookbackWindow"]; ok {
		if c.lookback, ok = d.shorthand(v, c.field+".lookbackWindow"); !ok {
			c.ok = false
		}
	} else {
		d.missing(c.line, c.field+".lookbackWindow", "missing: the window the burn rate is measured over, like 1h")
		c.ok = false
	}
	if v, ok := g["alertAfter"]; ok {
		if after, ok := d.shorthand(v, c.field+".alertAfter"); !ok {
			c.ok = false
		} else if after != 0 {
			d.errorf(v.Line, c.field+".alertAfter", "sloguard fires as soon as the burn rate over the lookback window and over its short window (1/12 of it) exceeds the threshold, without waiting: remove alertAfter or write 0m")
			c.ok = false
		}
	}
	return c
}

func (d *osDecoder) target(spec *yaml.Node, field string) {
	sf := field + ".spec"
	f, ok := d.mapping(spec, sf, targetFields...)
	if !ok {
		return
	}
	if v, ok := f["description"]; ok {
		d.text(v, sf+".description")
	}
	// sloguard delivers alerts to the sinks sloguard serve is given; a
	// target only names where the file's author wants them to go.
	if v, ok := f["target"]; ok {
		d.text(v, sf+".target")
	} else {
		d.missing(d.lineOf(sf), sf+".target", "missing: where the alerts go, like email or slack")
	}
}

func (d *osDecoder) policy(spec *yaml.Node, field string) *osPolicy {
	p := &osPolicy{}
	sf := field + ".spec"
	f, ok := d.mapping(spec, sf, policyFields...)
	if !ok {
		return p
	}
	if v, ok := f["description"]; ok {
		d.text(v, sf+".description")
	}
	for _, k := range []string{"alertWhenNoData", "alertWhenResolved", "alertWhenBreaching"} {
		if v, ok := f[k]; ok {
			d.boolean(v, sf+"."+k)
		}
	}
	if v, ok := f["conditions"]; ok {
		cf := sf + ".conditions"
		items := d.items(v, cf, "conditions")
		if len(items) > 1 {
			d.errorf(resolveAlias(items[1]).Line, cf, "lists %d conditions: an OpenSLO v1 alert policy has exactly one; write one policy per condition", len(items))
		}
		for i, item := range items {
			itf := fmt.Sprintf("%s[%d]", cf, i)
			g, ok := d.mapping(item, itf, condItemFields...)
			if !ok {
				continue
			}
			if d.isRef(g, itf, "conditionRef", kindAlertCondition) {
				rf := itf + ".conditionRef"
				if name, ok := d.required(g["conditionRef"], rf, "give the name of an AlertCondition of this file"); ok {
					if c, found := d.conditions[name]; found {
						p.conditions = append(p.conditions, c)
					} else {
						d.errorf(g["conditionRef"].Line, rf, "no AlertCondition named %q in this file%s", name, knownNames(d.conditions))
					}
				}
			} else if spec := d.inline(g, itf, kindAlertCondition); spec != nil {
				p.conditions = append(p.conditions, d.condition(spec, itf))
			}
		}
	} else {
		d.missing(d.lineOf(sf), sf+".conditions", "missing: the burn-rate condition of the policy")
	}
	if v, ok := f["notificationTargets"]; ok {
		tf := sf + ".notificationTargets"
		for i, item := range d.items(v, tf, "notificationTargets") {
			itf := fmt.Sprintf("%s[%d]", tf, i)
			g, ok := d.mapping(item, itf, targetItemFields...)
			if !ok {
				continue
			}
			if d.isRef(g, itf, "targetRef", kindTarget) {
				rf := itf + ".targetRef"
				if name, ok := d.required(g["targetRef"], rf, "give the name of an AlertNotificationTarget of this file"); ok && !d.targets[name] {
					d.errorf(g["targetRef"].Line, rf, "no AlertNotificationTarget named %q in this file%s", name, knownNames(d.targets))
				}
			} else if spec := d.inline(g, itf, kindTarget); spec != nil {
				d.target(spec, itf)
			}
		}
	}
	return p
}

// items reads a list; null is an empty list.
func (d *osDecoder) items(n *yaml.Node, field, what string) []*yaml.Node {
	n = resolveAlias(n)
	d.lineAt(field, n)
	switch {
	case isNull(n):
		return nil
	case n.Kind != yaml.SequenceNode:
		d.errorf(n.Line, field, "must be a list of %s, not %s", what, kindName(n))
		return nil
	}
	for i, item := range n.Content {
		d.lines[fmt.Sprintf("%s[%d]", field, i)] = resolveAlias(item).Line
	}
	return n.Content
}

// isRef tells a reference ({refKey: name}) from an inline object of kind;
// giving both is reported.
func (d *osDecoder) isRef(g map[string]*yaml.Node, field, refKey, kind string) bool {
	_, hasRef := g[refKey]
	if !hasRef {
		return false
	}
	for _, k := range []string{"kind", "metadata", "spec"} {
		if _, ok := g[k]; ok {
			d.errorf(d.lineOf(field+"."+k), field+"."+k, "given with %s: give either the name of %s or an inline one", refKey, article(kind))
		}
	}
	return true
}

// inline checks an inline object of kind and returns its spec.
func (d *osDecoder) inline(g map[string]*yaml.Node, field, kind string) *yaml.Node {
	v, ok := g["kind"]
	if !ok {
		d.missing(d.lineOf(field), field+".kind", "missing: kind: %s (or a reference by name)", kind)
		return nil
	}
	if k, ok := d.required(v, field+".kind", "write kind: "+kind); !ok {
		return nil
	} else if k != kind {
		d.errorf(v.Line, field+".kind", "must be %s here, not %q", kind, k)
		return nil
	}
	if v, ok := g["metadata"]; ok {
		d.metadata(v, field+".metadata", nil)
	} else {
		d.missing(d.lineOf(field), field+".metadata", "missing: metadata with the name of the %s", kind)
	}
	spec, ok := g["spec"]
	if !ok {
		d.missing(d.lineOf(field), field+".spec", "missing: the spec of the %s", kind)
		return nil
	}
	return spec
}

// alertPolicies reads the alert policies of an SLO and checks that each
// condition is one of the burn-rate alerts sloguard raises for the SLO's
// window: sloguard's alerting is fixed (AlertWindows), so a condition it
// would not honour is refused rather than ignored.
func (d *osDecoder) alertPolicies(n *yaml.Node, field, slo string, window time.Duration, windowOK bool) {
	for i, item := range d.items(n, field, "alert policies") {
		itf := fmt.Sprintf("%s[%d]", field, i)
		g, ok := d.mapping(item, itf, policyItemFields...)
		if !ok {
			continue
		}
		var p *osPolicy
		if d.isRef(g, itf, "alertPolicyRef", kindAlertPolicy) {
			rf := itf + ".alertPolicyRef"
			name, ok := d.required(g["alertPolicyRef"], rf, "give the name of an AlertPolicy of this file")
			if !ok {
				continue
			}
			if p = d.policies[name]; p == nil {
				d.errorf(g["alertPolicyRef"].Line, rf, "no AlertPolicy named %q in this file%s", name, knownNames(d.policies))
				continue
			}
		} else if spec := d.inline(g, itf, kindAlertPolicy); spec != nil {
			p = d.policy(spec, itf)
		}
		if p == nil || !windowOK {
			continue
		}
		for _, c := range p.conditions {
			d.checkTier(c, slo, window)
		}
	}
}

func (d *osDecoder) checkTier(c *osCondition, slo string, window time.Duration) {
	if !c.ok {
		return
	}
	tiers := AlertWindows(window)
	for _, t := range tiers {
		if t.Long == c.lookback && t.Severity == c.severity && math.Abs(t.Factor-c.threshold) <= 0.005 {
			return
		}
	}
	desc := make([]string, len(tiers))
	for i, t := range tiers {
		desc[i] = fmt.Sprintf("%s at %s over %s", t.Severity, formatFactor(t.Factor), WindowName(t.Long))
	}
	d.problems = append(d.problems, Problem{File: d.file, Line: c.line, Field: c.field, Msg: fmt.Sprintf(
		"severity %s, burn rate %s over %s is not an alert sloguard raises for SLO %s (%s window): it raises, for every SLO, %s, each also checking a short window of 1/12 of the lookback; write conditions among these, or leave the alert policy out",
		c.severity, strconv.FormatFloat(c.threshold, 'f', -1, 64), WindowName(c.lookback), slo, WindowName(window), strings.Join(desc, ", "))})
}

func formatFactor(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64)
}

// dnsLabel turns an SLO name into an OpenSLO name (an RFC 1123 label):
// lower case, with - for every run of other characters.
func dnsLabel(name string) string {
	return strings.Trim(dnsLabelInvalidRE.ReplaceAllString(strings.ToLower(name), "-"), "-")
}

// ExportOpenSLO writes spec as OpenSLO v1 documents, one SLO per document
// in the order of spec.SLOs: each with an inline indicator (sloguard.otel
// sources, or Prometheus sources when the SLI has PromQL), a rolling time
// window, Occurrences budgeting and one objective. Labels become
// metadata.labels; a min_events other than DefaultMinEvents and a name that
// is not an OpenSLO name are kept in sloguard.io/ annotations, so that
// Parse reads the output back into the same Spec.
func ExportOpenSLO(spec Spec) ([]byte, error) {
	if strings.TrimSpace(spec.Service) == "" {
		return nil, errors.New("export OpenSLO: the spec names no service")
	}
	if len(spec.SLOs) == 0 {
		return nil, errors.New("export OpenSLO: the spec has no SLO")
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	names := map[string]string{}
	for i, s := range spec.SLOs {
		name := dnsLabel(s.Name)
		if name == "" || len(name) > 63 {
			return nil, fmt.Errorf("export OpenSLO: SLO name %q cannot be made an OpenSLO name", s.Name)
		}
		if first, dup := names[name]; dup {
			return nil, fmt.Errorf("export OpenSLO: SLOs %q and %q would both be named %q", first, s.Name, name)
		}
		names[name] = s.Name
		root, err := exportSLO(spec.Service, name, s)
		if err != nil {
			return nil, fmt.Errorf("export OpenSLO: SLO %q: %w", s.Name, err)
		}
		doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
		if i == 0 {
			doc.HeadComment = fmt.Sprintf("The SLOs of %s as OpenSLO v1 documents. Sources of type\n%s are the service's own OpenTelemetry instruments (docs/SLOS.md).", spec.Service, OTelSourceType)
		}
		if err := enc.Encode(doc); err != nil {
			return nil, fmt.Errorf("export OpenSLO: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("export OpenSLO: %w", err)
	}
	return buf.Bytes(), nil
}

func exportSLO(service, name string, s SLO) (*yaml.Node, error) {
	if !(s.Objective > 0 && s.Objective < 1) {
		return nil, fmt.Errorf("objective %v is not a fraction between 0 and 1", s.Objective)
	}
	window, err := shorthandOf(s.Window)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(s.MinEvents) || math.IsInf(s.MinEvents, 0) || s.MinEvents < 0 {
		return nil, fmt.Errorf("min_events %v is not a number of events", s.MinEvents)
	}
	ratio, annotations, err := exportRatio(s.SLI)
	if err != nil {
		return nil, err
	}

	var sloAnn []*yaml.Node
	if name != s.Name {
		sloAnn = append(sloAnn, str(annotationName), str(s.Name))
	}
	if s.MinEvents != DefaultMinEvents {
		sloAnn = append(sloAnn, str(annotationMinEvents), str(strconv.FormatFloat(s.MinEvents, 'f', -1, 64)))
	}
	meta := mapNode("name", str(name))
	if len(s.Labels) > 0 {
		labels := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range sortedKeys(s.Labels) {
			labels.Content = append(labels.Content, str(k), str(s.Labels[k]))
		}
		meta.Content = append(meta.Content, str("labels"), labels)
	}
	if len(sloAnn) > 0 {
		meta.Content = append(meta.Content, str("annotations"), &yaml.Node{Kind: yaml.MappingNode, Content: sloAnn})
	}

	sliMeta := mapNode("name", str(name))
	if len(annotations) > 0 {
		sliMeta.Content = append(sliMeta.Content, str("annotations"), &yaml.Node{Kind: yaml.MappingNode, Content: annotations})
	}
	spec := &yaml.Node{Kind: yaml.MappingNode}
	if s.Description != "" {
		spec.Content = append(spec.Content, str("description"), str(s.Description))
	}
	spec.Content = append(spec.Content,
		str("service"), str(service),
		str("indicator"), mapNode("metadata", sliMeta, "spec", mapNode("ratioMetric", ratio)),
		str("timeWindow"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{
			mapNode("duration", str(window), "isRolling", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}),
		}},
		str("budgetingMethod"), str("Occurrences"),
		str("objectives"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{
			mapNode("target", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(s.Objective, 'g', -1, 64)}),
		}},
	)
	return mapNode("apiVersion", str(OpenSLOVersion), "kind", str(kindSLO), "metadata", meta, "spec", spec), nil
}

// exportRatio writes the ratioMetric of an SLI, and the annotations of its
// inline indicator (the sloguard.otel specs of Prometheus sources).
func exportRatio(s SLI) (ratio *yaml.Node, annotations []*yaml.Node, err error) {
	type part struct {
		name string
		spec *yaml.Node
	}
	var parts []part
	switch s.Kind {
	case KindAvailability, KindLatency:
		match := Matcher{}
		if len(s.Routes) > 0 {
			match[RouteAttr] = s.Routes
		}
		if len(s.Methods) > 0 {
			match[MethodAttr] = s.Methods
		}
		total := otelSpecNode(DurationMetric, match)
		if s.Kind == KindAvailability {
			bad := otelSpecNode(DurationMetric, match)
			bad.Content = append(bad.Content, str("status"), str(serverErrors))
			parts = []part{{"bad", bad}, {"total", total}}
		} else {
			if s.Threshold <= 0 {
				return nil, nil, fmt.Errorf("latency threshold %v is not positive", s.Threshold)
			}
			good := otelSpecNode(DurationMetric, match)
			good.Content = append(good.Content, str("le"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(s.Threshold.Seconds(), 'g', -1, 64)})
			parts = []part{{"good", good}, {"total", total}}
		}
	case KindEvents:
		if s.Metric == "" {
			return nil, nil, errors.New("the events SLI names no metric")
		}
		num, sel := "bad", s.Bad
		if len(s.Good) > 0 {
			num, sel = "good", s.Good
		}
		merged := cloneMatcher(s.Total)
		if merged == nil {
			merged = Matcher{}
		}
		maps.Copy(merged, sel)
		parts = []part{{num, otelSpecNode(s.Metric, merged)}, {"total", otelSpecNode(s.Metric, s.Total)}}
	default:
		return nil, nil, fmt.Errorf("unknown SLI kind %q", s.Kind)
	}

	ratio = &yaml.Node{Kind: yaml.MappingNode}
	ratio.Content = append(ratio.Content, str("counter"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	source := func(typ string, spec *yaml.Node) *yaml.Node {
		return mapNode("metricSource", mapNode("type", str(typ), "spec", spec))
	}
	if s.PromQL == nil {
		for _, p := range parts {
			ratio.Content = append(ratio.Content, str(p.name), source(OTelSourceType, p.spec))
		}
		return ratio, nil, nil
	}
	num, q := "bad", s.PromQL.Bad
	if s.PromQL.Good != "" {
		num, q = "good", s.PromQL.Good
	}
	ratio.Content = append(ratio.Content,
		str(num), source(PrometheusSourceType, mapNode("query", str(q))),
		str("total"), source(PrometheusSourceType, mapNode("query", str(s.PromQL.Total))))
	keys := map[string]string{"good": annotationOTelGood, "bad": annotationOTelBad, "total": annotationOTelTotal}
	for _, p := range parts {
		flow, err := flowString(p.spec)
		if err != nil {
			return nil, nil, err
		}
		annotations = append(annotations, str(keys[p.name]), str(flow))
	}
	return ratio, annotations, nil
}

// otelSpecNode writes {metric, match} of a sloguard.otel spec, attributes
// sorted and values in flow lists.
func otelSpecNode(metric string, match Matcher) *yaml.Node {
	n := mapNode("metric", str(metric))
	if len(match) > 0 {
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		for _, k := range sortedKeys(match) {
			vals := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, v := range match[k] {
				vals.Content = append(vals.Content, str(v))
			}
			m.Content = append(m.Content, str(k), vals)
		}
		n.Content = append(n.Content, str("match"), m)
	}
	return n
}

// flowString writes a node in YAML flow style on one line.
func flowString(n *yaml.Node) (string, error) {
	var setFlow func(*yaml.Node) *yaml.Node
	setFlow = func(n *yaml.Node) *yaml.Node {
		c := *n
		c.Style |= yaml.FlowStyle
		c.Content = nil
		for _, child := range n.Content {
			c.Content = append(c.Content, setFlow(child))
		}
		if c.Kind == yaml.ScalarNode {
			c.Style &^= yaml.FlowStyle
		}
		return &c
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(setFlow(n)); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// shorthandOf writes a window as an OpenSLO duration.
func shorthandOf(d time.Duration) (string, error) {
	switch {
	case d <= 0:
		return "", fmt.Errorf("window %v is not positive", d)
	case d%Day == 0:
		return fmt.Sprintf("%dd", d/Day), nil
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour), nil
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute), nil
	}
	return "", fmt.Errorf("window %v is not a whole number of minutes, which OpenSLO durations cannot hold", d)
}

func str(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// mapNode builds a block mapping from key, value pairs (string, *yaml.Node).
func mapNode(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return n
}
