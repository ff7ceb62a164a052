package ndjson

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Attribute keys read from spans (stable OTel semantic conventions, as
// otelhttp v0.72 writes them). Every other attribute, url.full, url.query
// and header values among them, is never read, so it cannot be written.
const (
	keyRoute       attribute.Key = "http.route"
	keyMethod      attribute.Key = "http.request.method"
	keyStatusCode  attribute.Key = "http.response.status_code"
	keyURLPath     attribute.Key = "url.path"
	keyServiceName attribute.Key = "service.name"
)

// tsLayout is RFC 3339 in UTC with a fixed nine-digit fraction, so that the
// ts field sorts as text in time order (jq sort_by(.ts), sort(1)).
const tsLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Unix seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const (
	minRFC3339 = -62135596800
	maxRFC3339 = 253402300799
)

// encoder appends the fixed line schema to a byte slice by hand: it is about
// five times faster than encoding/json and allocates nothing per span (see
// BenchmarkExport). Its output is checked against encoding/json in the tests.
// An encoder is not safe for concurrent use; the Exporter guards it.
type encoder struct {
	// The date and time up to the seconds change at most once a second,
	// and spans in a batch usually share them.
	sec       int64
	secPrefix []byte // "2006-01-02T15:04:05." for sec

	// Spans in a batch nearly always share one resource.
	res     *resource.Resource
	service string
}

// appendSpan appends the line for s, '\n' included, to b.
func (e *encoder) appendSpan(b []byte, s sdktrace.ReadOnlySpan) []byte {
	var (
		route, method, path          string
		hasRoute, hasMethod, hasPath bool
		status                       int64
		hasStatus                    bool
	)
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case keyRoute:
			route, hasRoute = stringValue(kv.Value)
		case keyMethod:
			method, hasMethod = stringValue(kv.Value)
		case keyStatusCode:
			if kv.Value.Type() == attribute.INT64 {
				status, hasStatus = kv.Value.AsInt64(), true
			} else {
				status, hasStatus = 0, false
			}
		case keyURLPath:
			path, hasPath = stringValue(kv.Value)
		}
	}

	start := s.StartTime()
	b = append(b, `{"ts":"`...)
	b = e.appendTime(b, start)
	b = append(b, '"')
	if hasRoute {
		b = append(b, `,"route":`...)
		b = appendString(b, route)
	}
	if hasMethod {
		b = append(b, `,"method":`...)
		b = appendString(b, method)
	}
	if hasStatus {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, status, 10)
	}
	b = append(b, `,"duration_ms":`...)
	b = appendMillis(b, s.EndTime().Sub(start))
	if hasPath {
		b = append(b, `,"path":`...)
		b = appendString(b, pathOnly(path))
	}

	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	b = append(b, `,"trace_id":"`...)
	b = hex.AppendEncode(b, tid[:])
	b = append(b, `","span_id":"`...)
	b = hex.AppendEncode(b, sid[:])
	b = append(b, `","parent_span_id":"`...)
	if p := s.Parent(); p.SpanID().IsValid() {
		pid := p.SpanID()
		b = hex.AppendEncode(b, pid[:])
	}
	b = append(b, `","name":`...)
	b = appendString(b, s.Name())
	b = append(b, `,"service":`...)
	b = appendString(b, e.serviceOf(s.Resource()))

	st := s.Status()
	switch st.Code {
	case codes.Ok:
		b = append(b, `,"span_status":"ok"`...)
	case codes.Error:
		b = append(b, `,"span_status":"error"`...)
	default:
		b = append(b, `,"span_status":"unset"`...)
	}
	if st.Description != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, st.Description)
	}
	return append(b, '}', '\n')
}

func stringValue(v attribute.Value) (string, bool) {
	if v.Type() != attribute.STRING {
		return "", false
	}
	return v.AsString(), true
}

// pathOnly cuts anything from a '?' on: url.path never carries a query by
// the conventions, but a decoded %3F or a hand-set attribute could.
func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

func (e *encoder) serviceOf(r *resource.Resource) string {
	if r != e.res || e.res == nil {
		e.res = r
		e.service = ""
		if v, ok := r.Set().Value(keyServiceName); ok && v.Type() == attribute.STRING {
			e.service = v.AsString()
		}
	}
	return e.service
}

func (e *encoder) appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	sec := t.Unix()
	if sec < minRFC3339 || sec > maxRFC3339 {
		// Outside years 1-9999, which RFC 3339 cannot express; time's own
		// formatter is as good as anything for a span this wrong.
		return t.AppendFormat(b, tsLayout)
	}
	if e.secPrefix == nil || sec != e.sec {
		e.sec = sec
		e.secPrefix = t.AppendFormat(e.secPrefix[:0], "2006-01-02T15:04:05.")
	}
	b = append(b, e.secPrefix...)
	ns := t.Nanosecond()
	var frac [9]byte
	for i := 8; i >= 0; i-- {
		frac[i] = byte('0' + ns%10)
		ns /= 10
	}
	b = append(b, frac[:]...)
	return append(b, 'Z')
}

// appendMillis writes d in milliseconds as an exact decimal (nanosecond
// resolution), with trailing zeros dropped as encoding/json would drop them
// from the same float64. Negative durations (a clock step during the span)
// are written as 0.
func appendMillis(b []byte, d time.Duration) []byte {
	if d <= 0 {
		return append(b, '0')
	}
	ns := int64(d)
	b = strconv.AppendInt(b, ns/1e6, 10)
	frac := ns % 1e6
	if frac == 0 {
		return b
	}
	var digits [7]byte
	digits[0] = '.'
	for i := 6; i >= 1; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 7
	for digits[n-1] == '0' {
		n--
	}
	return append(b, digits[:n]...)
}

// needsEscape marks the bytes appendString cannot copy as they are: control
// characters, the quote, the backslash, and every non-ASCII byte (checked as
// UTF-8).
var needsEscape = func() (t [256]bool) {
	for i := range 0x20 {
		t[i] = true
	}
	t['"'], t['\\'] = true, true
	for i := utf8.RuneSelf; i < 256; i++ {
		t[i] = true
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string exactly as encoding/json does with
// HTML escaping off: short escapes for \b \f \n \r \t, \u00XX for other
// control characters, invalid UTF-8 replaced by \ufffd, and U+2028/U+2029
// escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !needsEscape[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
