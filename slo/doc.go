// Package slo turns a service's request and event counts into service level
// objectives: error budgets, burn rates, statuses, reports and alerts.
//
// The concerns are kept apart, as the data flows:
//
//   - spec: Parse and LoadFile read a spec (sloguard/v1 YAML or OpenSLO v1)
//     into the model (Spec, SLO, SLI), and Validate reports every problem as
//     file:line: field: message; ExportOpenSLO writes it back out.
//   - math: Evaluate, NewReport and the budget functions are pure functions
//     of counts and a time; they do no I/O and read no clock.
//   - alerts: Alerter is the state machine that turns reports into firing
//     and resolved alerts (multiwindow burn rates and the Flask app's rules).
//   - sources: otelsource.Source (package slo/otelsource) reads the service's own instruments through two
//     ManualReaders on its MeterProvider; slo/promsource reads Prometheus.
//   - history: a Store (slo/sqlite, durable; slo/storetest, in memory) keeps
//     the samples a source produces, and the firing alerts.
//   - Processor collects samples, evaluates on a schedule, writes the
//     report and hands alerts to Sinks (exporters/alertfile,
//     exporters/alertmanager, exporters/webhook).
//   - renderers elsewhere: slo/rules (Prometheus rules), api (JSON and the
//     dashboard).
//
// Concurrency: the model and the pure functions are safe to use from any
// goroutine. An Alerter is safe for concurrent use but must see reports in
// order. A Processor runs its own sampling and evaluation loops after
// Start; Evaluate, Report and Latency may be called concurrently with them
// (evaluations are serialised), and Shutdown is idempotent.
package slo
