package httpmetrics

import "github.com/prometheus/otlptranslator"

// PrometheusTranslation is how the Prometheus exporter turns OTel instrument
// and attribute names into Prometheus names: dots and other characters become
// underscores, the unit and "_total" are appended. It is the exporter's own
// default, spelled out so that the exporter (WithTranslationStrategy) and
// PrometheusMetricName / PrometheusLabelName derive from the same value and
// the generated Prometheus rules always query the series the exporter serves.
//
// otlptranslator declares its strategies as variables; this constant holds
// the same value (tests compare it with otlptranslator.UnderscoreEscapingWithSuffixes).
const PrometheusTranslation otlptranslator.TranslationStrategyOption = "UnderscoreEscapingWithSuffixes"

// MetricKind is the kind of an OTel instrument, as far as it changes the
// instrument's Prometheus name.
type MetricKind int

const (
	// MetricCounter is a monotonic sum (Int64Counter, Float64Counter and their
	// observable forms): Prometheus counters, named with "_total".
	MetricCounter MetricKind = iota + 1
	// MetricUpDownCounter is a non-monotonic sum: a Prometheus gauge.
	MetricUpDownCounter
	// MetricGauge is a gauge.
	MetricGauge
	// MetricHistogram is an explicit-bucket histogram. Its Prometheus name is
	// the base name: the series are that name plus _bucket, _sum and _count.
	MetricHistogram
)

// PrometheusMetricName returns the name the Prometheus exporter gives the
// instrument named name, with unit unit (UCUM, as given to the OTel API), of
// the given kind: PrometheusMetricName("http.server.request.duration", "s",
// MetricHistogram) is "http_server_request_duration_seconds", and
// PrometheusMetricName("webhook.deliveries", "{delivery}", MetricCounter) is
// "webhook_deliveries_total".
//
// It returns "" for a name no series can have: an empty name (the OTel SDK
// refuses such an instrument) or one made only of characters that translate
// to underscores (the exporter drops it).
func PrometheusMetricName(name, unit string, kind MetricKind) string {
	if name == "" {
		return ""
	}
	namer := otlptranslator.NewMetricNamer("", PrometheusTranslation)
	// The exporter ignores the unit and the counter suffix when the strategy
	// adds no suffixes; the namer does the same on its own.
	out, err := namer.Build(otlptranslator.Metric{Name: name, Unit: unit, Type: kind.translatorType()})
	if err != nil {
		return ""
	}
	return out
}

// PrometheusLabelName returns the label name the Prometheus exporter gives
// the attribute key attr: "http.route" is "http_route". It returns "" for a
// key the exporter cannot translate (empty, or only underscores).
func PrometheusLabelName(attr string) string {
	namer := otlptranslator.LabelNamer{UTF8Allowed: !PrometheusTranslation.ShouldEscape()}
	out, err := namer.Build(attr)
	if err != nil {
		return ""
	}
	return out
}

func (k MetricKind) translatorType() otlptranslator.MetricType {
	switch k {
	case MetricCounter:
		return otlptranslator.MetricTypeMonotonicCounter
	case MetricUpDownCounter:
		return otlptranslator.MetricTypeNonMonotonicCounter
	case MetricGauge:
		return otlptranslator.MetricTypeGauge
	case MetricHistogram:
		return otlptranslator.MetricTypeHistogram
	default:
		return otlptranslator.MetricTypeUnknown
	}
}
