// Package rules turns an SLO spec into a Prometheus rule file: the same
// SLOs, error budgets and multiwindow multi-burn-rate alerts that the
// in-process processor evaluates, for a Prometheus server watching a fleet.
//
// For each SLO the file holds three rule groups:
//
//   - SLI recording rules: slo:sli_error:ratio_rate<w>, the error ratio over
//     every alert window, the last day and the SLO window (5m … 3d and 30d
//     for a 30-day SLO), and slo:sli_events:increase<w>, the events in each
//     long alert window, the day and the SLO window, for the low-traffic
//     guard;
//   - metadata recording rules in Sloth's names: slo:objective:ratio,
//     slo:error_budget:ratio, slo:time_period:days,
//     slo:current_burn_rate:ratio, slo:period_burn_rate:ratio and
//     slo:period_error_budget_remaining:ratio;
//   - alerts: SLOErrorBudgetBurn, one rule per window pair of
//     slo.AlertWindows (lengthened to the floor of slo.FloorAlertWindows,
//     or the pairs of WithAlertWindows) with the pair's factor and the
//     SLO's MinEvents; SLOBreach, SLOBudgetBurnRate and SLOBudgetConsumed
//     with slo.Alerter's thresholds, names, severities and labels; and
//     SLOMetricAbsent when the SLI's metric disappears.
//
// SLO windows from 1h to 365d are supported. RuleFile.PrometheusRule wraps
// the file as a prometheus-operator custom resource.
//
// Every recording rule sums by the grouping labels only (none by default),
// so series with labels the rules do not know (instance, pod, scope) add up
// instead of colliding; an SLI given as PromQL keeps the labels its own
// queries keep. A window without events has no error ratio (the
// series is absent, never NaN or 0), and an absent ratio never fires an
// alert: no traffic is "no data".
//
// Metric and label names are derived from the OTel instrument names through
// the instrumentation package's Prometheus translation, the one the
// exporter uses.
//
// Concurrency: Generate is a pure function of its arguments and may be
// called from any number of goroutines; a RuleFile is a plain value.
package rules
