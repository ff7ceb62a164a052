package sloguard

import (
	"time"

	"fmt"
	"slices"
	"strings"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

var (
	topFields     = []string{"version", "service", "slos"}
	sloFields     = []string{"name", "description", "objective", "window", "calendar", "min_events", "labels", "sli", "alerting"}
	sliKinds      = []string{string(slo.KindAvailability), string(slo.KindLatency), string(slo.KindEvents)}
	sliFields     = append(slices.Clone(sliKinds), "promql")
	httpFields    = []string{"routes", "methods"}
	latencyFields = []string{"threshold", "routes", "methods"}
	eventsFields  = []string{"metric", "good", "bad", "total"}
	promqlFields  = []string{"good", "bad", "total"}
)

func (d *decoder) spec(root *yaml.Node) slo.Spec {
	var s slo.Spec
	top, ok := d.Mapping(root, "", topFields...)
	if !ok {
		return s
	}
	if n, ok := top["version"]; ok {
		s.Version, _ = d.Text(n, "version")
	}
	if s.Version == "" && !d.Broken["version"] {
		d.Missing(root.Line, "version", "missing: the first line of a spec is version: %s", slo.Version)
	} else if s.Version != slo.Version && !d.Broken["version"] {
		d.Errorf(d.Lines["version"], "version", "unsupported version %q: this release reads %s", s.Version, slo.Version)
	}
	if n, ok := top["service"]; ok {
		s.Service, _ = d.Text(n, "service")
	}
	if strings.TrimSpace(s.Service) == "" && !d.Broken["service"] {
		d.Missing(d.LineOf("service"), "service", "missing: name the service the SLOs are about")
	}
	n, ok := top["slos"]
	if !ok {
		d.Missing(root.Line, "slos", "missing: a spec lists at least one SLO")
		return s
	}
	n = yamldoc.ResolveAlias(n)
	switch {
	case yamldoc.IsNull(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		d.Errorf(n.Line, "slos", "empty: a spec lists at least one SLO")
		return s
	case n.Kind != yaml.SequenceNode:
		d.Errorf(n.Line, "slos", "must be a list of SLOs, not %s", yamldoc.KindName(n))
		return s
	}
	for i, item := range n.Content {
		s.SLOs = append(s.SLOs, d.slo(item, fmt.Sprintf("slos[%d]", i)))
	}
	return s
}

func (d *decoder) slo(n *yaml.Node, field string) slo.SLO {
	n = yamldoc.ResolveAlias(n)
	s := slo.SLO{Window: slo.DefaultWindow, MinEvents: slo.DefaultMinEvents}
	f, ok := d.Mapping(n, field, sloFields...)
	if !ok {
		return s
	}
	if v, ok := f["name"]; ok {
		s.Name, _ = d.Text(v, field+".name")
	}
	if s.Name == "" && !d.Broken[field+".name"] {
		d.Missing(d.LineOf(field+".name"), field+".name", "missing: every SLO needs a name")
	}
	if v, ok := f["description"]; ok {
		s.Description, _ = d.Text(v, field+".description")
	}
	if v, ok := f["objective"]; ok {
		s.Objective = d.Objective(v, field+".objective")
	} else {
		d.Missing(n.Line, field+".objective", "missing: the percent of good events to aim for, like 99.9")
	}
	if v, ok := f["window"]; ok {
		if w, ok := d.Duration(v, field+".window"); ok {
			s.Window = w
		}
	}
	if v, ok := f["calendar"]; ok {
		if _, both := f["window"]; both {
			d.Errorf(v.Line, field+".calendar", "given beside window: an SLO's window is rolling (window) or calendar periods (calendar), not both")
		} else if c, ok := d.calendar(v, field+".calendar"); ok {
			s.Calendar, s.Window = c, c.Longest()
		}
	}
	if v, ok := f["min_events"]; ok {
		mf := field + ".min_events"
		if r, ok := d.Number(v, mf, "a number of events"); ok {
			if r.Sign() < 0 {
				d.Errorf(v.Line, mf, "must not be negative, got %s", v.Value)
			} else {
				s.MinEvents, _ = r.Float64()
			}
		}
	}
	if v, ok := f["labels"]; ok {
		s.Labels = d.labels(v, field+".labels")
	}
	if v, ok := f["alerting"]; ok {
		s.Alerting = d.Alerting(v, field+".alerting")
	}
	if v, ok := f["sli"]; ok {
		s.SLI = d.sli(v, field+".sli")
	} else {
		d.Missing(n.Line, field+".sli", "missing: say which events count, with one of %s", strings.Join(sliKinds, ", "))
	}
	return s
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

func (d *decoder) sli(n *yaml.Node, field string) slo.SLI {
	var s slo.SLI
	f, ok := d.Mapping(n, field, sliFields...)
	if !ok {
		return s
	}
	var kinds []string
	for _, k := range sliKinds {
		if _, ok := f[k]; ok {
			kinds = append(kinds, k)
		}
	}
	slices.SortFunc(kinds, func(a, b string) int {
		return d.Lines[yamldoc.JoinField(field, a)] - d.Lines[yamldoc.JoinField(field, b)]
	})
	switch len(kinds) {
	case 0:
		if _, ok := f["promql"]; ok {
			break // an SLI given by its Prometheus queries alone
		}
		d.Errorf(d.Lines[field], field, "names no SLI kind: give exactly one of %s", strings.Join(sliKinds, ", "))
	case 1:
	default:
		// Not marked broken: the first kind is still checked in full.
		d.Problems = append(d.Problems, slo.Problem{File: d.File, Line: d.Lines[yamldoc.JoinField(field, kinds[1])], Field: field,
			Msg: fmt.Sprintf("gives %s: an SLO has exactly one SLI kind", strings.Join(kinds, " and "))})
	}
	if len(kinds) > 0 {
		kind := kinds[0]
		s.Kind = slo.Kind(kind)
		kf := yamldoc.JoinField(field, kind)
		switch s.Kind {
		case slo.KindAvailability:
			if g, ok := d.Mapping(f[kind], kf, httpFields...); ok {
				d.httpFilter(g, kf, &s)
			}
		case slo.KindLatency:
			if g, ok := d.Mapping(f[kind], kf, latencyFields...); ok {
				d.httpFilter(g, kf, &s)
				if v, ok := g["threshold"]; ok {
					s.Threshold, _ = d.Duration(v, kf+".threshold")
				} else {
					d.Missing(d.Lines[kf], kf+".threshold", "missing: the latency a good request stays within, like 400ms")
				}
			}
		case slo.KindEvents:
			if g, ok := d.Mapping(f[kind], kf, eventsFields...); ok {
				if v, ok := g["metric"]; ok {
					s.Metric, _ = d.Text(v, kf+".metric")
				}
				for _, m := range []struct {
					name string
					dst  *slo.Matcher
				}{{"good", &s.Good}, {"bad", &s.Bad}, {"total", &s.Total}} {
					if v, ok := g[m.name]; ok {
						*m.dst = d.Matcher(v, kf+"."+m.name)
					}
				}
			}
		}
	}
	if v, ok := f["promql"]; ok {
		pf := yamldoc.JoinField(field, "promql")
		if g, ok := d.Mapping(v, pf, promqlFields...); ok {
			s.PromQL = &slo.PromQL{}
			for _, q := range []struct {
				name string
				dst  *string
			}{{"good", &s.PromQL.Good}, {"bad", &s.PromQL.Bad}, {"total", &s.PromQL.Total}} {
				if v, ok := g[q.name]; ok {
					*q.dst, _ = d.Text(v, pf+"."+q.name)
				}
			}
		}
	}
	return s
}

func (d *decoder) httpFilter(g map[string]*yaml.Node, field string, s *slo.SLI) {
	if v, ok := g["routes"]; ok {
		s.Routes = d.List(v, field+".routes")
	}
	if v, ok := g["methods"]; ok {
		s.Methods = d.List(v, field+".methods")
	}
}

// calendar reads calendar: {period: week|month|quarter|year, time_zone,
// start}; time_zone defaults to UTC, start to the periods' default
// alignment (see slo.Calendar).
func (d *decoder) calendar(n *yaml.Node, field string) (*slo.Calendar, bool) {
	f, ok := d.Mapping(n, field, "period", "time_zone", "start")
	if !ok {
		return nil, false
	}
	c := &slo.Calendar{Location: time.UTC}
	if v, ok := f["period"]; ok {
		p, _ := d.Text(v, field+".period")
		c.Unit = slo.CalendarUnit(p)
		if c.Valid() != nil {
			d.Errorf(v.Line, field+".period", "%q is not a calendar period: write week, month, quarter or year", p)
			return nil, false
		}
	} else {
		d.Missing(n.Line, field+".period", "missing: week, month, quarter or year")
		return nil, false
	}
	if v, ok := f["time_zone"]; ok {
		name, _ := d.Text(v, field+".time_zone")
		loc, err := slo.LoadTimeZone(name)
		if err != nil {
			d.Errorf(v.Line, field+".time_zone", "%v", err)
			return nil, false
		}
		c.Location = loc
	}
	if v, ok := f["start"]; ok {
		raw, _ := d.Text(v, field+".start")
		start, err := slo.ParseCalendarStart(raw, c.Location)
		if err != nil {
			d.Errorf(v.Line, field+".start", "%v", err)
			return nil, false
		}
		c.Start = start
	}
	return c, true
}
