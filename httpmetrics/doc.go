// Package httpmetrics is the contract between the HTTP instrumentation and
// everything that reads what it records: the names of the request duration
// histogram and of its attributes, the histogram's bucket boundaries, and how
// the Prometheus exporter spells those names.
//
// instrumentation records by it; slo, its sources, the Prometheus rule
// generator and the tests that stand a real exporter up read by it. It
// imports nothing of this module, so an alert sink or a spec validator can
// depend on the contract without pulling in the HTTP middleware (gorilla/mux,
// otelhttp, gopsutil).
//
// Everything here is a constant or a pure function: safe for concurrent use.
// BucketBoundaries returns a fresh copy on every call, so no caller can
// change the boundaries another one reads.
package httpmetrics
