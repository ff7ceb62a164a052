package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// With 10% head sampling, serve writes about a tenth of its requests to the
// trace log, keeps every request its callers sampled and none they did not,
// and still counts every request in its metrics: the requests the sampler
// drops skip otelhttp but not the duration histogram.
func TestHeadSamplingThinsTheTraceLogButNotTheMetrics(t *testing.T) {
	const ratio = 0.1
	dir := t.TempDir()
	p, base := servePlain(t, dir, []string{
		"DASHBOARD_KEY=" + testKey,
		"OTEL_TRACES_SAMPLER=parentbased_traceidratio",
		fmt.Sprintf("OTEL_TRACES_SAMPLER_ARG=%g", ratio),
	})
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(method, path, traceparent string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if traceparent != "" {
			req.Header.Set("traceparent", traceparent)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		resp.Body.Close()
	}

	const roots, unmatched, callers = 2000, 200, 100
	for i := range roots {
		send(http.MethodGet, fmt.Sprintf("/api/items/%d", i), "")
	}
	for i := range unmatched {
		send([]string{"GET", "BREW", "delete"}[i%3], fmt.Sprintf("/invented/%d", i), "")
	}
	// Callers that sampled their trace, and callers that did not.
	sampledBy, droppedBy := map[string]bool{}, map[string]bool{}
	for i := range callers {
		for _, flags := range []string{"01", "00"} {
			tid := fmt.Sprintf("%016x%016x", uint64(i+1)<<8|0xab, uint64(i+1))
			send(http.MethodGet, "/api/items/caller", "00-"+tid+"-00f067aa0ba902b7-"+flags)
			if flags == "01" {
				sampledBy[tid] = true
			} else {
				droppedBy[tid] = true
			}
		}
	}
	total := roots + unmatched + 2*callers

	var counted uint64
	for _, m := range scrape(t, base)["http_server_request_duration_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "http_route" && l.GetValue() != "/metrics" {
				counted += m.GetHistogram().GetSampleCount()
			}
		}
	}
	if counted != uint64(total) {
		t.Errorf("the duration histogram counts %d requests, %d were sent", counted, total)
	}

	// Shutting down flushes the spans still queued.
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 30*time.Second); err != nil {
		t.Fatalf("serve exited with %v\n%s", err, p.Output())
	}
	recs, _ := readTraces(t, filepath.Join(dir, "logs", "http_traces.ndjson"))
	keep := sdktrace.TraceIDRatioBased(ratio)
	var rootSpans int
	for _, r := range recs {
		switch {
		case sampledBy[r.TraceID]:
			delete(sampledBy, r.TraceID)
			if r.ParentSpanID != "00f067aa0ba902b7" {
				t.Errorf("span of a caller's trace has parent %q, want the caller's span", r.ParentSpanID)
			}
		case droppedBy[r.TraceID]:
			t.Errorf("span %s %s recorded in a trace its caller did not sample", r.Name, r.TraceID)
		default:
			rootSpans++
			tid, err := trace.TraceIDFromHex(r.TraceID)
			if err != nil {
				t.Fatalf("trace record with trace id %q: %v", r.TraceID, err)
			}
			res := keep.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: tid})
			if res.Decision != sdktrace.RecordAndSample {
				t.Errorf("span %s recorded with trace id %s, which the ratio drops", r.Name, r.TraceID)
			}
		}
	}
	if len(sampledBy) != 0 {
		t.Errorf("%d of %d traces their callers sampled are missing from the log", len(sampledBy), callers)
	}
	// 220 expected of 2,200 root requests; 6 standard deviations (14.1)
	// either side.
	if mean := ratio * (roots + unmatched); rootSpans < int(mean-85) || rootSpans > int(mean+85) {
		t.Errorf("%d of %d root requests traced, want about %.0f", rootSpans, roots+unmatched, mean)
	}
	t.Logf("%d requests: %d counted in the duration histogram, %d root requests traced, %d caller-sampled traces kept",
		total, counted, rootSpans, callers-len(sampledBy))
}
