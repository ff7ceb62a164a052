// Package webhook is an slo.Sink that posts sloguard's alerts to any HTTP
// endpoint as JSON: a chat bridge, an incident tool, a service of one's
// own.
//
// Each Send with at least one changed alert (one that started firing or
// resolved) queues one POST whose body is
//
//	{"version": "1", "changed": [alert, ...], "firing": [alert, ...]}
//
// where every alert is the slo.Alert JSON, the same object as a line of
// logs/production_alerts.ndjson, and firing lists every alert still firing.
// A Send with nothing changed posts nothing. The version names the shape of
// the body; fields are only ever added to it.
//
// # Delivery
//
// Send only queues: a goroutine posts in the background, in order, and
// retries failures (connection errors, timeouts, 408, 429, 5xx) with
// capped exponential backoff and jitter until the endpoint answers 2xx. A
// 4xx other than 408 and 429 is final: the post is logged, counted dropped
// and not retried. The queue is bounded: when full, the oldest post is
// dropped (counted, and logged once per outage). A receiver may see a post
// twice if its answer was lost; the alerts' ts and starts_at identify them.
//
// Headers set with WithHeader (an Authorization token) are sent with every
// post and never logged; neither are the URL's user information and the
// values of its query string (logs show the parameter names).
//
// The counters sloguard.alerts.sent, sloguard.alerts.failed and
// sloguard.alerts.dropped, with sink="webhook", count the changed alerts of
// each post (see WithMeterProvider).
//
// Lifecycle, as every exporter of the module: ForceFlush waits until what
// is queued is delivered or given up on; Shutdown gives what is queued one
// final attempt within the budget of one post (WithTimeout), drops and
// logs the rest, and returns an error counting it; a second Shutdown
// returns nil; Send and ForceFlush after Shutdown return
// exporters.ErrClosed; a done ctx makes ForceFlush and Shutdown return at
// once with an error wrapping ctx.Err(). exporters/exportertest checks all
// of it.
//
// Concurrency: Send, ForceFlush and Shutdown may be called from any
// goroutine; the
// processor calls Send from one goroutine at a time.
package webhook
