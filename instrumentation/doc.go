// Package instrumentation wires OpenTelemetry into an HTTP service: the
// resource, the tracer and meter providers with a Prometheus exporter for
// GET /metrics, the otelhttp middleware on a gorilla/mux router with spans
// and metrics named by route template, and runtime gauges (uptime, process
// and host cpu, memory and disk).
//
// It never sets the OTel globals: the caller passes the providers on, and a
// main package may install them globally if it wants to.
//
// A service uses it in a few lines:
//
//	p, err := instrumentation.New(ctx, instrumentation.WithServiceName("checkout"))
//	...
//	defer p.Shutdown(context.Background())
//	r := mux.NewRouter()
//	r.Handle("/metrics", p.MetricsHandler())
//	r.HandleFunc("/api/items/{id}", getItem)
//	http.ListenAndServe(":8080", p.Handler(r))
//
// The request duration histogram carries http.route, http.request.method
// and http.response.status_code (and anything added through otelhttp's
// Labeler), not the attributes that are the same on every request of a
// process (server.address, url.scheme, network.protocol.*): spans keep
// those.
//
// Head sampling is decided before otelhttp runs: a request the sampler
// drops takes a short path around otelhttp that records the same duration
// metric and gives the handler a non-recording span with a valid span
// context (so outgoing calls still propagate the trace, unsampled). With 10%
// sampling most requests cost little more than the bare router. The
// sampler sees the parent context, trace ID, span kind and the span's
// start name, not otelhttp's start attributes; OTEL_TRACES_SAMPLER values
// the SDK does not know make New fail instead of sampling everything.
//
// Requests whose path matches no route are recorded under the single route
// httpmetrics.UnmatchedRoute, and unknown methods under "_OTHER" (metrics) and "HTTP"
// (span names): a client cannot create new series or span names by
// inventing URLs or methods.
//
// Concurrency: New and Shutdown are called once each, from one goroutine;
// everything else (handlers, Recent, MetricsHandler) is safe for concurrent
// use.
package instrumentation
