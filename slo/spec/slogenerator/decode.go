package slogenerator

import (
	"math/big"
	"strings"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/foreign"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// serviceLabel is the metadata label naming the service.
const serviceLabel = "service_name"

type decoder struct {
	*yamldoc.Decoder
	window yamldoc.Options
}

func (d *decoder) object(doc yamldoc.Document, set *foreign.Set) {
	top, ok := d.Mapping(doc.Node, "", "apiVersion", "kind", "metadata", "spec")
	if !ok {
		return
	}
	if k := yamldoc.ScalarValue(top["kind"]); k != kind {
		if k == "" {
			d.Missing(doc.Node.Line, "kind", "missing: slo-generator's SLOs are of kind %s", kind)
		} else {
			d.Errorf(d.LineOf("kind"), "kind", "kind %q is not read: sloguard reads slo-generator's %s", k, kind)
		}
		return
	}
	o := slo.SLO{Window: d.window.Window, MinEvents: slo.DefaultMinEvents}
	fields := map[string]string{"": "metadata", ".window": "spec", ".sli": "spec"}
	var service string
	if m, ok := top["metadata"]; ok {
		if meta, ok := d.Mapping(m, "metadata", "name", "namespace", "labels", "annotations"); ok {
			if v, ok := meta["name"]; ok {
				o.Name, _ = d.Text(v, "metadata.name")
			}
			if v, ok := meta["labels"]; ok {
				o.Labels, service = d.labels(v, "metadata.labels")
			}
		}
	}
	if o.Name == "" && !d.Broken["metadata.name"] {
		d.Missing(doc.Node.Line, "metadata.name", "missing: every SLO needs a name")
	}
	sf := "metadata.labels." + serviceLabel
	if service == "" && !d.Broken[sf] {
		d.Missing(d.LineOf("metadata"), sf, "missing: the %s label names the service the SLO is about", serviceLabel)
		return
	}
	spec, ok := top["spec"]
	if !ok {
		d.Missing(doc.Node.Line, "spec", "missing: backend, method, service_level_indicator and goal")
		return
	}
	d.spec(spec, &o, fields)
	set.Add(d.Decoder, service, sf, o, fields)
}

// labels reads metadata.labels: service_name is the service, the others
// the SLO's labels.
func (d *decoder) labels(n *yaml.Node, field string) (map[string]string, string) {
	var out map[string]string
	var service string
	d.Entries(n, field, "label names to values", "label names", func(k, v *yaml.Node, f string) {
		val, ok := d.Text(v, f)
		if !ok {
			return
		}
		if k.Value == serviceLabel {
			service = val
			return
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k.Value] = val
	})
	return out, service
}

func (d *decoder) spec(n *yaml.Node, o *slo.SLO, fields map[string]string) {
	f, ok := d.Mapping(n, "spec", "description", "backend", "method", "exporters", "service_level_indicator", "goal", "error_budget_policy", "frequency")
	if !ok {
		return
	}
	fields[".objective"] = "spec.goal"
	fields[".labels"] = "metadata.labels"
	if v, ok := f["description"]; ok {
		o.Description, _ = d.Text(v, "spec.description")
	}
	if v, ok := f["goal"]; ok {
		o.Objective = d.goal(v, "spec.goal")
	} else {
		d.Missing(d.LineOf("spec"), "spec.goal", "missing: the fraction of good events to aim for, like 0.999")
	}
	var backend string
	if v, ok := f["backend"]; ok {
		backend, _ = d.Text(v, "spec.backend")
	}
	switch {
	case d.Broken["spec.backend"]:
		return
	case backend == "":
		d.Missing(d.LineOf("spec"), "spec.backend", "missing: the backend, prometheus")
		return
	case backend != "prometheus" && !strings.HasPrefix(backend, "prometheus/"):
		d.Errorf(d.LineOf("spec.backend"), "spec.backend", "the %s backend is not supported: sloguard reads SLOs over Prometheus (backend: prometheus)", backend)
		return
	}
	var method string
	if v, ok := f["method"]; ok {
		method, _ = d.Text(v, "spec.method")
	}
	sli, ok := f["service_level_indicator"]
	if !ok {
		d.Missing(d.LineOf("spec"), "spec.service_level_indicator", "missing: the filters or expression of the SLI")
		return
	}
	const sf = "spec.service_level_indicator"
	switch method {
	case "good_bad_ratio":
		o.SLI = d.goodBad(sli, sf, fields)
	case "distribution_cut":
		o.SLI = d.distributionCut(sli, sf, fields)
	case "query_sli":
		d.Errorf(d.LineOf("spec.method"), "spec.method", "query_sli gives a ratio, not counts of events: sloguard needs the number of good and total events (for the low-traffic guard, min_events, and for budgets over any window); write it as good_bad_ratio with filter_good and filter_valid")
	case "":
		if !d.Broken["spec.method"] {
			d.Missing(d.LineOf("spec"), "spec.method", "missing: good_bad_ratio or distribution_cut")
		}
	default:
		d.Errorf(d.LineOf("spec.method"), "spec.method", "method %q is not supported: use good_bad_ratio or distribution_cut", method)
	}
}

// goal reads a fraction in (0, 1) as the float nearest it.
func (d *decoder) goal(n *yaml.Node, field string) float64 {
	r, ok := d.Number(n, field, "a fraction like 0.999")
	if !ok {
		return 0
	}
	if r.Sign() <= 0 || r.Cmp(big.NewRat(1, 1)) >= 0 {
		d.Errorf(n.Line, field, "%s is not a fraction between 0 and 1 (both excluded)", n.Value)
		return 0
	}
	g, _ := r.Float64()
	if g >= 1 {
		d.Errorf(n.Line, field, "%s is too close to 1 to leave an error budget", n.Value)
		return 0
	}
	return g
}

func (d *decoder) goodBad(n *yaml.Node, field string, fields map[string]string) slo.SLI {
	var s slo.SLI
	f, ok := d.Mapping(n, field, "filter_good", "filter_bad", "filter_valid")
	if !ok {
		return s
	}
	q := map[string]string{}
	for _, k := range []string{"filter_good", "filter_bad", "filter_valid"} {
		v, ok := f[k]
		if !ok {
			continue
		}
		kf := field + "." + k
		text, ok := d.Text(v, kf)
		if !ok {
			continue
		}
		vs, err := foreign.Selector(text)
		if err != nil {
			d.Errorf(d.LineOf(kf), kf, "%v", err)
			continue
		}
		q[k] = foreign.Increase(vs, nil)
	}
	s.PromQL = &slo.PromQL{}
	fields[".sli"], fields[".sli.promql"] = field, field
	good, bad, valid := f["filter_good"] != nil, f["filter_bad"] != nil, f["filter_valid"] != nil
	switch {
	case good && bad && valid:
		d.Errorf(d.LineOf(field), field, "gives filter_good, filter_bad and filter_valid: give two of them")
	case good && bad:
		s.PromQL.Good, s.PromQL.Total = q["filter_good"], q["filter_good"]+" + "+q["filter_bad"]
		fields[".sli.promql.good"], fields[".sli.promql.total"] = field+".filter_good", field
	case valid && (good || bad):
		s.PromQL.Good, s.PromQL.Bad, s.PromQL.Total = q["filter_good"], q["filter_bad"], q["filter_valid"]
		fields[".sli.promql.good"], fields[".sli.promql.bad"] = field+".filter_good", field+".filter_bad"
		fields[".sli.promql.total"] = field + ".filter_valid"
	default:
		if !d.Suppressed(field) {
			d.Errorf(d.LineOf(field), field, "give filter_valid with filter_good or filter_bad (or filter_good and filter_bad)")
		}
	}
	return s
}

func (d *decoder) distributionCut(n *yaml.Node, field string, fields map[string]string) slo.SLI {
	var s slo.SLI
	f, ok := d.Mapping(n, field, "expression", "threshold_bucket")
	if !ok {
		return s
	}
	ef, tf := field+".expression", field+".threshold_bucket"
	var expr, le string
	if v, ok := f["expression"]; ok {
		expr, _ = d.Text(v, ef)
	} else {
		d.Missing(d.LineOf(field), ef, "missing: the histogram's _bucket selector")
	}
	if v, ok := f["threshold_bucket"]; ok {
		if _, ok := d.Number(v, tf, "the le of the bucket at the threshold, like 0.25"); ok {
			le = yamldoc.ResolveAlias(v).Value
		}
	} else {
		d.Missing(d.LineOf(field), tf, "missing: the le of the bucket at the threshold, like 0.25")
	}
	if expr == "" || le == "" {
		return s
	}
	vs, err := foreign.Selector(expr)
	if err != nil {
		d.Errorf(d.LineOf(ef), ef, "%v", err)
		return s
	}
	if !strings.HasSuffix(vs.Name, "_bucket") {
		d.Errorf(d.LineOf(ef), ef, "%q is not a histogram's _bucket series", expr)
		return s
	}
	s.PromQL = &slo.PromQL{
		Good:  foreign.Increase(foreign.WithMatcher(vs, "le", le), nil),
		Total: foreign.Increase(foreign.WithMatcher(vs, "le", "+Inf"), nil),
	}
	fields[".sli"], fields[".sli.promql"] = field, field
	fields[".sli.promql.good"], fields[".sli.promql.total"] = ef, ef
	return s
}
