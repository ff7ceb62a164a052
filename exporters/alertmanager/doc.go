// Package alertmanager is an slo.Sink that posts sloguard's alerts to
// Prometheus Alertmanager through its v2 API (POST /api/v2/alerts).
//
// # Labels: one alert, whichever side raised it
//
// An alert carries the labels the rules of `sloguard rules` give the same
// alert in Prometheus: alertname, slo, service, severity, long_window and
// short_window (burn-rate alerts only), and the SLO's own labels. When both
// sloguard and a Prometheus server evaluate the same SLO, Alertmanager sees
// one label set and so one alert. Labels with an empty value are left out,
// as Prometheus leaves them out. WithExternalLabels adds the labels a
// Prometheus server adds from its external_labels, so that the sets still
// match.
//
// # Keeping alerts alive, and letting them die
//
// Alertmanager resolves an alert that has not been re-sent before its
// endsAt. A firing alert is therefore posted with endsAt = now + 4 × the
// resend interval (the margin Prometheus uses) and re-posted every resend
// interval (default 1m) for as long as it fires, even when the processor
// evaluates far less often. If the process dies, its alerts resolve
// themselves within four resend intervals instead of firing forever. A
// resolved alert is posted with its own EndsAt. Each post holds every alert
// firing at that moment, so a post lost to a full queue is made good by the
// next one, and a lost resolution by the expiry of the alert's endsAt.
//
// # Delivery
//
// Send only queues: a goroutine posts in the background, retries failures
// with capped exponential backoff and jitter until Alertmanager is back,
// keeps the queue bounded by dropping the oldest posts (counted, and
// logged once per outage), and gives up on a post Alertmanager rejects
// with 4xx. The counters sloguard.alerts.sent, sloguard.alerts.failed and
// sloguard.alerts.dropped, with sink="alertmanager", tell an operator how
// delivery goes (see WithMeterProvider).
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
package alertmanager
