package promql

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel/semconv/v1.43.0/httpconv"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/slo"
)

// Label names of otelhttp's attributes, as the exporter writes them.
var (
	routeLabel  = httpmetrics.PrometheusLabelName(slo.RouteAttr)
	methodLabel = httpmetrics.PrometheusLabelName(slo.MethodAttr)
	statusLabel = httpmetrics.PrometheusLabelName(slo.StatusCodeAttr)
)

// serverErrors matches the status codes an availability SLI counts as bad.
var serverErrors = Matcher{Label: statusLabel, Op: "=~", Value: "5.."}

// HTTPDuration is the exporter's base name (no _bucket or _count) for
// otelhttp's histogram: the instrument name and the unit of the HTTP
// semantic conventions otelhttp records.
func HTTPDuration() string {
	return httpmetrics.PrometheusMetricName(
		httpmetrics.DurationMetric, httpconv.ServerRequestDuration{}.Unit(), httpmetrics.MetricHistogram)
}

// Series are the Prometheus names of the metrics SLIs read.
type Series struct {
	// HTTPDuration is the base name (no _bucket or _count) of the HTTP server
	// duration histogram that availability and latency SLIs read.
	HTTPDuration string
	// Counters maps the OTel instrument name of an events SLI to the
	// Prometheus name of its counter; an instrument it does not list has the
	// exporter's name.
	Counters map[string]string
	// LatencyBound returns the upper bound (seconds) of the histogram bucket
	// that holds the requests within a latency threshold, or why there is
	// none. Nil takes the threshold itself, unchecked.
	LatencyBound func(threshold time.Duration) (float64, error)
}

// Ratio holds the selectors of an SLI: all its events, and the good or the
// bad ones among them.
type Ratio struct {
	Total Selector
	Part  Selector
	// PartIsBad says Part selects the bad events; otherwise the good ones.
	PartIsBad bool
}

// SLISelectors returns the selectors of an availability, latency or events
// SLI, each with the extra matchers first. An SLI given as PromQL has no
// selectors: see ParsePromQL.
func SLISelectors(sli slo.SLI, names Series, extra []Matcher) (Ratio, error) {
	if sli.PromQL != nil {
		return Ratio{}, errors.New("sli: promql: an SLI given as PromQL has no selectors to derive")
	}
	switch sli.Kind {
	case slo.KindAvailability:
		count, err := HTTPSelector(names.HTTPDuration+"_count", sli, extra)
		if err != nil {
			return Ratio{}, err
		}
		return Ratio{Total: count, Part: count.With(serverErrors), PartIsBad: true}, nil
	case slo.KindLatency:
		if sli.Threshold <= 0 {
			return Ratio{}, errors.New("sli: latency threshold is not set")
		}
		bound := sli.Threshold.Seconds()
		if names.LatencyBound != nil {
			var err error
			if bound, err = names.LatencyBound(sli.Threshold); err != nil {
				return Ratio{}, err
			}
		}
		count, err := HTTPSelector(names.HTTPDuration+"_count", sli, extra)
		if err != nil {
			return Ratio{}, err
		}
		bucket, err := HTTPSelector(names.HTTPDuration+"_bucket", sli, extra)
		if err != nil {
			return Ratio{}, err
		}
		return Ratio{Total: count, Part: bucket.With(BucketMatcher(bound))}, nil
	case slo.KindEvents:
		return eventSelectors(sli, names.Counters, extra)
	case "":
		return Ratio{}, errors.New("sli: kind is not set (availability, latency or events) and there is no promql")
	default:
		return Ratio{}, fmt.Errorf("sli: unknown kind %q (availability, latency or events)", sli.Kind)
	}
}

// HTTPSelector selects the series (a name of the HTTP duration histogram's,
// with _count or _bucket) of the SLI's routes and methods, with the extra
// matchers first.
func HTTPSelector(series string, sli slo.SLI, extra []Matcher) (Selector, error) {
	s := Selector{Metric: series, Matchers: slices.Clone(extra)}
	for _, f := range []struct {
		field, label string
		values       []string
	}{
		{"routes", routeLabel, sli.Routes},
		{"methods", methodLabel, sli.Methods},
	} {
		if len(f.values) == 0 {
			continue
		}
		for i, v := range f.values {
			if v == "" {
				return Selector{}, fmt.Errorf("sli: %s[%d] is empty", f.field, i)
			}
		}
		s = s.With(OneOf(f.label, f.values))
	}
	return s, nil
}

// eventSelectors returns the selectors of an events SLI.
func eventSelectors(sli slo.SLI, counters map[string]string, extra []Matcher) (Ratio, error) {
	if sli.Metric == "" {
		return Ratio{}, errors.New("sli: events metric is not set")
	}
	name := counters[sli.Metric]
	if name == "" {
		// The spec names the instrument, not its unit: a curly-brace
		// annotation ({delivery}) adds no suffix, so this is the exporter's
		// name for every counter of events.
		name = httpmetrics.PrometheusMetricName(sli.Metric, "", httpmetrics.MetricCounter)
		if name == "" {
			return Ratio{}, fmt.Errorf("sli: metric %q has no Prometheus name", sli.Metric)
		}
	}
	switch {
	case len(sli.Good) > 0 && len(sli.Bad) > 0:
		return Ratio{}, errors.New("sli: both good and bad are set; set one")
	case len(sli.Good) == 0 && len(sli.Bad) == 0:
		return Ratio{}, errors.New("sli: neither good nor bad is set; set one")
	}
	total, err := withMatcher(Selector{Metric: name, Matchers: slices.Clone(extra)}, "total", sli.Total)
	if err != nil {
		return Ratio{}, err
	}
	r := Ratio{Total: total, PartIsBad: len(sli.Bad) > 0}
	field, m := "good", sli.Good
	if r.PartIsBad {
		field, m = "bad", sli.Bad
	}
	if r.Part, err = withMatcher(total, field, m); err != nil {
		return Ratio{}, err
	}
	return r, nil
}

// withMatcher adds the label matchers of an SLI matcher to s, attribute
// names translated as the exporter translates them, keys in sorted order.
func withMatcher(s Selector, field string, m slo.Matcher) (Selector, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	from := map[string]string{}
	for _, k := range keys {
		label := httpmetrics.PrometheusLabelName(k)
		if label == "" {
			return Selector{}, fmt.Errorf("sli: %s: attribute %q has no Prometheus label name", field, k)
		}
		if other, ok := from[label]; ok {
			return Selector{}, fmt.Errorf("sli: %s: attributes %q and %q are both the Prometheus label %q", field, other, k, label)
		}
		from[label] = k
		if len(m[k]) == 0 {
			return Selector{}, fmt.Errorf("sli: %s: attribute %q lists no value, so it selects nothing", field, k)
		}
		s = s.With(OneOf(label, m[k]))
	}
	return s, nil
}
