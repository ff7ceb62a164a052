package yamldoc

import (
	"maps"
	"slices"

	"github.com/sloguard/sloguard/slo"
	"gopkg.in/yaml.v3"
)

// The alerting block of sloguard/v1, also written in OpenSLO's
// sloguard.io/alerting annotation:
//
//	alerting:
//	  name: CheckoutHighErrorRate
//	  labels: {category: availability}
//	  annotations: {summary: High error rate}
//	  page: {disable: false, labels: {routing_key: myteam}, annotations: {}}
//	  ticket: {disable: true}
//	  disable: [SLOMetricAbsent]
var (
	alertingFields = []string{"name", "labels", "annotations", "page", "ticket", "disable"}
	classFields    = []string{"disable", "labels", "annotations"}
)

// Alerting reads an alerting block at field. Problems of the values
// themselves (label names, reserved labels, alert names) are the model's
// validation's, placed at the fields this records.
func (d *Decoder) Alerting(n *yaml.Node, field string) slo.Alerting {
	var a slo.Alerting
	f, ok := d.Mapping(n, field, alertingFields...)
	if !ok {
		return a
	}
	if v, ok := f["name"]; ok {
		a.Name, _ = d.Text(v, field+".name")
	}
	if v, ok := f["labels"]; ok {
		a.Labels = d.StringMap(v, field+".labels", "label names to values", "label names")
	}
	if v, ok := f["annotations"]; ok {
		a.Annotations = d.StringMap(v, field+".annotations", "annotation names to values", "annotation names")
	}
	if v, ok := f["page"]; ok {
		a.Page = d.alertClass(v, field+".page")
	}
	if v, ok := f["ticket"]; ok {
		a.Ticket = d.alertClass(v, field+".ticket")
	}
	if v, ok := f["disable"]; ok {
		a.Disabled = d.List(v, field+".disable")
	}
	return a
}

func (d *Decoder) alertClass(n *yaml.Node, field string) slo.AlertClass {
	var c slo.AlertClass
	f, ok := d.Mapping(n, field, classFields...)
	if !ok {
		return c
	}
	if v, ok := f["disable"]; ok {
		c.Disabled = d.Bool(v, field+".disable")
	}
	if v, ok := f["labels"]; ok {
		c.Labels = d.StringMap(v, field+".labels", "label names to values", "label names")
	}
	if v, ok := f["annotations"]; ok {
		c.Annotations = d.StringMap(v, field+".annotations", "annotation names to values", "annotation names")
	}
	return c
}

// Bool reads true or false; anything else is a problem (and false).
func (d *Decoder) Bool(n *yaml.Node, field string) bool {
	n = ResolveAlias(n)
	d.LineAt(field, n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.Errorf(n.Line, field, "must be true or false, not %s", KindName(n))
		return false
	}
	return n.Value == "true"
}

// StringMap reads a mapping of names to strings (labels, annotations); nil
// when empty.
func (d *Decoder) StringMap(n *yaml.Node, field, what, keys string) map[string]string {
	var out map[string]string
	d.Entries(n, field, what, keys, func(k, v *yaml.Node, f string) {
		if val, ok := d.Text(v, f); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[k.Value] = val
		}
	})
	return out
}

// AlertingNode writes a as the block Alerting reads; nil when a is zero.
// Policies are not written: they are OpenSLO's, and its export writes them.
func AlertingNode(a slo.Alerting) *yaml.Node {
	if a.IsZero() {
		return nil
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) {
		if v != nil {
			m.Content = append(m.Content, str(k), v)
		}
	}
	if a.Name != "" {
		add("name", str(a.Name))
	}
	add("labels", stringMapNode(a.Labels))
	add("annotations", stringMapNode(a.Annotations))
	add("page", classNode(a.Page))
	add("ticket", classNode(a.Ticket))
	if len(a.Disabled) > 0 {
		l := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, n := range a.Disabled {
			l.Content = append(l.Content, str(n))
		}
		add("disable", l)
	}
	return m
}

func classNode(c slo.AlertClass) *yaml.Node {
	if !c.Disabled && len(c.Labels) == 0 && len(c.Annotations) == 0 {
		return nil
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	if c.Disabled {
		m.Content = append(m.Content, str("disable"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	for _, kv := range []struct {
		k string
		v map[string]string
	}{{"labels", c.Labels}, {"annotations", c.Annotations}} {
		if n := stringMapNode(kv.v); n != nil {
			m.Content = append(m.Content, str(kv.k), n)
		}
	}
	return m
}

func stringMapNode(m map[string]string) *yaml.Node {
	if len(m) == 0 {
		return nil
	}
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		n.Content = append(n.Content, str(k), str(m[k]))
	}
	return n
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
