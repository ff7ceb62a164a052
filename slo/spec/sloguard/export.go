package sloguard

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// Export writes spec as one sloguard/v1 document that reads back into the
// same Spec: objectives as the exact percent of their fraction (0.999 is
// 99.9), windows and thresholds in the spec's duration units, min_events
// only when it is not slo.DefaultMinEvents, matchers and lists in flow
// style, keys in the order of the format's documentation.
func Export(spec slo.Spec) ([]byte, error) {
	if strings.TrimSpace(spec.Service) == "" {
		return nil, errors.New("export sloguard/v1: the spec names no service")
	}
	if len(spec.SLOs) == 0 {
		return nil, errors.New("export sloguard/v1: the spec has no SLO")
	}
	slos := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range spec.SLOs {
		n, err := exportSLO(s)
		if err != nil {
			return nil, fmt.Errorf("export sloguard/v1: SLO %q: %w", s.Name, err)
		}
		slos.Content = append(slos.Content, n)
	}
	root := mapping("version", text(slo.Version), "service", text(spec.Service), "slos", slos)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("export sloguard/v1: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("export sloguard/v1: %w", err)
	}
	return buf.Bytes(), nil
}

func exportSLO(s slo.SLO) (*yaml.Node, error) {
	pct, err := percent(s.Objective)
	if err != nil {
		return nil, err
	}
	var window *yaml.Node
	if c := s.Calendar; c != nil {
		if err := c.Valid(); err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
		window = mapping("period", text(string(c.Unit)), "time_zone", text(c.TimeZone()))
		if !c.Start.IsZero() {
			window.Content = append(window.Content, text("start"), text(c.Start.In(c.Location).Format(time.RFC3339)))
		}
	} else {
		w, err := duration(s.Window)
		if err != nil {
			return nil, fmt.Errorf("window: %w", err)
		}
		window = text(w)
	}
	n := mapping("name", text(s.Name))
	if s.Description != "" {
		n.Content = append(n.Content, text("description"), text(s.Description))
	}
	n.Content = append(n.Content, text("objective"), number(pct))
	if s.Calendar != nil {
		n.Content = append(n.Content, text("calendar"), window)
	} else {
		n.Content = append(n.Content, text("window"), window)
	}
	if s.MinEvents != slo.DefaultMinEvents {
		if math.IsNaN(s.MinEvents) || math.IsInf(s.MinEvents, 0) || s.MinEvents < 0 {
			return nil, fmt.Errorf("min_events %v is not a number of events", s.MinEvents)
		}
		n.Content = append(n.Content, text("min_events"), number(strconv.FormatFloat(s.MinEvents, 'f', -1, 64)))
	}
	if len(s.Labels) > 0 {
		labels := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
			labels.Content = append(labels.Content, text(k), text(s.Labels[k]))
		}
		n.Content = append(n.Content, text("labels"), labels)
	}
	sli, err := exportSLI(s.SLI)
	if err != nil {
		return nil, err
	}
	n.Content = append(n.Content, text("sli"), sli)
	if len(s.Alerting.Policies) > 0 {
		return nil, fmt.Errorf("SLO %s: its OpenSLO alert policies have no sloguard/v1 form yet: export it as OpenSLO", s.Name)
	}
	if a := yamldoc.AlertingNode(s.Alerting); a != nil {
		n.Content = append(n.Content, text("alerting"), a)
	}
	return n, nil
}

func exportSLI(s slo.SLI) (*yaml.Node, error) {
	out := &yaml.Node{Kind: yaml.MappingNode}
	httpFilter := func(n *yaml.Node) *yaml.Node {
		if len(s.Routes) > 0 {
			n.Content = append(n.Content, text("routes"), list(s.Routes))
		}
		if len(s.Methods) > 0 {
			n.Content = append(n.Content, text("methods"), list(s.Methods))
		}
		n.Style = yaml.FlowStyle
		return n
	}
	switch s.Kind {
	case slo.KindAvailability:
		out.Content = append(out.Content, text("availability"), httpFilter(&yaml.Node{Kind: yaml.MappingNode}))
	case slo.KindLatency:
		t, err := duration(s.Threshold)
		if err != nil {
			return nil, fmt.Errorf("latency threshold: %w", err)
		}
		out.Content = append(out.Content, text("latency"), httpFilter(mapping("threshold", text(t))))
	case slo.KindEvents:
		ev := mapping("metric", text(s.Metric))
		for _, m := range []struct {
			name string
			m    slo.Matcher
		}{{"good", s.Good}, {"bad", s.Bad}, {"total", s.Total}} {
			if len(m.m) > 0 {
				ev.Content = append(ev.Content, text(m.name), matcher(m.m))
			}
		}
		out.Content = append(out.Content, text("events"), ev)
	case "":
		if s.PromQL == nil {
			return nil, errors.New("the SLI has neither a kind nor PromQL queries")
		}
	default:
		return nil, fmt.Errorf("unknown SLI kind %q", s.Kind)
	}
	if q := s.PromQL; q != nil {
		pn := &yaml.Node{Kind: yaml.MappingNode}
		for _, p := range []struct{ name, q string }{{"good", q.Good}, {"bad", q.Bad}, {"total", q.Total}} {
			if p.q != "" {
				pn.Content = append(pn.Content, text(p.name), text(p.q))
			}
		}
		out.Content = append(out.Content, text("promql"), pn)
	}
	return out, nil
}

// percent writes a fraction as the exact percent of its shortest decimal:
// 0.999 as 99.9, which the reader turns back into the same float.
func percent(f float64) (string, error) {
	if !(f > 0 && f < 1) {
		return "", fmt.Errorf("objective %v is not a fraction between 0 and 1", f)
	}
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok {
		return "", fmt.Errorf("objective %v is not a number", f)
	}
	r.Mul(r, big.NewRat(100, 1))
	s := r.FloatString(20)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s, nil
}

// duration writes d in the spec's units; a part of a millisecond cannot
// be written.
func duration(d time.Duration) (string, error) {
	if d <= 0 || d%time.Millisecond != 0 {
		return "", fmt.Errorf("%v is not a positive whole number of milliseconds", d)
	}
	return slo.WindowName(d), nil
}

func text(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// number is written plain, so that 99 reads back as a number.
func number(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func list(vs []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, v := range vs {
		n.Content = append(n.Content, text(v))
	}
	return n
}

func matcher(m slo.Matcher) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		n.Content = append(n.Content, text(k), list(m[k]))
	}
	return n
}

func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, text(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return n
}
