package alertmanager

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// postableAlert is one alert of Alertmanager's v2 API (POST /api/v2/alerts).
type postableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     *time.Time        `json:"startsAt,omitempty"`
	EndsAt       *time.Time        `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// queued is an alert waiting to be posted. A firing alert's endsAt is only
// set when it is posted, since it counts from the moment of posting.
type queued struct {
	alert    postableAlert
	resolved bool
}

// labels returns the label set of a, as the generated rules label the same
// alert: external labels, then the SLO's, then sloguard's own on top.
// Empty values are left out: Prometheus treats an empty label as absent,
// and the sets must match.
func labels(a slo.Alert, external map[string]string) map[string]string {
	out := make(map[string]string, len(external)+len(a.Labels)+6)
	set := func(k, v string) {
		if v == "" {
			delete(out, k)
			return
		}
		out[k] = v
	}
	for k, v := range external {
		set(k, v)
	}
	for k, v := range a.Labels {
		set(k, v)
	}
	set("alertname", a.Name)
	set("slo", a.SLO)
	set("service", a.Service)
	set("severity", a.Severity)
	set("long_window", a.LongWindow)
	set("short_window", a.ShortWindow)
	return out
}

// annotations returns what a notification shows of a.
func annotations(a slo.Alert, runbook string) map[string]string {
	out := map[string]string{
		"summary":     a.Summary,
		"description": description(a),
	}
	// The runbook explains the kind of alert, whatever the spec named it.
	if runbook != "" && a.Name != "" {
		out["runbook"] = runbook + "#" + strings.ToLower(a.Kind())
	}
	if a.BurnRate != nil {
		out["burn_rate"] = num(*a.BurnRate)
	}
	// The spec's annotations replace sloguard's, as in the rules.
	maps.Copy(out, a.Annotations)
	if out["summary"] == "" {
		delete(out, "summary")
	}
	return out
}

// description states the budget figures of a in one paragraph.
func description(a slo.Alert) string {
	var b strings.Builder
	b.WriteString("SLO " + a.SLO)
	if a.Service != "" {
		b.WriteString(" of " + a.Service)
	}
	b.WriteString(": " + num(a.BudgetConsumedPct) + "% of the error budget consumed, " +
		num(a.BudgetRemainingPct) + "% remaining; " + num(a.BurnPerDayPct) + "% of the budget burned in the last day.")
	if a.BurnRate != nil && a.LongWindow != "" {
		b.WriteString(" Burn rate " + num(*a.BurnRate) + "× over the last " + a.LongWindow)
		if a.Factor > 0 {
			b.WriteString(" (alert above " + num(a.Factor) + "× over both " + a.LongWindow + " and " + a.ShortWindow + ")")
		}
		b.WriteString(".")
	}
	if a.P95LatencyMS != nil {
		b.WriteString(" p95 latency " + num(*a.P95LatencyMS) + " ms.")
	}
	if len(a.Breaches) > 0 {
		b.WriteString(" SLOs in breach: " + strings.Join(a.Breaches, ", ") + ".")
	}
	return b.String()
}

// num prints a figure for people: two decimals at most, three significant
// digits below 1, no exponent.
func num(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case v != 0 && math.Abs(v) < 1:
		return strconv.FormatFloat(v, 'g', 3, 64)
	default:
		return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	}
}

// toQueued converts a for posting.
func (s *Sink) toQueued(a slo.Alert, resolved bool) queued {
	p := postableAlert{
		Labels:       labels(a, s.cfg.externalLabels),
		Annotations:  annotations(a, s.cfg.runbook),
		GeneratorURL: s.cfg.generatorURL,
	}
	if !a.StartsAt.IsZero() {
		t := a.StartsAt.UTC()
		p.StartsAt = &t
	}
	if resolved {
		end := a.TS
		if a.EndsAt != nil {
			end = *a.EndsAt
		}
		if end.IsZero() {
			end = time.Now()
		}
		end = end.UTC()
		p.EndsAt = &end
	}
	return queued{alert: p, resolved: resolved}
}

// fingerprint identifies a label set, as Alertmanager does.
func fingerprint(ls map[string]string) string {
	keys := make([]string, 0, len(ls))
	for k := range ls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0xff)
		b.WriteString(ls[k])
		b.WriteByte(0xff)
	}
	return b.String()
}

// batch is what one Send posts: the resolved alerts of changed, and every
// firing alert (those of changed that started firing are among them), once
// each.
func (s *Sink) batch(changed, firing []slo.Alert) []queued {
	out := make([]queued, 0, len(changed)+len(firing))
	seen := map[string]bool{}
	addAlert := func(a slo.Alert, resolved bool) {
		q := s.toQueued(a, resolved)
		fp := fingerprint(q.alert.Labels)
		if seen[fp] {
			return
		}
		seen[fp] = true
		out = append(out, q)
	}
	for _, a := range firing {
		addAlert(a, false)
	}
	for _, a := range changed {
		addAlert(a, a.State == slo.StateResolved)
	}
	return out
}

// postable fixes the endsAt of the firing alerts of b at now.
func postable(b []queued, now time.Time, validity time.Duration) []postableAlert {
	out := make([]postableAlert, len(b))
	for i, q := range b {
		p := q.alert
		if !q.resolved {
			end := now.Add(validity).UTC()
			p.EndsAt = &end
		}
		// Alertmanager rejects an alert that ends before it starts.
		if p.StartsAt != nil && p.EndsAt != nil && p.EndsAt.Before(*p.StartsAt) {
			end := *p.StartsAt
			p.EndsAt = &end
		}
		out[i] = p
	}
	return out
}
