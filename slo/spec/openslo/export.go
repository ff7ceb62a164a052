package openslo

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// Export writes spec as OpenSLO v1 documents, one SLO per document
// in the order of spec.SLOs: each with an inline indicator (sloguard.otel
// sources, or Prometheus sources when the SLI has PromQL), a rolling time
// window, Occurrences budgeting and one objective. Labels become
// metadata.labels; a min_events other than DefaultMinEvents and a name that
// is not an OpenSLO name are kept in sloguard.io/ annotations, so that
// Parse reads the output back into the same Spec.
func Export(spec slo.Spec) ([]byte, error) {
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
		root, err := exportSLO(spec.ServiceOf(s), name, s)
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

func exportSLO(service, name string, s slo.SLO) (*yaml.Node, error) {
	if !(s.Objective > 0 && s.Objective < 1) {
		return nil, fmt.Errorf("objective %v is not a fraction between 0 and 1", s.Objective)
	}
	timeWindow, err := exportTimeWindow(s)
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
	if s.MinEvents != slo.DefaultMinEvents {
		sloAnn = append(sloAnn, str(annotationMinEvents), str(strconv.FormatFloat(s.MinEvents, 'f', -1, 64)))
	}
	if len(s.Alerting.Policies) > 0 {
		return nil, fmt.Errorf("SLO %s: alert policies are not written yet", s.Name)
	}
	if a := yamldoc.AlertingNode(s.Alerting); a != nil {
		flow(a)
		b, err := yaml.Marshal(a)
		if err != nil {
			return nil, err
		}
		sloAnn = append(sloAnn, str(annotationAlerting), str(strings.TrimSpace(string(b))))
	}
	for _, k := range slices.Sorted(maps.Keys(s.Annotations)) {
		if strings.HasPrefix(k, annotationPrefix) {
			return nil, fmt.Errorf("annotation %q: the %s annotations are sloguard's own, written from the SLO's fields", k, annotationPrefix)
		}
		sloAnn = append(sloAnn, str(k), str(s.Annotations[k]))
	}
	meta := mapNode("name", str(name))
	if s.DisplayName != "" {
		meta.Content = append(meta.Content, str("displayName"), str(s.DisplayName))
	}
	if len(s.Labels) > 0 {
		labels := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
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
		str("timeWindow"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{timeWindow}},
		str("budgetingMethod"), str("Occurrences"),
		str("objectives"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{
			mapNode("target", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(s.Objective, 'g', -1, 64)}),
		}},
	)
	return mapNode("apiVersion", str(Version), "kind", str(kindSLO), "metadata", meta, "spec", spec), nil
}

// exportRatio writes the ratioMetric of an SLI, and the annotations of its
// inline indicator (the sloguard.otel specs of Prometheus sources).
func exportRatio(s slo.SLI) (ratio *yaml.Node, annotations []*yaml.Node, err error) {
	type part struct {
		name string
		spec *yaml.Node
	}
	var parts []part
	switch s.Kind {
	case slo.KindAvailability, slo.KindLatency:
		match := slo.Matcher{}
		if len(s.Routes) > 0 {
			match[slo.RouteAttr] = s.Routes
		}
		if len(s.Methods) > 0 {
			match[slo.MethodAttr] = s.Methods
		}
		total := otelSpecNode(slo.DurationMetric, match)
		if s.Kind == slo.KindAvailability {
			bad := otelSpecNode(slo.DurationMetric, match)
			bad.Content = append(bad.Content, str("status"), str(serverErrors))
			parts = []part{{"bad", bad}, {"total", total}}
		} else {
			if s.Threshold <= 0 {
				return nil, nil, fmt.Errorf("latency threshold %v is not positive", s.Threshold)
			}
			good := otelSpecNode(slo.DurationMetric, match)
			good.Content = append(good.Content, str("le"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(s.Threshold.Seconds(), 'g', -1, 64)})
			parts = []part{{"good", good}, {"total", total}}
		}
	case slo.KindEvents:
		if s.Metric == "" {
			return nil, nil, errors.New("the events SLI names no metric")
		}
		num, sel := "bad", s.Bad
		if len(s.Good) > 0 {
			num, sel = "good", s.Good
		}
		merged := cloneMatcher(s.Total)
		if merged == nil {
			merged = slo.Matcher{}
		}
		maps.Copy(merged, sel)
		parts = []part{{num, otelSpecNode(s.Metric, merged)}, {"total", otelSpecNode(s.Metric, s.Total)}}
	case "":
		// Queries alone: Prometheus sources and no in-process counts.
		if s.PromQL == nil {
			return nil, nil, errors.New("the SLI has neither a kind nor PromQL queries")
		}
	default:
		return nil, nil, fmt.Errorf("unknown SLI kind %q", s.Kind)
	}

	ratio = &yaml.Node{Kind: yaml.MappingNode}
	// The queries of a query-only SLI give counts or rates over the
	// window themselves: counter: false, so that no query is read as a bare
	// counter.
	counter := strconv.FormatBool(s.Kind != "")
	ratio.Content = append(ratio.Content, str("counter"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: counter})
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
func otelSpecNode(metric string, match slo.Matcher) *yaml.Node {
	n := mapNode("metric", str(metric))
	if len(match) > 0 {
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		for _, k := range slices.Sorted(maps.Keys(match)) {
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
	case d%slo.Day == 0:
		return fmt.Sprintf("%dd", d/slo.Day), nil
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

// exportTimeWindow writes the window of s: {duration, isRolling: true}, or
// for a calendar SLO {duration: 1M, isRolling: false, calendar: {timeZone,
// startTime}} with startTime as a wall-clock time in timeZone (left out
// when the periods keep their default alignment).
func exportTimeWindow(s slo.SLO) (*yaml.Node, error) {
	if s.Calendar == nil {
		window, err := shorthandOf(s.Window)
		if err != nil {
			return nil, err
		}
		return mapNode("duration", str(window), "isRolling", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}), nil
	}
	c := s.Calendar
	dur, ok := calendarDurations[c.Unit]
	if !ok {
		return nil, fmt.Errorf("calendar unit %q is none of week, month, quarter, year", c.Unit)
	}
	cal := mapNode("timeZone", str(c.TimeZone()))
	if !c.Start.IsZero() {
		cal.Content = append(cal.Content, str("startTime"), str(c.Start.In(c.Location).Format(slo.CalendarStartLayout)))
	}
	return mapNode("duration", str(dur), "isRolling", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"}, "calendar", cal), nil
}

// flow writes n and everything in it in YAML flow style, for an
// annotation's one-line value.
func flow(n *yaml.Node) {
	n.Style |= yaml.FlowStyle
	for _, c := range n.Content {
		flow(c)
	}
}
