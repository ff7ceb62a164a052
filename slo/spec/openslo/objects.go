package openslo

import (
	"fmt"
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
		d.Text(v, field+".displayName")
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
	d.Entries(n, field, "label names to values", "label names", func(k, v *yaml.Node, f string) {
		if v.Kind == yaml.SequenceNode {
			if len(v.Content) != 1 {
				d.Errorf(v.Line, f, "lists %d values: a sloguard label has exactly one", len(v.Content))
				return
			}
			v = yamldoc.ResolveAlias(v.Content[0])
		}
		if val, ok := d.Text(v, f); ok {
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
						d.Errorf(d.LineOf(nf), nf, "the SLO name %q is already the name of %s", s.Name, first)
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
					d.Errorf(d.LineOf(svcField), svcField, "service %q differs from %q (line %d): a file holds the SLOs of one service; put the SLOs of %q in a file of their own",
						svc, service, d.LineOf(serviceField), svc)
				}
				spec.SLOs = append(spec.SLOs, s)
			}
		}
	}
	spec.Service = service
	if len(spec.SLOs) == 0 && len(d.Problems) == 0 {
		d.Errorf(0, "", "the file holds no SLO: sloguard needs at least one object of kind SLO")
	}
	for _, o := range d.services {
		if service != "" && o.meta.name != service {
			f := o.field + ".metadata.name"
			d.Errorf(d.LineOf(f), f, "Service %q is not the service of the SLOs of this file (%q): a file holds the SLOs of one service", o.meta.name, service)
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
