package promql

import (
	"math"
	"strconv"
	"strings"
)

// BucketMatcher selects the bucket of a classic histogram whose upper bound
// is bound. Prometheus 3 stores le values in the OpenMetrics form ("1.0",
// "0.4") whatever the exposition format; Prometheus 2 kept the exporter's
// text form ("1"). The two differ only for whole numbers, where the matcher
// accepts both.
func BucketMatcher(bound float64) Matcher {
	om := openMetricsFloat(bound)
	text := strconv.FormatFloat(bound, 'g', -1, 64)
	if om == text {
		return Matcher{Label: "le", Op: "=", Value: om}
	}
	return OneOf("le", []string{text, om})
}

// openMetricsFloat formats a float as OpenMetrics (and Prometheus 3's le
// normalisation) does: shortest form, with ".0" added to whole numbers.
func openMetricsFloat(f float64) string {
	switch {
	case math.IsInf(f, +1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, "e.") {
		s += ".0"
	}
	return s
}
