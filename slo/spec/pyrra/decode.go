package pyrra

import (
	"math/big"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/foreign"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// labelPrefix marks the object labels Pyrra copies onto its rules.
const labelPrefix = "pyrra.dev/"

// defaultNamespace is where Kubernetes puts an object that names none.
const defaultNamespace = "default"

var labelNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

type decoder struct {
	*yamldoc.Decoder
}

func (d *decoder) object(doc yamldoc.Document, set *foreign.Set) {
	top, ok := d.Mapping(doc.Node, "", "apiVersion", "kind", "metadata", "spec")
	if !ok {
		return
	}
	if k := yamldoc.ScalarValue(top["kind"]); k != kind {
		if k == "" {
			d.Missing(doc.Node.Line, "kind", "missing: Pyrra's SLOs are of kind %s", kind)
		} else {
			d.Errorf(d.LineOf("kind"), "kind", "kind %q is not read: sloguard reads Pyrra's %s", k, kind)
		}
		return
	}
	o := slo.SLO{MinEvents: slo.DefaultMinEvents}
	fields := map[string]string{"": "metadata"}
	namespace := defaultNamespace
	if m, ok := top["metadata"]; ok {
		meta, ok := d.Mapping(m, "metadata", "name", "namespace", "labels", "annotations")
		if ok {
			if v, ok := meta["name"]; ok {
				o.Name, _ = d.Text(v, "metadata.name")
			}
			if v, ok := meta["namespace"]; ok {
				if ns, ok := d.Text(v, "metadata.namespace"); ok && ns != "" {
					namespace = ns
				}
			}
			if v, ok := meta["labels"]; ok {
				o.Labels = d.labels(v, "metadata.labels")
			}
		}
	}
	if o.Name == "" && !d.Broken["metadata.name"] {
		d.Missing(doc.Node.Line, "metadata.name", "missing: every SLO needs a name")
	}
	spec, ok := top["spec"]
	if !ok {
		d.Missing(doc.Node.Line, "spec", "missing: target, window and indicator")
		return
	}
	d.spec(spec, &o, fields)
	set.Add(d.Decoder, namespace, "metadata.namespace", o, fields)
}

func (d *decoder) labels(n *yaml.Node, field string) map[string]string {
	var out map[string]string
	d.Entries(n, field, "label names to values", "label names", func(k, v *yaml.Node, f string) {
		val, ok := d.Text(v, f)
		name, copied := strings.CutPrefix(k.Value, labelPrefix)
		if !ok || !copied {
			return // a label of the Kubernetes object, not of the rules
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = val
	})
	return out
}

func (d *decoder) spec(n *yaml.Node, o *slo.SLO, fields map[string]string) {
	f, ok := d.Mapping(n, "spec", "target", "window", "description", "indicator", "alerting")
	if !ok {
		return
	}
	fields[".objective"] = "spec.target"
	fields[".window"] = "spec.window"
	fields[".labels"] = "metadata.labels"
	if v, ok := f["target"]; ok {
		o.Objective = d.Objective(numeric(v), "spec.target")
	} else {
		d.Missing(d.LineOf("spec"), "spec.target", `missing: the percent of good events to aim for, like "99.9"`)
	}
	if v, ok := f["window"]; ok {
		o.Window, _ = d.Duration(v, "spec.window")
	} else {
		d.Missing(d.LineOf("spec"), "spec.window", "missing: the SLO window, like 4w or 28d")
	}
	if v, ok := f["description"]; ok {
		o.Description, _ = d.Text(v, "spec.description")
	}
	if v, ok := f["indicator"]; ok {
		o.SLI = d.indicator(v, "spec.indicator", fields)
	} else {
		d.Missing(d.LineOf("spec"), "spec.indicator", "missing: a ratio or latency indicator")
	}
	if v, ok := f["alerting"]; ok {
		o.Alerting = d.alerting(v, "spec.alerting")
		fields[".alerting"] = "spec.alerting"
	}
}

// numeric gives a quoted number (Pyrra writes target: "99.9") the tag of
// a number, so that it reads as one.
func numeric(n *yaml.Node) *yaml.Node {
	n = yamldoc.ResolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		if _, ok := new(big.Rat).SetString(strings.TrimSpace(n.Value)); ok {
			c := *n
			c.Tag, c.Value = "!!float", strings.TrimSpace(n.Value)
			return &c
		}
	}
	return n
}

func (d *decoder) indicator(n *yaml.Node, field string, fields map[string]string) slo.SLI {
	var s slo.SLI
	fields[".sli"] = field
	f, ok := d.Mapping(n, field, "ratio", "latency", "latency_native", "bool_gauge")
	if !ok {
		return s
	}
	switch {
	case f["bool_gauge"] != nil:
		bf := field + ".bool_gauge"
		d.Errorf(d.LineOf(bf), bf, "a bool_gauge is a gauge sampled at each scrape, not a count of events: sloguard counts events (the low-traffic guard and the budgets need them); give a ratio indicator over counters of successes and attempts")
	case f["latency_native"] != nil:
		lf := field + ".latency_native"
		d.Errorf(d.LineOf(lf), lf, "native histograms are not supported: give a latency indicator over a classic histogram's _bucket and _count")
	case f["ratio"] != nil:
		rf := field + ".ratio"
		g, ok := d.Mapping(f["ratio"], rf, "errors", "total", "grouping")
		if !ok {
			return s
		}
		grouping := d.grouping(g, rf)
		s.PromQL = &slo.PromQL{}
		s.PromQL.Bad = d.counter(g, rf, "errors", grouping, nil)
		s.PromQL.Total = d.counter(g, rf, "total", grouping, nil)
		fields[".sli"], fields[".sli.promql"] = rf, rf
		fields[".sli.promql.bad"], fields[".sli.promql.total"] = rf+".errors.metric", rf+".total.metric"
	case f["latency"] != nil:
		lf := field + ".latency"
		g, ok := d.Mapping(f["latency"], lf, "success", "total", "grouping")
		if !ok {
			return s
		}
		grouping := d.grouping(g, lf)
		s.PromQL = &slo.PromQL{}
		s.PromQL.Good = d.counter(g, lf, "success", grouping, checkBucket)
		s.PromQL.Total = d.counter(g, lf, "total", grouping, nil)
		fields[".sli"], fields[".sli.promql"] = lf, lf
		fields[".sli.promql.good"], fields[".sli.promql.total"] = lf+".success.metric", lf+".total.metric"
	default:
		d.Errorf(d.LineOf(field), field, "names no indicator: give ratio (errors and total) or latency (success and total)")
	}
	return s
}

// checkBucket refuses a latency success selector that is not one bucket
// of a histogram: its le is the threshold.
func checkBucket(sel string, le string) string {
	switch {
	case !strings.HasSuffix(sel, "_bucket"):
		return "the success metric of a latency indicator is a histogram's _bucket series, such as http_request_duration_seconds_bucket{le=\"0.5\"}"
	case le == "":
		return "the success metric of a latency indicator selects one bucket with le=\"<threshold>\""
	}
	return ""
}

// counter reads {metric: <selector>} at field.name into a count of events.
func (d *decoder) counter(g map[string]*yaml.Node, field, name string, grouping []string, check func(name, le string) string) string {
	pf := field + "." + name
	v, ok := g[name]
	if !ok {
		d.Missing(d.LineOf(field), pf, "missing: {metric: <a counter selector>}")
		return ""
	}
	m, ok := d.Mapping(v, pf, "metric")
	if !ok {
		return ""
	}
	mf := pf + ".metric"
	mv, ok := m["metric"]
	if !ok {
		d.Missing(d.LineOf(pf), mf, "missing: a counter selector, such as http_requests_total{code=~\"5..\"}")
		return ""
	}
	text, ok := d.Text(mv, mf)
	if !ok {
		return ""
	}
	vs, err := foreign.Selector(text)
	if err != nil {
		d.Errorf(d.LineOf(mf), mf, "%v", err)
		return ""
	}
	if check != nil {
		le := ""
		for _, lm := range vs.LabelMatchers {
			if lm.Name == "le" && lm.Type == labels.MatchEqual {
				le = lm.Value
			}
		}
		if msg := check(vs.Name, le); msg != "" {
			d.Errorf(d.LineOf(mf), mf, "%s", msg)
			return ""
		}
	}
	return foreign.Increase(vs, grouping)
}

func (d *decoder) grouping(g map[string]*yaml.Node, field string) []string {
	v, ok := g["grouping"]
	if !ok {
		return nil
	}
	gf := field + ".grouping"
	names := d.List(v, gf)
	for _, n := range names {
		if !labelNameRE.MatchString(n) {
			d.Errorf(d.LineOf(gf), gf, "%q is not a label name", n)
		}
	}
	return names
}

// alerting reads Pyrra's alert settings into the SLO's: disabled turns
// every alert of the SLO off (Pyrra then writes recording rules only),
// burnrates: false the burn-rate alerts, absent: false SLOMetricAbsent;
// name names the burn-rate alerts.
func (d *decoder) alerting(n *yaml.Node, field string) slo.Alerting {
	var a slo.Alerting
	f, ok := d.Mapping(n, field, "disabled", "name", "burnrates", "absent", "burnRateType")
	if !ok {
		return a
	}
	flag := func(k string, def bool) bool {
		if v, ok := f[k]; ok {
			return d.Bool(v, field+"."+k)
		}
		return def
	}
	switch {
	case flag("disabled", false):
		a.Disabled = slo.AlertNames()
	default:
		if !flag("burnrates", true) {
			a.Disabled = append(a.Disabled, slo.AlertErrorBudgetBurn)
		}
		if !flag("absent", true) {
			a.Disabled = append(a.Disabled, slo.AlertMetricAbsent)
		}
	}
	if v, ok := f["name"]; ok {
		a.Name, _ = d.Text(v, field+".name")
	}
	if v, ok := f["burnRateType"]; ok {
		if t, _ := d.Text(v, field+".burnRateType"); t != "" && t != "static" {
			foreign.Warnf(d.Decoder, d.LineOf(field+".burnRateType"), field+".burnRateType", "%q burn rates are not supported: sloguard's burn-rate factors are static (14.4, 6, 3, 1 for 30 days)", t)
		}
	}
	return a
}
