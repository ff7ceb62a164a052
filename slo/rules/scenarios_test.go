package rules_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// This file holds the stories the promtool tests tell: the SLO, the
// synthetic series, and what the model must say of them.

// traffic gives the good and bad events of minute m, that is in (m-1, m].
type traffic func(m int) (good, bad float64)

// source is one producer of the SLI's series: an instance, a pod, a cluster.
type source struct {
	labels  map[string]string // added to every series of the source
	group   string            // value of the grouping label "cluster"
	traffic traffic
}

type scenario struct {
	name      string
	window    time.Duration // the SLO window; none: both 30 and 28 days
	kind      slo.Kind      // availability, latency or events (the Flask app's three SLOs)
	minEvents float64
	labels    map[string]string // the SLO's labels
	grouping  bool              // rules grouped by "cluster"
	sources   []source          // none: the SLI's metric is absent
	// exactFigures: the model knows every alert's value to the cent, and
	// the annotations that show it are checked too (elsewhere they are
	// left out of the rules promtool runs, since rate() extrapolation
	// moves the figures).
	exactFigures bool
	// sanity checks the model's verdicts against the story the scenario
	// tells, so that no scenario passes by checking nothing.
	sanity func(t *testing.T, v verdicts)
}

// errorsUntil returns traffic of perMinute events a minute, badShare of
// them bad up to minute until (excluded), none bad after.
func errorsUntil(perMinute, badShare float64, until int) traffic {
	return func(m int) (float64, float64) {
		if m <= 0 {
			return 0, 0
		}
		if m < until {
			return perMinute * (1 - badShare), perMinute * badShare
		}
		return perMinute, 0
	}
}

const scenarioMinutes = 720 // 12h of series at one sample a minute

func scenarios() []scenario {
	one := func(tr traffic) []source {
		return []source{{labels: map[string]string{"instance": "app-0:8080", "job": "shop"}, traffic: tr}}
	}
	return []scenario{
		{
			name: "a constant 10% of errors pages while it lasts and stops once the short window clears",
			kind: slo.KindAvailability, minEvents: 100, labels: map[string]string{"team": "storefront"},
			sources: one(errorsUntil(10, 0.1, 180)),
			sanity: func(t *testing.T, v verdicts) {
				page := v.tier("page", time.Hour)
				v.mustFire(t, page, 62)
				v.mustFire(t, page, 177)
				v.mustBeSilent(t, page, 197) // 5m short window clean again
				slow := v.tier("ticket", 3*slo.Day)
				v.mustFire(t, slow, 502)
				v.mustBeSilent(t, slow, 562) // 6h short window clean again
			},
		},
		{
			name: "one failed request in ten at low traffic does not page thanks to min events",
			kind: slo.KindAvailability, minEvents: 100,
			sources: one(lowTraffic),
			sanity: func(t *testing.T, v verdicts) {
				page := v.tier("page", time.Hour)
				v.mustNeverFire(t, page)
				v.mustBurnAboveFactor(t, page, 302) // only the guard keeps it silent
			},
		},
		{
			name: "the same low traffic pages without min events",
			kind: slo.KindAvailability, minEvents: 0,
			sources: one(lowTraffic),
			sanity: func(t *testing.T, v verdicts) {
				v.mustFireSomewhere(t, v.tier("page", time.Hour))
			},
		},
		{
			name: "two instances with extra labels add up instead of colliding",
			kind: slo.KindAvailability, minEvents: 100,
			sources: []source{
				{labels: map[string]string{"instance": "app-0:8080", "pod": "app-0", "job": "shop"}, traffic: errorsUntil(5, 0.1, 180)},
				{labels: map[string]string{"instance": "app-1:8080", "pod": "app-1", "job": "shop"}, traffic: errorsUntil(5, 0.1, 180)},
			},
			sanity: func(t *testing.T, v verdicts) {
				v.mustFire(t, v.tier("page", time.Hour), 62)
			},
		},
		{
			name: "half the requests over the threshold burn a latency SLO at 10x",
			kind: slo.KindLatency, minEvents: 100,
			sources: one(errorsUntil(20, 0.5, 240)),
			sanity: func(t *testing.T, v verdicts) {
				v.mustNeverFire(t, v.tier("page", time.Hour)) // 10 < 14.4
				v.mustFire(t, v.tier("page", 6*time.Hour), 122)
				v.mustBeSilent(t, v.tier("page", 6*time.Hour), 302)
			},
		},
		{
			name: "failing webhook deliveries alert in their cluster only",
			kind: slo.KindEvents, minEvents: 100, grouping: true,
			sources: []source{
				{labels: map[string]string{"cluster": "east", "instance": "app-0:8080"}, group: "east", traffic: errorsUntil(10, 0.2, 120)},
				{labels: map[string]string{"cluster": "west", "instance": "app-1:8080"}, group: "west", traffic: errorsUntil(10, 0, 0)},
			},
			sanity: func(t *testing.T, v verdicts) {
				v.mustFire(t, v.tierIn("east", "page", time.Hour), 62)
				v.mustNeverFire(t, v.tierIn("west", "page", time.Hour))
				v.mustNeverFire(t, v.tierIn("west", "ticket", 3*slo.Day))
			},
		},
		{
			name: "when traffic stops the ratios disappear instead of turning NaN",
			kind: slo.KindAvailability, minEvents: 100,
			sources: one(func(m int) (float64, float64) {
				if m <= 0 || m > 120 {
					return 0, 0
				}
				return 9, 1
			}),
			sanity: func(t *testing.T, v verdicts) {
				page := v.tier("page", time.Hour)
				v.mustFire(t, page, 102)
				v.mustBeSilent(t, page, 142)
				if r, _ := v.model.errorRatio("", 200, 5); r.ok {
					t.Errorf("model: the 5m ratio at 200m should be absent, got %+v", r)
				}
			},
		},
		{
			name: "a metric that never appears raises SLOMetricAbsent after an hour",
			kind: slo.KindAvailability, minEvents: 100,
		},
		{
			name:   "three hours of 10% errors breach a 6-hour SLO and every budget alert resolves once they leave the window",
			window: 6 * time.Hour, kind: slo.KindAvailability, minEvents: 100,
			sources: one(errorsUntil(10, 0.1, 180)),
			sanity: func(t *testing.T, v verdicts) {
				for _, name := range []string{rules.BreachAlert, rules.BurnDayAlert, rules.ConsumedAlert} {
					a := v.alert(name)
					v.mustBeSilent(t, a, 7) // 70 events, under min events
					v.mustFire(t, a, 17)
					v.mustFire(t, a, 302)
					v.mustFire(t, a, 522) // 3.6 of the errors still in the window
					v.mustBeSilent(t, a, 562)
					v.mustBeSilent(t, a, 717)
				}
			},
		},
		{
			name:   "a 1-hour SLO pages on its floored windows and stops once they are clean",
			window: time.Hour, kind: slo.KindAvailability, minEvents: 20,
			sources: one(errorsUntil(10, 0.1, 120)),
			sanity: func(t *testing.T, v verdicts) {
				page := v.tier("page", 4*time.Minute)
				v.mustFire(t, page, 62)
				v.mustFire(t, page, 117)
				v.mustBeSilent(t, page, 132)
				v.mustFire(t, v.alert(rules.BreachAlert), 117)
				v.mustBeSilent(t, v.alert(rules.BreachAlert), 187)
			},
		},
		{
			name:   "steady errors on series born together give exact figures in every annotation",
			window: 6 * time.Hour, kind: slo.KindAvailability, minEvents: 100,
			sources:      one(errorsUntil(10, 0.1, scenarioMinutes+1)),
			exactFigures: true,
			sanity: func(t *testing.T, v verdicts) {
				v.mustFire(t, v.alert(rules.ConsumedAlert), 302)
				v.mustFire(t, v.tier("ticket", 36*time.Minute), 302)
			},
		},
	}
}

// lowTraffic is a request a minute, and every tenth fails: 60 events an
// hour, under the 100 the SLOs want before the 1h window may page.
func lowTraffic(m int) (float64, float64) {
	switch {
	case m <= 0:
		return 0, 0
	case m%10 == 0:
		return 0, 1
	}
	return 1, 0
}

// model builds the scenario's SLO and series.
func (sc scenario) model(window time.Duration) scenarioModel {
	var s slo.SLO
	for _, d := range demo.Spec().SLOs {
		if d.SLI.Kind == sc.kind {
			s = d
		}
	}
	s.Window = window
	s.MinEvents = sc.minEvents
	s.Labels = sc.labels
	m := scenarioModel{slo: s, service: testService, partIsBad: sc.kind != slo.KindLatency, minutes: scenarioMinutes}
	seenGroup := map[string]bool{}
	for _, src := range sc.sources {
		if !seenGroup[src.group] {
			seenGroup[src.group] = true
			m.groups = append(m.groups, src.group)
		}
		good := make([]float64, scenarioMinutes+1)
		bad := make([]float64, scenarioMinutes+1)
		for i := 1; i <= scenarioMinutes; i++ {
			g, b := src.traffic(i)
			good[i], bad[i] = good[i-1]+g, bad[i-1]+b
		}
		total := make([]float64, len(good))
		for i := range good {
			total[i] = good[i] + bad[i]
		}
		// OTel creates a series on its first measurement; a histogram's
		// series (every bucket, count, sum) all at once.
		lazy := func(vals, trigger []float64) []float64 {
			out := slices.Clone(vals)
			for i := range out {
				if trigger[i] == 0 {
					out[i] = math.NaN()
				}
			}
			return out
		}
		with := func(name string, extra map[string]string) map[string]string {
			l := map[string]string{"__name__": name, "otel_scope_name": "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"}
			for k, v := range src.labels {
				l[k] = v
			}
			for k, v := range extra {
				l[k] = v
			}
			return l
		}
		httpLabels := func(code string) map[string]string {
			return map[string]string{"http_route": "/api/items/{id}", "http_request_method": "GET", "http_response_status_code": code}
		}
		var ss []testSeries
		switch sc.kind {
		case slo.KindAvailability:
			ss = []testSeries{
				{labels: with(durationSeries+"_count", httpLabels("200")), vals: lazy(good, good), inTotal: true},
				{labels: with(durationSeries+"_count", httpLabels("500")), vals: lazy(bad, bad), inTotal: true, inPart: true},
			}
		case slo.KindLatency:
			ss = []testSeries{
				{labels: with(durationSeries+"_count", httpLabels("200")), vals: lazy(total, total), inTotal: true},
				{labels: with(durationSeries+"_bucket", merge(httpLabels("200"), "le", "0.25")), vals: lazy(good, total)},
				{labels: with(durationSeries+"_bucket", merge(httpLabels("200"), "le", "0.4")), vals: lazy(good, total), inPart: true},
				{labels: with(durationSeries+"_bucket", merge(httpLabels("200"), "le", "+Inf")), vals: lazy(total, total)},
			}
		case slo.KindEvents:
			ss = []testSeries{
				{labels: with(webhookSeries, map[string]string{"outcome": "success"}), vals: lazy(good, good), inTotal: true},
				{labels: with(webhookSeries, map[string]string{"outcome": "failure"}), vals: lazy(bad, bad), inTotal: true, inPart: true},
			}
		}
		for i := range ss {
			ss[i].group = src.group
		}
		m.series = append(m.series, ss...)
	}
	if len(m.groups) == 0 {
		m.groups = []string{""}
	}
	return m
}

func merge(l map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range l {
		out[a] = b
	}
	return out
}
