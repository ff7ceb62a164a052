package slo

import (
	"time"

	"github.com/sloguard/sloguard/httpmetrics"
)

// Version is the only spec version this release reads.
const Version = "sloguard/v1"

// Spec is a set of SLOs for one service: what a spec file holds once loaded.
type Spec struct {
	Version string
	Service string
	SLOs    []SLO
}

// ServiceOf is the service of s: its own, or else the spec's.
func (sp Spec) ServiceOf(s SLO) string {
	if s.Service != "" {
		return s.Service
	}
	return sp.Service
}

// SLO is one service level objective over a rolling window, or over
// calendar periods when Calendar is set.
type SLO struct {
	Name        string
	Description string
	// Objective is the target fraction of good events, in (0, 1): 0.999 for 99.9%.
	Objective float64
	// Window is the rolling window the objective holds over (30 days by
	// default). For a calendar SLO it is the longest period of its unit
	// (Calendar.Longest: 31d for a month), the history it needs; SLO.At
	// gives the window of one evaluation.
	Window time.Duration
	// Calendar, when set, makes the window a calendar one: the budget
	// restarts at the start of every week, month, quarter or year.
	Calendar *Calendar
	SLI      SLI
	// MinEvents is the number of events the long window of a burn-rate alert must
	// hold before that alert may fire: one failed request out of ten must not page.
	MinEvents float64
	// Labels are copied onto the alerts and Prometheus rules of this SLO.
	Labels map[string]string
	// Service is the service this SLO is about when it is not the spec's
	// (a file may hold the SLOs of several services); empty means
	// Spec.Service. Alerts and rules carry it (see Spec.ServiceOf).
	Service string
	// DisplayName is the SLO's name for people (OpenSLO metadata.displayName),
	// kept so that an exported file says what the file read said; no engine
	// uses it.
	DisplayName string
	// Annotations are the SLO's annotations of other tools (OpenSLO
	// metadata.annotations but sloguard's own), kept for export only.
	Annotations map[string]string
	// Alerting is how this SLO's alerts differ from every SLO's (names,
	// labels, annotations, alerts turned off); the zero value changes
	// nothing.
	Alerting Alerting
}

// Kind names how an SLI counts good and total events.
type Kind string

const (
	// KindAvailability counts requests from the HTTP server duration histogram;
	// bad events are those answered with a 5xx status.
	KindAvailability Kind = "availability"
	// KindLatency counts requests from the HTTP server duration histogram; good
	// events are those that finished within Threshold (a bucket boundary).
	KindLatency Kind = "latency"
	// KindEvents counts the points of any counter the service records, split
	// into good and bad by attribute values.
	KindEvents Kind = "events"
)

// SLI says where the events of an SLO come from: the service's own
// OpenTelemetry instruments (Kind, with the fields of that kind), which
// every engine evaluates, or Prometheus queries alone (PromQL, with no
// Kind), which only the Prometheus engines evaluate (see Engines).
type SLI struct {
	Kind Kind

	// Routes and Methods filter the requests of availability and latency SLIs
	// by http.route and http.request.method; empty means every request.
	Routes  []string
	Methods []string
	// Threshold is the latency at or under which a request is good (latency only).
	Threshold time.Duration

	// Metric is the OTel instrument name of an events SLI (a counter).
	Metric string
	// Total selects the points of Metric that count as events (empty: all).
	// Exactly one of Good and Bad selects, among those, the good or bad ones.
	Total Matcher
	Good  Matcher
	Bad   Matcher

	// PromQL, when set, is used by the Prometheus source instead of the
	// queries derived from the fields above.
	PromQL *PromQL
}

// Matcher selects metric points by attribute: every key must have one of its
// listed values. An empty Matcher selects every point.
type Matcher map[string][]string

// PromQL holds the queries of an SLI for the Prometheus source. Each is a
// query for a count of events over the range given by the placeholder
// {{.window}} (for example `sum(increase(x_total{code=~"5.."}[{{.window}}]))`).
// Exactly one of Good and Bad is set.
type PromQL struct {
	Good  string
	Bad   string
	Total string
}

// Counts are the events of an SLI over some span of time. They are floats
// because the Prometheus source extrapolates; local sources give whole numbers.
type Counts struct {
	Good  float64 `json:"good"`
	Total float64 `json:"total"`
}

// Bad is the number of bad events.
func (c Counts) Bad() float64 { return c.Total - c.Good }

// Add returns the sum of c and o.
func (c Counts) Add(o Counts) Counts { return Counts{Good: c.Good + o.Good, Total: c.Total + o.Total} }

// Engine names a way sloguard evaluates SLOs.
type Engine string

const (
	// EngineEmbedded is serve's own processor, reading the service's
	// OpenTelemetry instruments (serve --source otel).
	EngineEmbedded Engine = "embedded"
	// EngineRules is the Prometheus rule file of sloguard rules.
	EngineRules Engine = "rules"
	// EnginePrometheus is the PromQL source of serve and check
	// (--source prometheus).
	EnginePrometheus Engine = "prometheus"
)

// Engines lists the engines that can evaluate s: every one for an SLI
// read from the service's instruments, the Prometheus ones for an SLI
// defined by queries alone. The rules cannot run a calendar SLO: a PromQL
// range is rolling, it cannot restart at a period's start.
func (s SLO) Engines() []Engine {
	var out []Engine
	if s.SLI.Kind != "" {
		out = append(out, EngineEmbedded)
	}
	if s.Calendar == nil {
		out = append(out, EngineRules)
	}
	return append(out, EnginePrometheus)
}

// The HTTP server telemetry availability and latency SLIs read, as named by
// the metric contract (httpmetrics): spec files and their readers speak of
// these names.
const (
	DurationMetric = httpmetrics.DurationMetric
	RouteAttr      = httpmetrics.RouteAttr
	MethodAttr     = httpmetrics.MethodAttr
	StatusCodeAttr = httpmetrics.StatusCodeAttr
)
