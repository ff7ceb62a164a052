package ndjson

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		// Re-executed by TestCrashLeavesAtMostTheLastLineTorn: export
		// until killed.
		crashChild(os.Getenv(crashChildEnv))
		return
	}
	goleak.VerifyTestMain(m,
		// lumberjack starts this goroutine on a file's first open and has
		// no way to stop it (documented in doc.go).
		goleak.IgnoreTopFunction("gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun"),
	)
}

var testResource = resource.NewSchemaless(
	attribute.String("service.name", "checkout"),
	attribute.String("service.version", "1.2.3"),
)

// httpSpan is a server span shaped like the ones otelhttp records, numbered
// by seq in its name and its url.path so that tests can find each one.
func httpSpan(seq int) sdktrace.ReadOnlySpan {
	start := time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC).Add(time.Duration(seq) * time.Millisecond)
	var tid trace.TraceID
	var sid trace.SpanID
	tid[0], tid[15] = 0x4b, byte(seq)
	sid[0], sid[7] = 0x0f, byte(seq)
	sid[1], sid[2], sid[3] = byte(seq>>8), byte(seq>>16), byte(seq>>24)
	status := int64(200)
	code := codes.Unset
	desc := ""
	if seq%10 == 9 {
		status, code, desc = 503, codes.Error, "upstream unavailable"
	}
	return tracetest.SpanStub{
		Name: fmt.Sprintf("GET /orders/{id} #%d", seq),
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled,
		}),
		SpanKind:  trace.SpanKindServer,
		StartTime: start,
		EndTime:   start.Add(time.Duration(1_000_000 + seq*1_337)),
		Attributes: []attribute.KeyValue{
			attribute.String("http.request.method", "GET"),
			attribute.String("url.scheme", "http"),
			attribute.String("server.address", "shop.example"),
			attribute.String("network.peer.address", "10.0.0.7"),
			attribute.Int("network.peer.port", 51234),
			attribute.String("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)"),
			attribute.String("client.address", "10.0.0.7"),
			attribute.String("url.path", fmt.Sprintf("/orders/%d", seq)),
			attribute.String("network.protocol.version", "1.1"),
			attribute.String("http.route", "/orders/{id}"),
			attribute.Int64("http.response.status_code", status),
		},
		Status:   sdktrace.Status{Code: code, Description: desc},
		Resource: testResource,
	}.Snapshot()
}

func httpSpans(from, n int) []sdktrace.ReadOnlySpan {
	out := make([]sdktrace.ReadOnlySpan, n)
	for i := range out {
		out[i] = httpSpan(from + i)
	}
	return out
}

// seqOf returns the number httpSpan put in the record's path.
func seqOf(t testing.TB, r Record) int {
	t.Helper()
	var seq int
	if _, err := fmt.Sscanf(r.Path, "/orders/%d", &seq); err != nil {
		t.Fatalf("record path %q does not carry a sequence number: %v", r.Path, err)
	}
	return seq
}

// readFile reads a trace log with Read and fails the test on an error.
func readFile(t testing.TB, path string) ([]Record, ReadStats) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []Record
	st, err := Read(f, func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%s): %v", path, err)
	}
	return recs, st
}

// logFiles lists a trace log's rotated files, oldest first, then the file
// itself. lumberjack names backups name-<UTC time to the ms>.ext, so their
// names sort in time order.
func logFiles(t testing.TB, path string) []string {
	t.Helper()
	ext := filepath.Ext(path)
	prefix := strings.TrimSuffix(path, ext) + "-"
	backups, err := filepath.Glob(prefix + "*" + ext)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(backups)
	if _, err := os.Stat(path); err == nil {
		backups = append(backups, path)
	}
	return backups
}

// counters collects the exporter's own counters through a real SDK reader.
type counters struct {
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newCounters(t testing.TB) *counters {
	t.Helper()
	r := sdkmetric.NewManualReader()
	c := &counters{reader: r, mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))}
	t.Cleanup(func() { _ = c.mp.Shutdown(context.Background()) })
	return c
}

// get returns the value of the named counter (0 when it was never added to).
func (c *counters) get(t testing.TB, name string) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := c.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != scopeName {
			continue
		}
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				t.Fatalf("%s is a %T, want a Sum[int64]", name, m.Data)
			}
			var total int64
			for _, dp := range sum.DataPoints {
				total += dp.Value
			}
			return total
		}
	}
	return 0
}

// waitFor polls cond until it holds or the deadline passes: for effects of
// background goroutines the test does not own (lumberjack's cleanup).
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
