package promsource

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"

	"go.opentelemetry.io/otel/semconv/v1.43.0/httpconv"

	"github.com/sloguard/sloguard/instrumentation"
	"github.com/sloguard/sloguard/slo"
)

// Queries are the PromQL instant queries that count the events of an SLO
// over one window. Total counts all events; exactly one of Good and Bad
// counts the good or the bad ones among them.
type Queries struct {
	Total string
	Good  string
	Bad   string
}

// Names of the series and labels the derived queries read: the names the
// Prometheus exporter gives otelhttp's histogram and its attributes.
var (
	durationSeries = instrumentation.PrometheusMetricName(
		instrumentation.DurationMetric, httpconv.ServerRequestDuration{}.Unit(), instrumentation.MetricHistogram)
	routeLabel  = instrumentation.PrometheusLabelName(slo.RouteAttr)
	methodLabel = instrumentation.PrometheusLabelName(slo.MethodAttr)
	statusLabel = instrumentation.PrometheusLabelName(slo.StatusCodeAttr)
)

// serverErrors matches the status codes an availability SLI counts as bad.
var serverErrors = Matcher{Label: statusLabel, Op: "=~", Value: "5.."}

// Queries returns the queries that count the events of s over window
// (rendered in PromQL's duration syntax, to the millisecond), with the
// source's matchers added to every derived selector.
func (src *Source) Queries(s slo.SLO, window time.Duration) (Queries, error) {
	return countQueries(s.SLI, promDuration(window), src.cfg.matchers)
}

// promDuration renders d as a PromQL duration, to the millisecond.
func promDuration(d time.Duration) string {
	return slo.WindowName(d.Round(time.Millisecond))
}

// countQueries builds the queries of sli over the window w (a PromQL
// duration). It depends only on its arguments, so that rule generation
// and the source can share one definition of each SLI kind.
func countQueries(sli slo.SLI, w string, extra []Matcher) (Queries, error) {
	if sli.PromQL != nil {
		return promQLQueries(*sli.PromQL, w)
	}
	increase := func(s selector) string {
		return "sum(increase(" + s.String() + "[" + w + "]))"
	}
	switch sli.Kind {
	case slo.KindAvailability:
		count, err := httpSelector(sli, "_count", extra)
		if err != nil {
			return Queries{}, err
		}
		return Queries{Total: increase(count), Bad: increase(count.with(serverErrors))}, nil
	case slo.KindLatency:
		if sli.Threshold <= 0 {
			return Queries{}, errors.New("sli: latency threshold is not set")
		}
		count, err := httpSelector(sli, "_count", extra)
		if err != nil {
			return Queries{}, err
		}
		bucket, err := httpSelector(sli, "_bucket", extra)
		if err != nil {
			return Queries{}, err
		}
		return Queries{Total: increase(count), Good: increase(bucket.with(bucketMatcher(sli.Threshold.Seconds())))}, nil
	case slo.KindEvents:
		total, part, partIsBad, err := eventSelectors(sli, extra)
		if err != nil {
			return Queries{}, err
		}
		if partIsBad {
			return Queries{Total: increase(total), Bad: increase(part)}, nil
		}
		return Queries{Total: increase(total), Good: increase(part)}, nil
	case "":
		return Queries{}, errors.New("sli: kind is not set (availability, latency or events) and there is no promql")
	default:
		return Queries{}, fmt.Errorf("sli: unknown kind %q (availability, latency or events)", sli.Kind)
	}
}

// httpSelector selects the series of the HTTP duration histogram (suffix
// _count or _bucket) of the SLI's routes and methods.
func httpSelector(sli slo.SLI, suffix string, extra []Matcher) (selector, error) {
	s := selector{metric: durationSeries + suffix, matchers: slices.Clone(extra)}
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

// eventSelectors returns the selector of all the events of an events SLI
// and that of its good or bad ones.
func eventSelectors(sli slo.SLI, extra []Matcher) (total, part selector, partIsBad bool, err error) {
	if sli.Metric == "" {
		return selector{}, selector{}, false, errors.New("sli: events metric is not set")
	}
	// The spec names the instrument, not its unit: a curly-brace annotation
	// ({delivery}) adds no suffix, so this is the exporter's name for every
	// counter of events.
	name := instrumentation.PrometheusMetricName(sli.Metric, "", instrumentation.MetricCounter)
	if name == "" {
		return selector{}, selector{}, false, fmt.Errorf("sli: metric %q has no Prometheus name", sli.Metric)
	}
	switch {
	case len(sli.Good) > 0 && len(sli.Bad) > 0:
		return selector{}, selector{}, false, errors.New("sli: both good and bad are set; set one")
	case len(sli.Good) == 0 && len(sli.Bad) == 0:
		return selector{}, selector{}, false, errors.New("sli: neither good nor bad is set; set one")
	}
	total, err = withMatcher(selector{metric: name, matchers: slices.Clone(extra)}, "total", sli.Total)
	if err != nil {
		return selector{}, selector{}, false, err
	}
	field, m := "good", sli.Good
	if len(sli.Bad) > 0 {
		field, m, partIsBad = "bad", sli.Bad, true
	}
	part, err = withMatcher(total, field, m)
	return total, part, partIsBad, err
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

// promQLQueries fills the {{.window}} placeholder of an SLI's own queries.
func promQLQueries(p slo.PromQL, w string) (Queries, error) {
	if p.Total == "" {
		return Queries{}, errors.New("sli: promql: total is not set")
	}
	switch {
	case p.Good != "" && p.Bad != "":
		return Queries{}, errors.New("sli: promql: both good and bad are set; set one")
	case p.Good == "" && p.Bad == "":
		return Queries{}, errors.New("sli: promql: neither good nor bad is set; set one")
	}
	var q Queries
	for _, f := range []struct {
		name string
		in   string
		out  *string
	}{
		{"total", p.Total, &q.Total},
		{"good", p.Good, &q.Good},
		{"bad", p.Bad, &q.Bad},
	} {
		if f.in == "" {
			continue
		}
		s, err := fillWindow(f.name, f.in, w)
		if err != nil {
			return Queries{}, err
		}
		*f.out = s
	}
	return q, nil
}

// fillWindow executes query as a template with .window set to w.
func fillWindow(field, query, w string) (string, error) {
	t, err := template.New(field).Option("missingkey=error").Parse(query)
	if err != nil {
		return "", fmt.Errorf("sli: promql: %s: %w", field, err)
	}
	exec := func(w string) (string, error) {
		var b strings.Builder
		if err := t.Execute(&b, map[string]string{"window": w}); err != nil {
			return "", fmt.Errorf("sli: promql: %s: %w", field, err)
		}
		return b.String(), nil
	}
	out, err := exec(w)
	if err != nil {
		return "", err
	}
	// Two windows must give two queries, or every window would read the same.
	if other, _ := exec(w + "0"); other == out {
		return "", fmt.Errorf("sli: promql: %s: %q does not use the {{.window}} placeholder: every window would get the same count", field, query)
	}
	return out, nil
}
