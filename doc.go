// Package sloguard is the one import: it gives a gorilla/mux (or plain
// net/http) service the whole pipeline — OTel tracer and meter providers,
// the request middleware, /metrics, the in-process SLO source, the SLO
// processor with its durable store, the alert sinks, the observability API
// and the dashboard — from one constructor, one handler wrapper and one
// Shutdown.
//
//	sg, err := sloguard.New(ctx, sloguard.WithSpecFile("slos.yaml"), sloguard.WithDashboardKey(key))
//	srv := &http.Server{Handler: sg.Handler(router)}
//	...
//	srv.Shutdown(ctx); sg.Shutdown(ctx)
//
// The SLOs are always the caller's (a file, or a slo.Spec built in code):
// there is no default spec. The packages underneath (instrumentation,
// exporters/..., slo, slo/otelsource, slo/sqlite, api) stay usable alone
// for a service that wires them differently.
//
// Concurrency: New, Handler and Shutdown may be called from any goroutine;
// the handler Handler returns serves requests concurrently. Shutdown is
// idempotent: later calls return the first call's error.
package sloguard
