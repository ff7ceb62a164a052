package rules

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"text/template"
	"time"

	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/sloguard/sloguard/instrumentation"
	"github.com/sloguard/sloguard/slo"
)

// sliQueries are the PromQL expressions of one SLI, as functions of a
// window in PromQL's duration syntax ("5m").
type sliQueries struct {
	// errorRatio is bad/total over the window; absent (never NaN) when the
	// window holds no event.
	errorRatio func(window string) string
	// events is the number of events in the window.
	events func(window string) string
	// absent is an expression that returns a series when the SLI's metric is
	// gone, and absentWhat what is gone, for the annotation.
	absent     func(window string) string
	absentWhat func(window string) string
}

// Label names of otelhttp's attributes, as the exporter writes them.
var (
	routeLabel  = instrumentation.PrometheusLabelName(string(semconv.HTTPRouteKey))
	methodLabel = instrumentation.PrometheusLabelName(string(semconv.HTTPRequestMethodKey))
	statusLabel = instrumentation.PrometheusLabelName(string(semconv.HTTPResponseStatusCodeKey))
)

// serverErrors matches the status codes an availability SLI counts as bad.
var serverErrors = matcher{label: statusLabel, op: "=~", value: "5.."}

func (g *generator) sliQueries(s slo.SLO) (sliQueries, error) {
	if s.SLI.PromQL != nil {
		return promQLQueries(*s.SLI.PromQL)
	}
	switch s.SLI.Kind {
	case slo.KindAvailability:
		count, err := g.httpSelector(s.SLI, "_count")
		if err != nil {
			return sliQueries{}, err
		}
		return g.ratioQueries(count, count.with(serverErrors), true), nil
	case slo.KindLatency:
		bound, err := g.bucketBound(s.SLI.Threshold)
		if err != nil {
			return sliQueries{}, err
		}
		count, err := g.httpSelector(s.SLI, "_count")
		if err != nil {
			return sliQueries{}, err
		}
		bucket, err := g.httpSelector(s.SLI, "_bucket")
		if err != nil {
			return sliQueries{}, err
		}
		return g.ratioQueries(count, bucket.with(bucketMatcher(bound)), false), nil
	case slo.KindEvents:
		return g.eventQueries(s.SLI)
	case "":
		return sliQueries{}, errors.New("sli: kind is not set (availability, latency or events) and there is no promql")
	default:
		return sliQueries{}, fmt.Errorf("sli: unknown kind %q (availability, latency or events)", s.SLI.Kind)
	}
}

// ratioQueries builds the queries of an SLI read from two counters (or
// histogram series) of the same metric: all events, and the bad or the good
// ones among them.
func (g *generator) ratioQueries(total, part selector, partIsBad bool) sliQueries {
	rate := func(s selector, w string) string {
		return sumBy(g.grouping, "rate("+s.String()+"["+w+"])")
	}
	return sliQueries{
		errorRatio: func(w string) string {
			if partIsBad {
				return badRatio(rate(part, w), rate(total, w))
			}
			return goodRatio(rate(part, w), rate(total, w))
		},
		events: func(w string) string {
			return sumBy(g.grouping, "increase("+total.String()+"["+w+"])")
		},
		absent:     func(string) string { return "absent(" + total.String() + ")" },
		absentWhat: func(string) string { return total.String() },
	}
}

// badRatio divides bad by total events. A series of bad events appears only
// with the first bad event (OTel creates series on first use), so a missing
// bad count is 0 where there are events; "total > 0" drops the windows
// without events instead of dividing 0 by 0.
func badRatio(bad, total string) string {
	return fmt.Sprintf("(%s or 0 * %s) / (%s > 0)", bad, total, total)
}

// goodRatio is 1 - good/total, with the same care as badRatio.
func goodRatio(good, total string) string {
	return fmt.Sprintf("1 - (%s or 0 * %s) / (%s > 0)", good, total, total)
}

func (g *generator) httpSelector(sli slo.SLI, suffix string) (selector, error) {
	s := selector{metric: g.cfg.names.HTTPDuration + suffix}
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
				return selector{}, fmt.Errorf("sli: %s[%d] is empty", f.field, i)
			}
		}
		s = s.with(oneOf(f.label, f.values))
	}
	return s, nil
}

// bucketBound returns the bucket boundary (seconds) equal to threshold.
func (g *generator) bucketBound(threshold time.Duration) (float64, error) {
	t := threshold.Seconds()
	if t <= 0 {
		return 0, errors.New("sli: latency threshold is not set")
	}
	for _, b := range g.cfg.buckets {
		// At nanosecond precision, as the spec validator compares them.
		if time.Duration(math.Round(b*float64(time.Second))) == threshold {
			return b, nil
		}
	}
	bounds := make([]string, len(g.cfg.buckets))
	for i, b := range g.cfg.buckets {
		bounds[i] = number(b)
	}
	return 0, fmt.Errorf("sli: latency threshold %ss is not a bucket boundary of %s (%s): a histogram cannot tell which requests finished within it",
		number(t), g.cfg.names.HTTPDuration, strings.Join(bounds, " "))
}

func (g *generator) eventQueries(sli slo.SLI) (sliQueries, error) {
	if sli.Metric == "" {
		return sliQueries{}, errors.New("sli: events metric is not set")
	}
	name := g.cfg.names.Counters[sli.Metric]
	if name == "" {
		// The spec names the instrument, not its unit: a curly-brace
		// annotation ({delivery}) adds no suffix, so this is the exporter's
		// name for every counter of events; WithMetricNames covers the rest.
		name = instrumentation.PrometheusMetricName(sli.Metric, "", instrumentation.MetricCounter)
		if name == "" {
			return sliQueries{}, fmt.Errorf("sli: metric %q has no Prometheus name", sli.Metric)
		}
	}
	switch {
	case len(sli.Good) > 0 && len(sli.Bad) > 0:
		return sliQueries{}, errors.New("sli: both good and bad are set; set one")
	case len(sli.Good) == 0 && len(sli.Bad) == 0:
		return sliQueries{}, errors.New("sli: neither good nor bad is set; set one")
	}
	total, err := withMatcher(selector{metric: name}, "total", sli.Total)
	if err != nil {
		return sliQueries{}, err
	}
	if len(sli.Bad) > 0 {
		bad, err := withMatcher(total, "bad", sli.Bad)
		if err != nil {
			return sliQueries{}, err
		}
		return g.ratioQueries(total, bad, true), nil
	}
	good, err := withMatcher(total, "good", sli.Good)
	if err != nil {
		return sliQueries{}, err
	}
	return g.ratioQueries(total, good, false), nil
}

// withMatcher adds the label matchers of an SLI matcher to s, attribute
// names translated as the exporter translates them, keys in sorted order.
func withMatcher(s selector, field string, m slo.Matcher) (selector, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	from := map[string]string{}
	for _, k := range keys {
		label := instrumentation.PrometheusLabelName(k)
		if label == "" {
			return selector{}, fmt.Errorf("sli: %s: attribute %q has no Prometheus label name", field, k)
		}
		if other, ok := from[label]; ok {
			return selector{}, fmt.Errorf("sli: %s: attributes %q and %q are both the Prometheus label %q", field, other, k, label)
		}
		from[label] = k
		if len(m[k]) == 0 {
			return selector{}, fmt.Errorf("sli: %s: attribute %q lists no value, so it selects nothing", field, k)
		}
		s = s.with(oneOf(label, m[k]))
	}
	return s, nil
}

// promQLQueries builds the queries of an SLI given as PromQL counts of
// events over {{.window}}. The grouping labels are the queries' business.
func promQLQueries(p slo.PromQL) (sliQueries, error) {
	if p.Total == "" {
		return sliQueries{}, errors.New("sli: promql: total is not set")
	}
	switch {
	case p.Good != "" && p.Bad != "":
		return sliQueries{}, errors.New("sli: promql: both good and bad are set; set one")
	case p.Good == "" && p.Bad == "":
		return sliQueries{}, errors.New("sli: promql: neither good nor bad is set; set one")
	}
	total, err := windowTemplate("total", p.Total)
	if err != nil {
		return sliQueries{}, err
	}
	partField, partQuery := "bad", p.Bad
	if p.Good != "" {
		partField, partQuery = "good", p.Good
	}
	part, err := windowTemplate(partField, partQuery)
	if err != nil {
		return sliQueries{}, err
	}
	return sliQueries{
		errorRatio: func(w string) string {
			if partField == "bad" {
				return badRatio("("+part(w)+")", "("+total(w)+")")
			}
			return goodRatio("("+part(w)+")", "("+total(w)+")")
		},
		events:     total,
		absent:     func(w string) string { return "absent(" + total(w) + ")" },
		absentWhat: total,
	}, nil
}

// windowTemplate parses a query with a {{.window}} placeholder and returns
// it as a function of the window.
func windowTemplate(field, query string) (func(string) string, error) {
	t, err := template.New(field).Option("missingkey=error").Parse(query)
	if err != nil {
		return nil, fmt.Errorf("sli: promql: %s: %w", field, err)
	}
	exec := func(w string) (string, error) {
		var b strings.Builder
		if err := t.Execute(&b, map[string]string{"window": w}); err != nil {
			return "", fmt.Errorf("sli: promql: %s: %w", field, err)
		}
		return b.String(), nil
	}
	// Two windows must give two queries, or every window would read the same.
	a, err := exec("5m")
	if err != nil {
		return nil, err
	}
	if b, _ := exec("1h"); a == b {
		return nil, fmt.Errorf("sli: promql: %s: %q does not use the {{.window}} placeholder", field, query)
	}
	return func(w string) string {
		s, _ := exec(w) // the template executed above with the same data
		return s
	}, nil
}
