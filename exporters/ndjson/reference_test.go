package ndjson

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// referenceLine is the line schema written the plain way, with encoding/json
// and struct tags. It is the oracle the hand encoder is checked against and
// the baseline BenchmarkExportEncodingJSON measures; it shares no code with
// encode.go.
type referenceLine struct {
	TS           string  `json:"ts"`
	Route        *string `json:"route,omitempty"`
	Method       *string `json:"method,omitempty"`
	Status       *int64  `json:"status,omitempty"`
	DurationMS   float64 `json:"duration_ms"`
	Path         *string `json:"path,omitempty"`
	TraceID      string  `json:"trace_id"`
	SpanID       string  `json:"span_id"`
	ParentSpanID string  `json:"parent_span_id"`
	Name         string  `json:"name"`
	Service      string  `json:"service"`
	SpanStatus   string  `json:"span_status"`
	Error        string  `json:"error,omitempty"`
}

func newReferenceLine(s sdktrace.ReadOnlySpan) referenceLine {
	attrs := attribute.NewSet(s.Attributes()...)
	str := func(k string) *string {
		if v, ok := attrs.Value(attribute.Key(k)); ok && v.Type() == attribute.STRING {
			x := v.AsString()
			return &x
		}
		return nil
	}
	l := referenceLine{
		TS:      s.StartTime().UTC().Format("2006-01-02T15:04:05.000000000Z07:00"),
		Route:   str("http.route"),
		Method:  str("http.request.method"),
		Path:    str("url.path"),
		TraceID: s.SpanContext().TraceID().String(),
		SpanID:  s.SpanContext().SpanID().String(),
		Name:    s.Name(),
		Error:   s.Status().Description,
	}
	if v, ok := attrs.Value("http.response.status_code"); ok && v.Type() == attribute.INT64 {
		x := v.AsInt64()
		l.Status = &x
	}
	if l.Path != nil {
		p, _, _ := strings.Cut(*l.Path, "?")
		l.Path = &p
	}
	if d := s.EndTime().Sub(s.StartTime()); d > 0 {
		l.DurationMS = float64(d) / float64(time.Millisecond)
	}
	if p := s.Parent(); p.HasSpanID() {
		l.ParentSpanID = p.SpanID().String()
	}
	if v, ok := s.Resource().Set().Value("service.name"); ok && v.Type() == attribute.STRING {
		l.Service = v.AsString()
	}
	switch s.Status().Code {
	case codes.Ok:
		l.SpanStatus = "ok"
	case codes.Error:
		l.SpanStatus = "error"
	default:
		l.SpanStatus = "unset"
	}
	return l
}

// referenceEncoder writes referenceLines through one json.Encoder, the way a
// straightforward encoding/json exporter would.
type referenceEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newReferenceEncoder() *referenceEncoder {
	r := &referenceEncoder{}
	r.enc = json.NewEncoder(&r.buf)
	r.enc.SetEscapeHTML(false)
	return r
}

// appendSpan has the shape of Exporter.appendSpan so that it can replace it.
func (r *referenceEncoder) appendSpan(_ *encoder, b []byte, s sdktrace.ReadOnlySpan) []byte {
	r.buf.Reset()
	if err := r.enc.Encode(newReferenceLine(s)); err != nil {
		panic(err) // a fixed struct of strings and numbers always encodes
	}
	return append(b, r.buf.Bytes()...)
}
