// Package otelsource is the in-process SLI source: it reads the events of a
// spec's SLOs, and the request durations of every route, from the service's
// own MeterProvider through two ManualReaders, and hands them to the
// slo.Processor as samples (slo.Collector).
//
// It knows the HTTP instruments by the contract in httpmetrics, not by the
// instrumentation package, so a program that evaluates SLOs need not link
// the HTTP middleware.
//
// Concurrency: Collect is safe for concurrent use; calls are serialised.
package otelsource
