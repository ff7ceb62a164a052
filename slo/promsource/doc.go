// Package promsource reads the SLIs of a spec from a Prometheus server: the
// SLI source of a fleet, where every replica of a service exposes its
// metrics on /metrics and one Prometheus scrapes them all.
//
// A Source implements slo.WindowReader: the counts of an SLO over a window
// (from, to] are two instant queries at time to, of the form
//
//	sum(increase(<series>{<selectors>}[<to − from>]))
//
// one for all events and one for the good (or the bad) ones, built from the
// SLI the way the rules package builds its recording rules, with the
// metric and label names the instrumentation package's Prometheus
// translation gives the OTel instruments:
//
//   - availability: all events from http_server_request_duration_seconds_count,
//     bad events those with http_response_status_code=~"5..";
//   - latency: all events from the _count series, good events from the
//     _bucket series whose le is the threshold;
//   - events: the counter of SLI.Metric (webhook.deliveries is
//     webhook_deliveries_total), selected by the SLI's matchers.
//
// Routes and methods become matchers on http_route and http_request_method.
// An SLI with PromQL queries uses them instead, with {{.window}} replaced by
// the window.
//
// # Fleets and grouping
//
// Every query sums every label away, so the series of many replicas
// (instance, pod) add up to one figure per SLO, as the report has one
// figure per SLO. To watch part of a fleet (one region, one cluster), give
// the label matchers with WithMatchers: they are added to every derived
// query, and one source (one sloguard) watches each group. PromQL queries
// given in the spec are used as written: they select what they need.
//
// # Precision
//
// Prometheus only knows the counters at its scrapes and increase()
// extrapolates between the first and last sample of the window to its
// edges, so counts are floats and may differ from the exact counts by the
// events of about one scrape interval at each edge. A series that appears
// within the window (the first 5xx of a replica) counts from its first
// scrape, not from zero. Counts are clamped so that 0 ≤ good ≤ total: two
// separately extrapolated queries can otherwise disagree by a fraction of
// an event. A window with no series is no events (zero counts), never an
// error and never NaN.
//
// Latency distributions are not read: the classic histograms Prometheus
// scrapes cannot be turned into slo.Histogram (a base-2 exponential
// histogram) without inventing where in each bucket the requests fell, so
// Source is not an slo.LatencyReader. It is an slo.LatencySummarizer
// instead: LatencySummary answers the request count and p50/p95/p99 of a
// window with histogram_quantile over increase() of the _bucket series,
// interpolated within buckets, so that the processor's latency view (and
// /api/observability/latency) works on a fleet. Quantile answers one
// quantile the same way. A latency answer that Prometheus flags with
// warnings (partial data) is an error (ErrPartial), as is a timeout: a
// percentile from part of the buckets would be a made-up number. A window
// without requests is Count 0 and no percentiles.
//
// Concurrency: a Source is safe for concurrent use; each call is
// independent (two HTTP requests for Counts, one for Quantile, four for
// LatencySummary).
package promsource
