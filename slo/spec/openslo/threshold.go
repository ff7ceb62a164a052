package openslo

import (
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// thresholdMetric reads an SLI compared with the objective's value: the
// request histogram of sloguard.otel, or a Prometheus histogram.
func (d *osDecoder) thresholdMetric(in *osIndicator, meta osMeta, n *yaml.Node, field string) {
	in.threshold = true
	in.native[""] = field
	f, ok := d.Mapping(n, field, partFields...)
	if !ok {
		in.ok = false
		return
	}
	v, ok := f["metricSource"]
	if !ok {
		d.Missing(d.LineOf(field), field+".metricSource", "missing: the metricSource, {type: %s, spec: {metric: %s}}", OTelSourceType, slo.DurationMetric)
		in.ok = false
		return
	}
	src := d.metricSource(v, field+".metricSource")
	if src == nil {
		in.ok = false
		return
	}
	if src.typ == PrometheusSourceType {
		d.promThreshold(in, src)
		return
	}
	for _, k := range sliAnnotations {
		if v, ok := meta.annotations[k]; ok {
			d.Errorf(v.Line, yamldoc.JoinField(meta.field+".annotations", k), "describes the in-process counts of Prometheus sources; this source is %s already: remove it", OTelSourceType)
			in.ok = false
		}
	}
	s := d.otelSpec(src.spec, src.field)
	if !s.ok {
		in.ok = false
		return
	}
	if s.metric != slo.DurationMetric {
		d.Errorf(d.LineOf(s.field+".metric"), s.field+".metric", "a thresholdMetric compares every measured value with the objective's value: sloguard does so for the request histogram %s only; count the events of %s with a ratioMetric", slo.DurationMetric, s.metric)
		in.ok = false
		return
	}
	for _, k := range []struct {
		set  bool
		name string
	}{{s.status != "", "status"}, {s.le != nil, "le"}} {
		if k.set {
			d.Errorf(d.LineOf(s.field+"."+k.name), s.field+"."+k.name, "a thresholdMetric takes its threshold from the objective (op: lte, value: seconds): remove %s", k.name)
			in.ok = false
		}
	}
	if !d.httpMatch(s) || !in.ok {
		in.ok = false
		return
	}
	in.sli = slo.SLI{Kind: slo.KindLatency, Routes: nonEmpty(s.match[slo.RouteAttr]), Methods: nonEmpty(s.match[slo.MethodAttr])}
	in.native["latency"] = field
	in.native["latency.routes"] = s.field + ".match." + slo.RouteAttr
	in.native["latency.methods"] = s.field + ".match." + slo.MethodAttr
}

// boolean reads a YAML boolean.

// promThreshold reads a Prometheus thresholdMetric. Over a histogram's
// _bucket series (`x_bucket{job="api"}`, summed or not) a latency
// threshold can be counted: the good events are the bucket at the
// objective's value, the total the histogram's _count (see combine). Any
// other query gives measured values, which are not counts of events.
func (d *osDecoder) promThreshold(in *osIndicator, src *osSource) {
	f, ok := d.Mapping(src.spec, src.field, promSpecFields...)
	if !ok {
		in.ok = false
		return
	}
	key := "query"
	if _, has := f[key]; !has {
		key = "promql"
	}
	v, has := f[key]
	qf := src.field + "." + key
	if !has {
		d.Missing(d.LineOf(src.field), src.field+".query", "missing: the PromQL query, a histogram's _bucket series")
		in.ok = false
		return
	}
	q, _ := d.Text(v, qf)
	sel, err := slo.HistogramSelector(q)
	if err != nil {
		d.Errorf(v.Line, qf, "a Prometheus thresholdMetric can be counted over a histogram only, as the share of its observations at or under the objective's value: %v", err)
		in.ok = false
		return
	}
	in.histogram = sel
	in.native["promql"] = qf
}
