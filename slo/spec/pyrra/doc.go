// Package pyrra reads Pyrra's ServiceLevelObjective custom resources
// (apiVersion: pyrra.dev/v1alpha1) into the slo model.
//
// A ratio indicator (errors and total counters) and a latency indicator
// (a histogram's _bucket at the threshold's le, and its _count) become
// query-only SLIs whose queries count events over the window:
// sum(increase(<selector>[{{.window}}])), summed by the indicator's
// grouping labels. A bool_gauge and a latency_native indicator are refused
// with the reason. The service is the object's namespace (Kubernetes's
// "default" when it names none); labels prefixed pyrra.dev/ become the
// SLO's labels, as Pyrra puts them on its rules.
//
// Decode is safe for concurrent use: each call has its own state.
package pyrra
