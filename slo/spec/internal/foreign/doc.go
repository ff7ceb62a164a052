// Package foreign holds what the readers of other tools' SLO files (Sloth,
// Pyrra, slo-generator) share: checking the SLOs they built against the
// model's rules with each problem placed at the line of the field it came
// from, and turning a Prometheus counter selector into a count of events
// over the window.
//
// Nothing here is safe for concurrent use; a Set belongs to one load.
package foreign
