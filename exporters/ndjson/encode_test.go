package ndjson

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/golden"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func mustTraceID(s string) trace.TraceID {
	id, err := trace.TraceIDFromHex(s)
	if err != nil {
		panic(err)
	}
	return id
}

func mustSpanID(s string) trace.SpanID {
	id, err := trace.SpanIDFromHex(s)
	if err != nil {
		panic(err)
	}
	return id
}

var (
	goldenStart  = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)
	goldenTrace  = mustTraceID("4bf92f3577b34da6a3ce929d0e0e4736")
	goldenSpan   = mustSpanID("00f067aa0ba902b7")
	goldenParent = mustSpanID("53995c3f42cd8ad8")
)

// goldenStub is a server span with a parent; each case changes what it tests.
func goldenStub() tracetest.SpanStub {
	return tracetest.SpanStub{
		Name: "GET /orders/{id}",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: goldenTrace, SpanID: goldenSpan, TraceFlags: trace.FlagsSampled,
		}),
		Parent: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: goldenTrace, SpanID: goldenParent, TraceFlags: trace.FlagsSampled, Remote: true,
		}),
		SpanKind:  trace.SpanKindServer,
		StartTime: goldenStart,
		EndTime:   goldenStart.Add(12345678 * time.Nanosecond),
		Attributes: []attribute.KeyValue{
			attribute.String("http.request.method", "GET"),
			attribute.String("url.scheme", "https"),
			attribute.String("server.address", "shop.example"),
			attribute.String("url.path", "/orders/42"),
			attribute.String("http.route", "/orders/{id}"),
			attribute.Int("http.response.status_code", 200),
		},
		Resource: testResource,
	}
}

func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		name string
		stub func() tracetest.SpanStub
		// never lists strings that must not appear anywhere in the line.
		never []string
	}{
		{
			name: "an HTTP server span writes the six request fields first",
			stub: goldenStub,
		},
		{
			name: "a root span has an empty parent span id",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.Parent = trace.SpanContext{}
				s.Name = "POST /payments"
				s.Attributes = []attribute.KeyValue{
					attribute.String("http.request.method", "POST"),
					attribute.String("url.path", "/payments"),
					attribute.String("http.route", "/payments"),
					attribute.Int("http.response.status_code", 201),
				}
				return s
			},
		},
		{
			name: "a failed request carries the status description as error",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.Attributes[5] = attribute.Int("http.response.status_code", 503)
				s.Status = sdktrace.Status{Code: codes.Error, Description: "database unavailable"}
				return s
			},
		},
		{
			name: "a non-HTTP span leaves the HTTP fields out",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.Name = "reconcile ledger"
				s.SpanKind = trace.SpanKindInternal
				s.Attributes = []attribute.KeyValue{
					attribute.String("ledger.id", "L-7"),
					attribute.Int("ledger.entries", 120),
				}
				s.Status = sdktrace.Status{Code: codes.Ok}
				return s
			},
		},
		{
			name: "query strings and header values are never written",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.Attributes = []attribute.KeyValue{
					attribute.String("http.request.method", "GET"),
					attribute.String("url.full", "https://shop.example/search?token=SECRET-QUERY"),
					attribute.String("url.query", "token=SECRET-QUERY"),
					attribute.String("url.path", "/search?token=SECRET-QUERY"),
					attribute.String("http.route", "/search"),
					attribute.String("user_agent.original", "SECRET-AGENT/1.0"),
					attribute.StringSlice("http.request.header.authorization", []string{"Bearer SECRET-TOKEN"}),
					attribute.StringSlice("http.request.header.cookie", []string{"session=SECRET-COOKIE"}),
					attribute.Int("http.response.status_code", 200),
				}
				return s
			},
			never: []string{"SECRET", "token=", "?"},
		},
		{
			name: "control characters quotes and invalid UTF-8 are escaped",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.Name = "line1\nline2\r\t\"quoted\" back\\slash \x00\x01\x1f\x7f \b\f <&> bad\xff\xc3 é 日本 \u2028\u2029 😀"
				s.Attributes = append(s.Attributes[:3], attribute.String("url.path", "/caf\xe9/\x00"))
				return s
			},
		},
		{
			name: "a start on the whole second keeps nine fraction digits",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.StartTime = time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)
				s.EndTime = s.StartTime.Add(time.Second)
				return s
			},
		},
		{
			name: "a start in another time zone is written in UTC",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.StartTime = time.Date(2025, 7, 1, 2, 30, 0, 5000, time.FixedZone("UTC+5:30", 5*3600+1800))
				s.EndTime = s.StartTime.Add(1500 * time.Microsecond)
				return s
			},
		},
		{
			name: "attributes of an unexpected type are left out",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.Attributes = []attribute.KeyValue{
					attribute.Int("http.request.method", 7),
					attribute.String("http.response.status_code", "200"),
					attribute.Bool("http.route", true),
					attribute.StringSlice("url.path", []string{"/a"}),
				}
				return s
			},
		},
		{
			name: "a span ending before its start has zero duration",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.EndTime = s.StartTime.Add(-time.Millisecond)
				return s
			},
		},
		{
			name: "a resource without service.name gives an empty service",
			stub: func() tracetest.SpanStub {
				s := goldenStub()
				s.Resource = resource.NewSchemaless(attribute.String("host.name", "h1"))
				return s
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var enc encoder
			got := enc.appendSpan(nil, tt.stub().Snapshot())
			path := filepath.Join("testdata", "encode", goldenName(tt.name)+".ndjson")
			golden.Assert(t, path, got)
			if !json.Valid(got) || bytes.Count(got, []byte{'\n'}) != 1 || got[len(got)-1] != '\n' {
				t.Errorf("not one valid JSON object and one trailing newline: %q", got)
			}
			for _, s := range tt.never {
				if bytes.Contains(got, []byte(s)) {
					t.Errorf("line contains %q: %s", s, got)
				}
			}
		})
	}
}

// goldenName turns a test name into a file name: letters, digits and '-',
// the rest '_'.
func goldenName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}

// TestHandEncoderMatchesEncodingJSON checks the hand encoder against the
// encoding/json reference on random spans: the same bytes, hence the same
// values once parsed, and a ts that parses back to the start time.
func TestHandEncoderMatchesEncodingJSON(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x5106a2d))
	ref := newReferenceEncoder()
	var enc encoder // one encoder for all spans, as in the exporter, to exercise its caches
	n := 8000
	if testing.Short() {
		n = 1000
	}
	for i := range n {
		s := randomSpan(rng)
		got := enc.appendSpan(nil, s)
		want := ref.appendSpan(nil, nil, s)

		var gotV, wantV map[string]any
		if err := json.Unmarshal(got, &gotV); err != nil {
			t.Fatalf("span %d: hand-encoded line is not JSON: %v\n%q", i, err, got)
		}
		if err := json.Unmarshal(want, &wantV); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotV, wantV) {
			t.Fatalf("span %d: values differ\n hand: %s\n  ref: %s", i, got, want)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("span %d: bytes differ\n hand: %q\n  ref: %q", i, got, want)
		}
		ts, err := time.Parse(time.RFC3339Nano, gotV["ts"].(string))
		if err != nil || !ts.Equal(s.StartTime()) {
			t.Fatalf("span %d: ts %v parses to %v (%v), want %v", i, gotV["ts"], ts, err, s.StartTime())
		}
	}
}

var (
	randomResources = []*resource.Resource{
		testResource,
		resource.NewSchemaless(attribute.String("service.name", "pay\"ments\n")),
		resource.NewSchemaless(attribute.Int("service.name", 3)),
		resource.Empty(),
		nil,
	}
	randomPieces = []string{
		"a", "orders", "/", "{id}", " ", "?", "q=1", "&", "<", ">", "\"", "\\", "\n", "\r", "\t",
		"\b", "\f", "\x00", "\x01", "\x1f", "\x7f", "é", "日本", "\u2028", "\u2029", "😀",
		"\xff", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "GET", "POST", "_OTHER",
	}
)

func randomString(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(8) {
		b.WriteString(randomPieces[rng.IntN(len(randomPieces))])
	}
	return b.String()
}

func randomValue(rng *rand.Rand, k string) attribute.KeyValue {
	switch rng.IntN(10) {
	case 0:
		return attribute.Int(k, rng.IntN(1000))
	case 1:
		return attribute.Bool(k, true)
	default:
		if k == "http.response.status_code" {
			return attribute.Int64(k, int64(rng.IntN(600))-50)
		}
		return attribute.String(k, randomString(rng))
	}
}

func randomSpan(rng *rand.Rand) sdktrace.ReadOnlySpan {
	var tid trace.TraceID
	var sid, pid trace.SpanID
	for i := range tid {
		tid[i] = byte(rng.UintN(256))
	}
	for i := range sid {
		sid[i], pid[i] = byte(rng.UintN(256)), byte(rng.UintN(256))
	}
	stub := tracetest.SpanStub{
		Name:        randomString(rng),
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}),
		Resource:    randomResources[rng.IntN(len(randomResources))],
	}
	if rng.IntN(3) > 0 {
		stub.Parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: pid})
	}
	// Mostly recent times that share a second with the previous span, some
	// from 1900 to 2200.
	switch rng.IntN(4) {
	case 0:
		stub.StartTime = time.Unix(rng.Int64N(9_467_020_800)-2_208_988_800, rng.Int64N(1e9))
	default:
		stub.StartTime = time.Unix(1_741_944_413, rng.Int64N(1e9))
	}
	if rng.IntN(5) == 0 {
		stub.StartTime = stub.StartTime.In(time.FixedZone("X", rng.IntN(50000)-25000))
	}
	switch rng.IntN(6) {
	case 0:
		stub.EndTime = stub.StartTime.Add(-time.Duration(rng.Int64N(1e9)))
	case 1:
		stub.EndTime = stub.StartTime.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour))))
	case 2:
		stub.EndTime = stub.StartTime.Add(time.Duration(rng.Int64N(1000)) * time.Millisecond)
	default:
		stub.EndTime = stub.StartTime.Add(time.Duration(rng.Int64N(int64(time.Second))))
	}
	for _, k := range []string{"http.route", "http.request.method", "http.response.status_code", "url.path", "url.query", "url.full", "user_agent.original"} {
		if rng.IntN(3) > 0 {
			stub.Attributes = append(stub.Attributes, randomValue(rng, k))
		}
	}
	if rng.IntN(10) == 0 && len(stub.Attributes) > 0 {
		// A repeated key: the last value is the one that counts.
		dup := stub.Attributes[rng.IntN(len(stub.Attributes))].Key
		stub.Attributes = append(stub.Attributes, randomValue(rng, string(dup)))
	}
	rng.Shuffle(len(stub.Attributes), func(i, j int) {
		stub.Attributes[i], stub.Attributes[j] = stub.Attributes[j], stub.Attributes[i]
	})
	stub.Status = sdktrace.Status{Code: codes.Code(rng.IntN(3))}
	if rng.IntN(2) == 0 {
		stub.Status.Description = randomString(rng)
	}
	return stub.Snapshot()
}
