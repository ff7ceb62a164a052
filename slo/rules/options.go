package rules

import (
	"slices"
	"time"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/internal/promql"
)

// DefaultRunbook is where the alerts' runbook annotation points by default:
// the runbook of the repository; an anchor names each alert's section.
const DefaultRunbook = slo.DefaultRunbook

// Option configures Generate.
type Option func(*config)

// MetricNames are the Prometheus names of the metrics the SLIs read, for a
// Prometheus that does not see them under the exporter's names (a recording
// rule upstream, a relabelling, a namespace).
type MetricNames struct {
	// HTTPDuration is the base name (no _bucket or _count) of the HTTP server
	// duration histogram that availability and latency SLIs read.
	HTTPDuration string
	// Counters maps the OTel instrument name of an events SLI (SLI.Metric)
	// to the Prometheus name of its counter, _total included.
	Counters map[string]string
}

type config struct {
	matchers []string
	grouping []string
	interval time.Duration
	scrape   time.Duration
	names    MetricNames
	buckets  []float64
	runbook  string
	windows  *slo.AlertWindowSets
}

func newConfig(opts []Option) config {
	cfg := config{
		names:   MetricNames{HTTPDuration: promql.HTTPDuration()},
		buckets: httpmetrics.BucketBoundaries(),
		runbook: DefaultRunbook,
		scrape:  DefaultScrapeInterval,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// WithMatchers adds label matchers, written as in PromQL (job="sloguard"),
// to every selector of the derived SLI queries: a Prometheus that receives
// the same metrics twice (a direct scrape and the Collector's exporter) must
// count them once. Queries given in an SLI's promql field are used as
// written.
func WithMatchers(matchers ...string) Option {
	return func(c *config) { c.matchers = append(c.matchers, matchers...) }
}

// WithGroupingLabels keeps the given Prometheus labels through every sum, so
// each SLO is evaluated, and alerts, per value of them (per cluster, per
// tenant). By default there are none: one SLO is one series.
func WithGroupingLabels(labels ...string) Option {
	return func(c *config) { c.grouping = append(c.grouping, labels...) }
}

// WithRuleGroupInterval sets the evaluation interval of every rule group;
// zero (the default) leaves Prometheus' global evaluation_interval.
func WithRuleGroupInterval(d time.Duration) Option {
	return func(c *config) { c.interval = d }
}

// DefaultScrapeInterval is the scrape interval the rules assume unless told
// (WithScrapeInterval): Prometheus' own example configuration's.
const DefaultScrapeInterval = 15 * time.Second

// WithScrapeInterval sets the interval Prometheus scrapes the SLIs' metrics
// at. No alert window is shorter than four of them (slo.FloorAlertWindows):
// rate() needs two samples in its range, and four leave room for a missed
// scrape.
func WithScrapeInterval(d time.Duration) Option {
	return func(c *config) { c.scrape = d }
}

// WithMetricNames replaces the Prometheus metric names the SLIs read; empty
// fields keep the exporter's names.
func WithMetricNames(n MetricNames) Option {
	return func(c *config) {
		if n.HTTPDuration != "" {
			c.names.HTTPDuration = n.HTTPDuration
		}
		for k, v := range n.Counters {
			if c.names.Counters == nil {
				c.names.Counters = map[string]string{}
			}
			c.names.Counters[k] = v
		}
	}
}

// WithLatencyBuckets replaces the bucket boundaries (seconds) of the HTTP
// duration histogram, for a service that records it with other buckets than
// httpmetrics.BucketBoundaries(). A latency SLI's threshold must be one.
func WithLatencyBuckets(bounds ...float64) Option {
	return func(c *config) { c.buckets = slices.Clone(bounds) }
}

// WithRunbook sets the document the alerts' runbook annotation links to (a
// URL or path); each alert appends the anchor of its section
// (#sloerrorbudgetburn, #slometricabsent).
func WithRunbook(url string) Option {
	return func(c *config) { c.runbook = url }
}

// WithAlertWindows replaces the workbook's alert windows by those of the
// given sets (slo.LoadAlertWindows: Sloth's AlertWindows files): every SLO's
// window must be the period of one of the sets.
func WithAlertWindows(sets *slo.AlertWindowSets) Option {
	return func(c *config) { c.windows = sets }
}
