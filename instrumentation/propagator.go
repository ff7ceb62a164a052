package instrumentation

import (
	"context"
	"net/http"
	"net/textproto"

	"go.opentelemetry.io/otel/propagation"
)

// headerPropagator is W3C trace context and baggage, reading request headers
// by their canonical keys.
//
// propagation.HeaderCarrier canonicalises the key on every Get
// ("traceparent" becomes "Traceparent"), which allocates a new string per
// header and request. The keys the propagators ask for are a fixed few, so
// their canonical forms are spelled out once here; any other key takes the
// usual path. What is extracted is exactly what HeaderCarrier gives.
type headerPropagator struct {
	propagation.TextMapPropagator
}

func newHeaderPropagator() headerPropagator {
	return headerPropagator{propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
}

func (p headerPropagator) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	if h, ok := carrier.(propagation.HeaderCarrier); ok {
		carrier = canonicalHeader(h)
	}
	return p.TextMapPropagator.Extract(ctx, carrier)
}

// canonicalHeader is a propagation carrier over request headers, like
// propagation.HeaderCarrier, that looks the propagators' keys up without
// canonicalising them again.
type canonicalHeader http.Header

var (
	_ propagation.TextMapCarrier = canonicalHeader{}
	_ propagation.ValuesGetter   = canonicalHeader{}
)

func canonicalKey(key string) string {
	switch key {
	case "traceparent":
		return "Traceparent"
	case "tracestate":
		return "Tracestate"
	case "baggage":
		return "Baggage"
	}
	return textproto.CanonicalMIMEHeaderKey(key)
}

func (h canonicalHeader) Get(key string) string {
	if v := h[canonicalKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (h canonicalHeader) Values(key string) []string { return h[canonicalKey(key)] }

func (h canonicalHeader) Set(key, value string) { http.Header(h).Set(key, value) }

func (h canonicalHeader) Keys() []string { return propagation.HeaderCarrier(h).Keys() }
