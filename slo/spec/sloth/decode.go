package sloth

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/foreign"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// decoder reads one Sloth document. Field names are written snake_case,
// as the spec file has them; the custom resource's are their camelCase.
type decoder struct {
	*yamldoc.Decoder
	window time.Duration
	crd    bool
}

// name is the field as this document spells it.
func (d *decoder) name(snake string) string {
	if !d.crd {
		return snake
	}
	parts := strings.Split(snake, "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

func (d *decoder) document(doc yamldoc.Document, set *foreign.Set) {
	if key, _ := doc.Version(); key == "apiVersion" {
		d.crd = true
		top, ok := d.Mapping(doc.Node, "", "apiVersion", "kind", "metadata", "spec")
		if !ok {
			return
		}
		kind := yamldoc.ScalarValue(top["kind"])
		if kind != crdKind {
			line := d.LineOf("kind")
			if kind == "" {
				d.Missing(doc.Node.Line, "kind", "missing: Sloth's SLOs are of kind %s", crdKind)
				return
			}
			msg := fmt.Sprintf("kind %q is not read: sloguard reads Sloth's %s", kind, crdKind)
			if kind == "AlertWindows" {
				msg += " (its burn-rate alert windows are fixed: see docs/SLOS.md, Alerts)"
			}
			d.Errorf(line, "kind", "%s", msg)
			return
		}
		if m, ok := top["metadata"]; ok {
			d.Mapping(m, "metadata", "name", "namespace", "labels", "annotations")
		}
		spec, ok := top["spec"]
		if !ok {
			d.Missing(doc.Node.Line, "spec", "missing: the service and its slos")
			return
		}
		d.service(spec, "spec", set)
		return
	}
	d.service(doc.Node, "", set)
}

func (d *decoder) service(n *yaml.Node, field string, set *foreign.Set) {
	known := []string{"service", "labels", "slos"}
	if !d.crd {
		known = append([]string{"version"}, known...)
	}
	top, ok := d.Mapping(n, field, known...)
	if !ok {
		return
	}
	sf := yamldoc.JoinField(field, "service")
	var service string
	if v, ok := top["service"]; ok {
		service, _ = d.Text(v, sf)
	}
	if strings.TrimSpace(service) == "" && !d.Broken[sf] {
		d.Missing(d.LineOf(field), sf, "missing: name the service the SLOs are about")
		return
	}
	var common map[string]string
	if v, ok := top["labels"]; ok {
		common = d.labels(v, yamldoc.JoinField(field, "labels"))
	}
	lf := yamldoc.JoinField(field, "slos")
	v, ok := top["slos"]
	if !ok {
		d.Missing(d.LineOf(field), lf, "missing: a spec lists at least one SLO")
		return
	}
	v = yamldoc.ResolveAlias(v)
	switch {
	case yamldoc.IsNull(v) || v.Kind == yaml.SequenceNode && len(v.Content) == 0:
		d.Errorf(v.Line, lf, "empty: a spec lists at least one SLO")
		return
	case v.Kind != yaml.SequenceNode:
		d.Errorf(v.Line, lf, "must be a list of SLOs, not %s", yamldoc.KindName(v))
		return
	}
	for i, item := range v.Content {
		f := fmt.Sprintf("%s[%d]", lf, i)
		o, fields := d.slo(item, f, common)
		set.Add(d.Decoder, service, sf, o, fields)
	}
}

func (d *decoder) slo(n *yaml.Node, field string, common map[string]string) (slo.SLO, map[string]string) {
	o := slo.SLO{Window: d.window, MinEvents: slo.DefaultMinEvents}
	fields := map[string]string{"": field, ".window": field, ".sli": field + ".sli"}
	f, ok := d.Mapping(n, field, "name", "objective", "description", "labels", "sli", "alerting", "plugins")
	if !ok {
		return o, fields
	}
	if v, ok := f["name"]; ok {
		o.Name, _ = d.Text(v, field+".name")
	}
	if o.Name == "" && !d.Broken[field+".name"] {
		d.Missing(d.LineOf(field), field+".name", "missing: every SLO needs a name")
	}
	if v, ok := f["objective"]; ok {
		o.Objective = d.Objective(v, field+".objective")
	} else {
		d.Missing(d.LineOf(field), field+".objective", "missing: the percent of good events to aim for, like 99.9")
	}
	if v, ok := f["description"]; ok {
		o.Description, _ = d.Text(v, field+".description")
	}
	o.Labels = maps.Clone(common)
	if v, ok := f["labels"]; ok {
		own := d.labels(v, field+".labels")
		if own != nil && o.Labels == nil {
			o.Labels = map[string]string{}
		}
		maps.Copy(o.Labels, own)
	}
	if v, ok := f["plugins"]; ok {
		d.Errorf(d.LineOf(field+".plugins"), field+".plugins", "SLO plugins change the rules Sloth generates and are not supported: write the SLO without them")
		_ = v
	}
	sf := field + ".sli"
	if v, ok := f["sli"]; ok {
		o.SLI = d.sli(v, sf, fields)
	} else {
		d.Missing(d.LineOf(field), sf, "missing: the SLI, as events with %s and %s", d.name("error_query"), d.name("total_query"))
	}
	if v, ok := f["alerting"]; ok {
		o.Alerting = d.alerting(v, field+".alerting", fields)
	}
	return o, fields
}

func (d *decoder) labels(n *yaml.Node, field string) map[string]string {
	var out map[string]string
	d.Entries(n, field, "label names to values", "label names", func(k, v *yaml.Node, f string) {
		if val, ok := d.Text(v, f); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[k.Value] = val
		}
	})
	return out
}

func (d *decoder) sli(n *yaml.Node, field string, fields map[string]string) slo.SLI {
	var s slo.SLI
	fields[".sli"] = field
	f, ok := d.Mapping(n, field, "events", "raw", "plugin")
	if !ok {
		return s
	}
	switch {
	case f["raw"] != nil:
		rf := field + ".raw"
		d.Errorf(d.LineOf(rf), rf, "a raw SLI (%s) is a ratio, not counts of events: sloguard needs the number of bad and total events (for the low-traffic guard, min_events, and for budgets over any window); write it as events with %s and %s",
			d.name("error_ratio_query"), d.name("error_query"), d.name("total_query"))
	case f["plugin"] != nil:
		pf := field + ".plugin"
		d.Errorf(d.LineOf(pf), pf, "SLI plugins are Sloth's Go code and cannot be read: write the SLI as events with %s and %s", d.name("error_query"), d.name("total_query"))
	case f["events"] != nil:
		ef := field + ".events"
		eq, tq := d.name("error_query"), d.name("total_query")
		g, ok := d.Mapping(f["events"], ef, eq, tq)
		if !ok {
			return s
		}
		s.PromQL = &slo.PromQL{}
		if v, ok := g[eq]; ok {
			s.PromQL.Bad, _ = d.Text(v, ef+"."+eq)
		} else {
			d.Missing(d.LineOf(ef), ef+"."+eq, "missing: the query for the bad events over {{.window}}")
		}
		if v, ok := g[tq]; ok {
			s.PromQL.Total, _ = d.Text(v, ef+"."+tq)
		} else {
			d.Missing(d.LineOf(ef), ef+"."+tq, "missing: the query for all events over {{.window}}")
		}
		fields[".sli"] = ef
		fields[".sli.promql"] = ef
		fields[".sli.promql.bad"] = ef + "." + eq
		fields[".sli.promql.total"] = ef + "." + tq
	default:
		d.Errorf(d.LineOf(field), field, "names no SLI: give events with %s and %s", d.name("error_query"), d.name("total_query"))
	}
	return s
}

// alerting reads Sloth's alert settings into the SLO's: the name of its
// burn-rate alerts, labels and annotations for all of them and per
// severity, and a severity turned off. A label sloguard sets itself
// (severity, as Sloth's examples route on) is renamed sloth_<name>, with a
// warning: sloguard's own severity (page, ticket) must stay what every
// engine and Alertmanager route see.
func (d *decoder) alerting(n *yaml.Node, field string, fields map[string]string) slo.Alerting {
	var a slo.Alerting
	pa, ta := d.name("page_alert"), d.name("ticket_alert")
	f, ok := d.Mapping(n, field, "name", "labels", "annotations", pa, ta)
	if !ok {
		return a
	}
	fields[".alerting"] = field
	if v, ok := f["name"]; ok {
		a.Name, _ = d.Text(v, field+".name")
	}
	if v, ok := f["labels"]; ok {
		a.Labels = d.alertLabels(v, field+".labels")
	}
	if v, ok := f["annotations"]; ok {
		a.Annotations = d.StringMap(v, field+".annotations", "annotation names to values", "annotation names")
	}
	for _, c := range []struct {
		key, model string
		class      *slo.AlertClass
	}{{pa, "page", &a.Page}, {ta, "ticket", &a.Ticket}} {
		v, ok := f[c.key]
		if !ok {
			continue
		}
		af := field + "." + c.key
		fields[".alerting."+c.model] = af
		g, ok := d.Mapping(v, af, "disable", "labels", "annotations")
		if !ok {
			continue
		}
		if v, ok := g["disable"]; ok {
			c.class.Disabled = d.Bool(v, af+".disable")
		}
		if v, ok := g["labels"]; ok {
			c.class.Labels = d.alertLabels(v, af+".labels")
		}
		if v, ok := g["annotations"]; ok {
			c.class.Annotations = d.StringMap(v, af+".annotations", "annotation names to values", "annotation names")
		}
	}
	return a
}

// alertLabels reads the labels of Sloth's alerts, renaming those sloguard
// reserves.
func (d *decoder) alertLabels(n *yaml.Node, field string) map[string]string {
	m := d.labels(n, field)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(slo.ReservedLabels(), k) {
			continue
		}
		renamed := "sloth_" + k
		foreign.Warnf(d.Decoder, d.LineOf(field+"."+k), field+"."+k, "label %q is set by sloguard itself (%s): carried as %q", k, strings.Join(slo.ReservedLabels(), ", "), renamed)
		m[renamed] = m[k]
		delete(m, k)
	}
	return m
}
