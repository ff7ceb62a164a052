// Package sloth reads Sloth's SLO specs into the slo model: the
// prometheus/v1 spec file (version: prometheus/v1) and the Kubernetes
// custom resource PrometheusServiceLevel (apiVersion: sloth.slok.dev/v1),
// which holds the same fields in camelCase.
//
// An SLI of events (error_query and total_query) becomes a query-only SLI
// (slo.SLI.PromQL with Bad and Total); Sloth's queries are usually
// rate()s over {{.window}}, which the model classifies and turns into
// counts. A raw SLI (error_ratio_query) and an SLI plugin are refused
// with the reason; Sloth's alert names, labels and annotations are read
// and reported as not carried over, since sloguard raises its own alerts.
// The window is not in the file (Sloth takes it from its generator's
// --default-slo-period flag): it is the loader's (yamldoc.Options.Window).
//
// Decode is safe for concurrent use: each call has its own state.
package sloth
