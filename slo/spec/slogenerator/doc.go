// Package slogenerator reads Google slo-generator v2 configs
// (apiVersion: sre.google.com/v2, kind ServiceLevelObjective) with the
// Prometheus backend into the slo model.
//
// good_bad_ratio (filter_good or filter_bad, with filter_valid; or
// filter_good and filter_bad, whose sum is the total) and distribution_cut
// (a histogram's _bucket selector and threshold_bucket, the le of the good
// bucket; total is le="+Inf") become query-only SLIs whose queries count
// events over the window, sum(increase(<filter>[{{.window}}])), as
// slo-generator's Prometheus backend queries them. query_sli (a ratio) and
// every other backend are refused with the reason. The service is the
// service_name label; the window is not in the file (slo-generator takes
// its windows from the error budget policy of a shared config): it is the
// loader's (yamldoc.Options.Window).
//
// Decode is safe for concurrent use: each call has its own state.
package slogenerator
