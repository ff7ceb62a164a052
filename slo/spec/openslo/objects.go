package openslo

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// read collects the objects of every document, of every file: a
// document is one object (the loader splits lists into their items). An
// object is named by kind and name, or as documents[i] (counted over every
// file) when it has none; the file of each is kept for its problems.
func (d *osDecoder) read(docs []yamldoc.Document) {
	for i, doc := range docs {
		d.File = doc.File
		d.object(doc.Node, i)
	}
}

// object reads the envelope of one object: apiVersion, kind, metadata.
func (d *osDecoder) object(n *yaml.Node, index int) {
	field := fmt.Sprintf("documents[%d]", index)
	if n.Kind != yaml.MappingNode {
		d.Errorf(n.Line, field, "must be an OpenSLO object (apiVersion, kind, metadata, spec), not %s", yamldoc.KindName(n))
		return
	}
	kind, name := yamldoc.ScalarValue(yamldoc.Lookup(n, "kind")), yamldoc.ScalarValue(yamldoc.Lookup(yamldoc.Lookup(n, "metadata"), "name"))
	var first *osObject
	if slices.Contains(openSLOKinds, kind) && name != "" {
		if first = d.named[kind][name]; first == nil {
			field = kind + "/" + name
		}
	}
	d.Files[field] = d.File
	f, ok := d.Mapping(n, field, objectFields...)
	if !ok {
		return
	}
	o := &osObject{field: field, line: n.Line, isCopy: first != nil}
	v, ok := f["apiVersion"]
	if !ok {
		d.Missing(n.Line, field+".apiVersion", "missing: OpenSLO objects start with apiVersion: %s", Version)
		return
	}
	if version, ok := d.required(v, field+".apiVersion", "write apiVersion: "+Version); !ok {
		return
	} else if version != Version {
		d.Errorf(v.Line, field+".apiVersion", "unsupported apiVersion %q: this release reads %s (or the sloguard format, which starts with version: %s)", version, Version, slo.Version)
		return
	}
	v, ok = f["kind"]
	if !ok {
		d.Missing(n.Line, field+".kind", "missing: the kind of object, one of %s", strings.Join(openSLOKinds, ", "))
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
		d.Errorf(v.Line, field+".kind", "%s", msg)
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
		d.Missing(n.Line, field+".metadata", "missing: metadata with the name of the %s", o.kind)
	}
	if first != nil {
		d.Errorf(d.LineOf(field+".metadata.name"), field+".metadata.name", "%s %q is already defined on line %d: names are unique within a kind", o.kind, name, first.line)
	} else if o.meta.name != "" {
		if d.named[o.kind] == nil {
			d.named[o.kind] = map[string]*osObject{}
		}
		d.named[o.kind][o.meta.name] = o
	}
	if v, ok := f["spec"]; ok {
		o.spec = v
	} else {
		d.Missing(n.Line, field+".spec", "missing: the spec of the %s", o.kind)
	}
	d.objects = append(d.objects, o)
}

// required reads a value that must not be empty; what says what to give.
func (d *osDecoder) required(n *yaml.Node, field, what string) (string, bool) {
	v, ok := d.Text(n, field)
	if !ok {
		return "", false
	}
	if strings.TrimSpace(v) == "" {
		d.Errorf(yamldoc.ResolveAlias(n).Line, field, "empty: %s", what)
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

func (d *osDecoder) metadata(n *yaml.Node, field string, annotations []string) osMeta {
	m := osMeta{field: field}
	f, ok := d.Mapping(n, field, metadataFields...)
	if !ok {
		return m
	}
	if v, ok := f["name"]; ok {
		m.name, _ = d.Text(v, field+".name")
	}
	if m.name == "" && !d.Broken[field+".name"] {
		d.Missing(d.LineOf(field), field+".name", "missing: every OpenSLO object needs a name")
	}
	if v, ok := f["displayName"]; ok {
		m.displayName, _ = d.Text(v, field+".displayName")
	}
	if v, ok := f["labels"]; ok {
		m.labels = d.osLabels(v, field+".labels")
	}
	if v, ok := f["annotations"]; ok {
		m.annotations = d.annotations(v, field+".annotations", annotations)
		for k, v := range m.annotations {
			if !strings.HasPrefix(k, annotationPrefix) {
				if m.others == nil {
					m.others = map[string]string{}
				}
				m.others[k] = v.Value
			}
		}
	}
	return m
}

// osLabels reads metadata.labels as OpenSLO allows them: a value or a list
// of values per key, keys with ".", "-" or "/". A sloguard label has one
// value and a Prometheus label name, so, each with a warning: a list is
// joined with "," in its order (labelJoin); a key is sanitised into a label
// name (every other character becomes "_", a leading digit gets "_"
// before it); a key that is, or becomes, a name sloguard sets itself
// (slo, service, severity, ...) is renamed "openslo_<key>". None of these
// refuses the SLO.
func (d *osDecoder) osLabels(n *yaml.Node, field string) map[string]string {
	var out map[string]string
	from := map[string]string{}
	d.Entries(n, field, "label names to values", "label names", func(k, v *yaml.Node, f string) {
		var val string
		if v.Kind == yaml.SequenceNode {
			var vals []string
			for _, c := range v.Content {
				t, ok := d.Text(yamldoc.ResolveAlias(c), f)
				if !ok {
					return
				}
				vals = append(vals, t)
			}
			if len(vals) == 0 {
				d.Errorf(v.Line, f, "lists no value: give the label a value, or remove it")
				return
			}
			val = strings.Join(vals, labelJoin)
			if len(vals) > 1 {
				d.warnf(v.Line, f, "lists %d values: sloguard labels have one value, so they are joined as %q", len(vals), val)
			}
		} else {
			t, ok := d.Text(v, f)
			if !ok {
				return
			}
			val = t
		}
		name := labelName(k.Value)
		if name != k.Value {
			d.warnf(k.Line, f, "%q is not a Prometheus label name: read as %q", k.Value, name)
		}
		if slices.Contains(slo.ReservedLabels(), name) {
			renamed := "openslo_" + name
			d.warnf(k.Line, f, "%q is a label sloguard sets itself on alerts and rules: renamed %q", name, renamed)
			name = renamed
		}
		if first, dup := from[name]; dup {
			d.warnf(k.Line, f, "is read as label %q, as %q is already: the first is kept", name, first)
			return
		}
		from[name] = k.Value
		if out == nil {
			out = map[string]string{}
		}
		out[name] = val
	})
	return out
}

// labelJoin joins the values of an OpenSLO label that lists several.
const labelJoin = ","

var labelInvalidRE = regexp.MustCompile(`[^A-Za-z0-9_]`)

// labelName sanitises an OpenSLO label key into a Prometheus label name.
func labelName(k string) string {
	n := labelInvalidRE.ReplaceAllString(k, "_")
	if n == "" || n[0] >= '0' && n[0] <= '9' {
		n = "_" + n
	}
	for strings.HasPrefix(n, "__") {
		n = n[1:]
	}
	return n
}

// warnf records a warning: something read, in a way the author may not
// expect.
func (d *osDecoder) warnf(line int, field, format string, args ...any) {
	d.Problems = append(d.Problems, slo.Problem{File: d.FileOf(field), Line: line, Field: field, Msg: fmt.Sprintf(format, args...), Severity: slo.SeverityWarning})
}

// annotations reads metadata.annotations. Those of other tools are left to
// them; a sloguard.io/ key must be one sloguard reads on this kind of object.
func (d *osDecoder) annotations(n *yaml.Node, field string, known []string) map[string]*yaml.Node {
	var out map[string]*yaml.Node
	d.Entries(n, field, "annotation names to strings", "annotation names", func(k, v *yaml.Node, f string) {
		if v.Kind != yaml.ScalarNode {
			d.Errorf(v.Line, f, "annotation values are strings, not %s: quote it, as in '{metric: webhook.deliveries}'", yamldoc.KindName(v))
			return
		}
		if strings.HasPrefix(k.Value, annotationPrefix) && !slices.Contains(known, k.Value) {
			msg := fmt.Sprintf("unknown sloguard annotation %q", k.Value)
			switch {
			case len(known) == 0:
				msg += " (sloguard reads annotations on SLO and SLI objects only)"
			case yamldoc.Closest(k.Value, known) != "":
				msg += fmt.Sprintf(" (did you mean %q?)", yamldoc.Closest(k.Value, known))
				d.Suggested[yamldoc.JoinField(field, yamldoc.Closest(k.Value, known))] = true
			default:
				msg += fmt.Sprintf(" (known here: %s)", strings.Join(known, ", "))
			}
			d.Errorf(k.Line, f, "%s", msg)
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
func (d *osDecoder) decodeAll() slo.Spec {
	spec := slo.Spec{Version: slo.Version}
	var (
		service string
		names   = map[string]string{}
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
				slos, svc, svcField := d.slo(o, len(spec.SLOs))
				if o.isCopy {
					continue
				}
				for _, s := range slos {
					if s.Name != "" {
						if first, dup := names[s.Name]; dup {
							nf := d.native[fmt.Sprintf("slos[%d].name", len(spec.SLOs))]
							d.Errorf(d.LineOf(nf), nf, "the SLO name %q is already the name of %s", s.Name, first)
							d.forget(len(spec.SLOs))
							d.shift(len(spec.SLOs))
							continue
						}
						names[s.Name] = o.field
					}
					switch {
					case svc == "":
					case service == "":
						service = svc
						d.native["service"] = svcField
					case svc != service:
						// The SLO of another service than the file's
						// first: it carries its own.
						s.Service = svc
					}
					spec.SLOs = append(spec.SLOs, s)
				}
			}
		}
	}
	spec.Service = service
	if len(spec.SLOs) == 0 && len(d.Problems) == 0 {
		d.Errorf(0, "", "the file holds no SLO: sloguard needs at least one object of kind SLO")
	}
	services := map[string]bool{service: true}
	for _, s := range spec.SLOs {
		services[s.Service] = true
	}
	for _, o := range d.services {
		if service != "" && !services[o.meta.name] {
			f := o.field + ".metadata.name"
			d.warnf(d.LineOf(f), f, "Service %q is the service of no SLO of the files loaded", o.meta.name)
		}
	}
	return spec
}

func (d *osDecoder) dataSource(o *osObject) {
	sf := o.field + ".spec"
	f, ok := d.Mapping(o.spec, sf, dataSourceFields...)
	if !ok {
		return
	}
	if v, ok := f["description"]; ok {
		d.Text(v, sf+".description")
	}
	typ := ""
	if v, ok := f["type"]; ok {
		if t, ok := d.required(v, sf+".type", "give the type of the source, "+OTelSourceType+" or "+PrometheusSourceType); ok {
			if canon, ok := d.sourceType(t, v.Line, sf+".type"); ok {
				typ = canon
			}
		}
	} else {
		d.Missing(d.LineOf(sf), sf+".type", "missing: the type of the source, %s", strings.Join(sourceTypes, " or "))
	}
	// connectionDetails are the business of whoever runs the queries: for
	// Prometheus, the address given to sloguard serve.
	if !o.isCopy && o.meta.name != "" {
		d.sources[o.meta.name] = typ
	}
}

// sourceType checks the type of a metric source or data source, written
// in any case (prometheus, Prometheus), and returns it as sloguard writes it.
func (d *osDecoder) sourceType(t string, line int, field string) (string, bool) {
	if i := slices.IndexFunc(sourceTypes, func(s string) bool { return strings.EqualFold(s, t) }); i >= 0 {
		return sourceTypes[i], true
	}
	d.Errorf(line, field, "source type %q is not supported: sloguard reads %s (the service's own OpenTelemetry instruments) and %s (PromQL queries)", t, OTelSourceType, PrometheusSourceType)
	return "", false
}

func (d *osDecoder) service(o *osObject) {
	sf := o.field + ".spec"
	if f, ok := d.Mapping(o.spec, sf, serviceFields...); ok {
		if v, ok := f["description"]; ok {
			d.Text(v, sf+".description")
		}
	}
	if !o.isCopy && o.meta.name != "" {
		d.services = append(d.services, o)
	}
}
