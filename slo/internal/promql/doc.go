// Package promql builds the PromQL selectors of an SLO's SLI, for the two
// packages that hand SLIs to Prometheus: slo/rules, which writes them into
// recording rules as rate() ratios, and slo/promsource, which counts events
// with sum(increase()) instant queries. One definition of each SLI kind
// keeps the rules and the source reading the very same series.
//
// What it knows:
//
//   - Matcher, OneOf and Selector: label matchers and metric selectors,
//     printed as PromQL;
//   - BucketMatcher: the le matcher of a classic histogram bucket, in the
//     forms both Prometheus 2 and Prometheus 3 store;
//   - SLISelectors: the selectors of all the events of an availability,
//     latency or events SLI and of its good or bad ones, from the metric
//     names the exporter gives the OTel instruments;
//   - ParsePromQL and WindowQuery: an SLI's own PromQL, with its
//     {{.window}} placeholder filled per window.
//
// What the queries do with the selectors (rate or increase, how they sum)
// is the callers' business.
//
// Concurrency: every function is pure; a Selector, a Matcher and a parsed
// WindowQuery are values that any number of goroutines may use at once.
package promql
