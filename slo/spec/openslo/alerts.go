package openslo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

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
	c := &osCondition{field: sf + ".condition", line: yamldoc.ResolveAlias(spec).Line, ok: true}
	f, ok := d.Mapping(spec, sf, condSpecFields...)
	if !ok {
		c.ok = false
		return c
	}
	if v, ok := f["description"]; ok {
		d.Text(v, sf+".description")
	}
	if v, ok := f["severity"]; ok {
		c.severity, _ = d.Text(v, sf+".severity")
	}
	if c.severity == "" {
		if !d.Broken[sf+".severity"] {
			d.Missing(d.LineOf(sf), sf+".severity", "missing: the severity of the alert, page or ticket")
		}
		c.ok = false
	}
	v, ok := f["condition"]
	if !ok {
		d.Missing(d.LineOf(sf), c.field, "missing: the burn-rate condition, like {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h}")
		c.ok = false
		return c
	}
	g, ok := d.Mapping(v, c.field, conditionFields...)
	if !ok {
		c.ok = false
		return c
	}
	c.line = d.LineOf(c.field)
	if v, ok := g["kind"]; ok {
		if k, ok := d.required(v, c.field+".kind", "write kind: burnrate, or leave kind out"); !ok {
			c.ok = false
		} else if k != "burnrate" {
			d.Errorf(v.Line, c.field+".kind", "unknown condition kind %q: OpenSLO v1 has burnrate conditions only", k)
			c.ok = false
		}
	}
	if v, ok := g["op"]; ok {
		switch op, ok := d.required(v, c.field+".op", "write op: gt"); {
		case !ok:
			c.ok = false
		case op == "gt" || op == "gte":
		case op == "lt" || op == "lte":
			d.Errorf(v.Line, c.field+".op", "a burn-rate alert fires when the burn rate exceeds the threshold: use op: gt")
			c.ok = false
		default:
			d.Errorf(v.Line, c.field+".op", "unknown op %q (a burn-rate alert uses op: gt)", op)
			c.ok = false
		}
	}
	if v, ok := g["threshold"]; ok {
		if r, ok := d.Number(v, c.field+".threshold", "a burn rate, like 14.4"); ok && r.Sign() > 0 {
			c.threshold, _ = r.Float64()
		} else {
			if ok {
				d.Errorf(v.Line, c.field+".threshold", "must be a positive burn rate, like 14.4")
			}
			c.ok = false
		}
	} else {
		d.Missing(c.line, c.field+".threshold", "missing: the burn rate above which the alert fires, like 14.4")
		c.ok = false
	}
	if v, ok := g["lookbackWindow"]; ok {
		if c.lookback, ok = d.shorthand(v, c.field+".lookbackWindow"); !ok {
			c.ok = false
		}
	} else {
		d.Missing(c.line, c.field+".lookbackWindow", "missing: the window the burn rate is measured over, like 1h")
		c.ok = false
	}
	if v, ok := g["alertAfter"]; ok {
		if after, ok := d.shorthand(v, c.field+".alertAfter"); !ok {
			c.ok = false
		} else if after != 0 {
			d.Errorf(v.Line, c.field+".alertAfter", "sloguard fires as soon as the burn rate over the lookback window and over its short window (1/12 of it) exceeds the threshold, without waiting: remove alertAfter or write 0m")
			c.ok = false
		}
	}
	return c
}

func (d *osDecoder) target(spec *yaml.Node, field string) {
	sf := field + ".spec"
	f, ok := d.Mapping(spec, sf, targetFields...)
	if !ok {
		return
	}
	if v, ok := f["description"]; ok {
		d.Text(v, sf+".description")
	}
	// sloguard delivers alerts to the sinks sloguard serve is given; a
	// target only names where the file's author wants them to go.
	if v, ok := f["target"]; ok {
		d.Text(v, sf+".target")
	} else {
		d.Missing(d.LineOf(sf), sf+".target", "missing: where the alerts go, like email or slack")
	}
}

func (d *osDecoder) policy(spec *yaml.Node, field string) *osPolicy {
	p := &osPolicy{}
	sf := field + ".spec"
	f, ok := d.Mapping(spec, sf, policyFields...)
	if !ok {
		return p
	}
	if v, ok := f["description"]; ok {
		d.Text(v, sf+".description")
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
			d.Errorf(yamldoc.ResolveAlias(items[1]).Line, cf, "lists %d conditions: an OpenSLO v1 alert policy has exactly one; write one policy per condition", len(items))
		}
		for i, item := range items {
			itf := fmt.Sprintf("%s[%d]", cf, i)
			g, ok := d.Mapping(item, itf, condItemFields...)
			if !ok {
				continue
			}
			if d.isRef(g, itf, "conditionRef", kindAlertCondition) {
				rf := itf + ".conditionRef"
				if name, ok := d.required(g["conditionRef"], rf, "give the name of an AlertCondition of this file"); ok {
					if c, found := d.conditions[name]; found {
						p.conditions = append(p.conditions, c)
					} else {
						d.Errorf(g["conditionRef"].Line, rf, "no AlertCondition named %q in this file%s", name, knownNames(d.conditions))
					}
				}
			} else if spec := d.inline(g, itf, kindAlertCondition); spec != nil {
				p.conditions = append(p.conditions, d.condition(spec, itf))
			}
		}
	} else {
		d.Missing(d.LineOf(sf), sf+".conditions", "missing: the burn-rate condition of the policy")
	}
	if v, ok := f["notificationTargets"]; ok {
		tf := sf + ".notificationTargets"
		for i, item := range d.items(v, tf, "notificationTargets") {
			itf := fmt.Sprintf("%s[%d]", tf, i)
			g, ok := d.Mapping(item, itf, targetItemFields...)
			if !ok {
				continue
			}
			if d.isRef(g, itf, "targetRef", kindTarget) {
				rf := itf + ".targetRef"
				if name, ok := d.required(g["targetRef"], rf, "give the name of an AlertNotificationTarget of this file"); ok && !d.targets[name] {
					d.Errorf(g["targetRef"].Line, rf, "no AlertNotificationTarget named %q in this file%s", name, knownNames(d.targets))
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
	n = yamldoc.ResolveAlias(n)
	d.LineAt(field, n)
	switch {
	case yamldoc.IsNull(n):
		return nil
	case n.Kind != yaml.SequenceNode:
		d.Errorf(n.Line, field, "must be a list of %s, not %s", what, yamldoc.KindName(n))
		return nil
	}
	for i, item := range n.Content {
		d.Lines[fmt.Sprintf("%s[%d]", field, i)] = yamldoc.ResolveAlias(item).Line
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
			d.Errorf(d.LineOf(field+"."+k), field+"."+k, "given with %s: give either the name of %s or an inline one", refKey, article(kind))
		}
	}
	return true
}

// inline checks an inline object of kind and returns its spec.
func (d *osDecoder) inline(g map[string]*yaml.Node, field, kind string) *yaml.Node {
	v, ok := g["kind"]
	if !ok {
		d.Missing(d.LineOf(field), field+".kind", "missing: kind: %s (or a reference by name)", kind)
		return nil
	}
	if k, ok := d.required(v, field+".kind", "write kind: "+kind); !ok {
		return nil
	} else if k != kind {
		d.Errorf(v.Line, field+".kind", "must be %s here, not %q", kind, k)
		return nil
	}
	if v, ok := g["metadata"]; ok {
		d.metadata(v, field+".metadata", nil)
	} else {
		d.Missing(d.LineOf(field), field+".metadata", "missing: metadata with the name of the %s", kind)
	}
	spec, ok := g["spec"]
	if !ok {
		d.Missing(d.LineOf(field), field+".spec", "missing: the spec of the %s", kind)
		return nil
	}
	return spec
}

// alertPolicies reads the alert policies of an SLO and checks that each
// condition is one of the burn-rate alerts sloguard raises for the SLO's
// window: sloguard's alerting is fixed (AlertWindows), so a condition it
// would not honour is refused rather than ignored.
func (d *osDecoder) alertPolicies(n *yaml.Node, field, sloName string, window time.Duration, windowOK bool) {
	for i, item := range d.items(n, field, "alert policies") {
		itf := fmt.Sprintf("%s[%d]", field, i)
		g, ok := d.Mapping(item, itf, policyItemFields...)
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
				d.Errorf(g["alertPolicyRef"].Line, rf, "no AlertPolicy named %q in this file%s", name, knownNames(d.policies))
				continue
			}
		} else if spec := d.inline(g, itf, kindAlertPolicy); spec != nil {
			p = d.policy(spec, itf)
		}
		if p == nil || !windowOK {
			continue
		}
		for _, c := range p.conditions {
			d.checkTier(c, sloName, window)
		}
	}
}

func (d *osDecoder) checkTier(c *osCondition, sloName string, window time.Duration) {
	if !c.ok {
		return
	}
	tiers := slo.AlertWindows(window)
	for _, t := range tiers {
		if t.Long == c.lookback && t.Severity == c.severity && math.Abs(t.Factor-c.threshold) <= 0.005 {
			return
		}
	}
	desc := make([]string, len(tiers))
	for i, t := range tiers {
		desc[i] = fmt.Sprintf("%s at %s over %s", t.Severity, formatFactor(t.Factor), slo.WindowName(t.Long))
	}
	d.Problems = append(d.Problems, slo.Problem{File: d.FileOf(c.field), Line: c.line, Field: c.field, Msg: fmt.Sprintf(
		"severity %s, burn rate %s over %s is not an alert sloguard raises for SLO %s (%s window): it raises, for every SLO, %s, each also checking a short window of 1/12 of the lookback; write conditions among these, or leave the alert policy out",
		c.severity, strconv.FormatFloat(c.threshold, 'f', -1, 64), slo.WindowName(c.lookback), sloName, slo.WindowName(window), strings.Join(desc, ", "))})
}

func formatFactor(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64)
}

// dnsLabel turns an SLO name into an OpenSLO name (an RFC 1123 label):
// lower case, with - for every run of other characters.
func dnsLabel(name string) string {
	return strings.Trim(dnsLabelInvalidRE.ReplaceAllString(strings.ToLower(name), "-"), "-")
}
