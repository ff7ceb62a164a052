package ndjson

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sloguard/sloguard/exporters"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func TestNewRejectsBadOptions(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"no destination is an error", nil, "no destination"},
		{"a path and a writer together are an error", []Option{WithPath(filepath.Join(dir, "a.ndjson")), WithWriter(io.Discard)}, "exclusive"},
		{"an empty path is an error", []Option{WithPath("")}, "empty path"},
		{"a max size below 1 MiB is an error", []Option{WithPath(filepath.Join(dir, "b.ndjson")), WithMaxSizeMB(0)}, "WithMaxSizeMB(0)"},
		{"keeping no backups is an error", []Option{WithPath(filepath.Join(dir, "c.ndjson")), WithMaxBackups(0)}, "WithMaxBackups(0)"},
		{"rotation options with a writer are an error", []Option{WithWriter(io.Discard), WithMaxSizeMB(5)}, "apply to WithPath only"},
		{"a nil meter provider is an error", []Option{WithWriter(io.Discard), WithMeterProvider(nil)}, "nil MeterProvider"},
		{"a nil option is an error", []Option{WithWriter(io.Discard), nil}, "nil Option"},
		{"a path naming a directory is an error", []Option{WithPath(dir)}, "not a regular file"},
		{"a path under a regular file is an error", []Option{WithPath(filepath.Join(regular, "d.ndjson"))}, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(tt.opts...)
			if err == nil {
				_ = e.Shutdown(context.Background())
				t.Fatalf("New succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestZeroExporterRefusesEveryCall(t *testing.T) {
	var e Exporter
	ctx := context.Background()
	for name, err := range map[string]error{
		"ExportSpans": e.ExportSpans(ctx, httpSpans(0, 1)),
		"ForceFlush":  e.ForceFlush(ctx),
		"Shutdown":    e.Shutdown(ctx),
	} {
		if !errors.Is(err, errNotCreated) {
			t.Errorf("%s on a zero Exporter = %v, want errNotCreated", name, err)
		}
	}
}

func TestNewCreatesTheFileAndItsDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "deeper", "http_traces.ndjson")
	e, err := New(WithPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("file not created by New: %v", err)
	}
	if fi.Size() != 0 {
		t.Fatalf("new file has %d bytes, want 0", fi.Size())
	}
}

func TestExportAppendsToAnExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "http_traces.ndjson")
	for round := range 3 {
		e, err := New(WithPath(path))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ExportSpans(context.Background(), httpSpans(round*10, 10)); err != nil {
			t.Fatal(err)
		}
		if err := e.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	recs, st := readFile(t, path)
	if len(recs) != 30 || st.TornLastLine {
		t.Fatalf("got %d records (torn %v), want 30 whole ones", len(recs), st.TornLastLine)
	}
	for i, r := range recs {
		if seqOf(t, r) != i {
			t.Fatalf("record %d is span %d", i, seqOf(t, r))
		}
	}
}

// blockingWriter holds every Write until released, to keep an export in
// progress while the test calls other methods.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func newBlockingWriter() *blockingWriter {
	return &blockingWriter{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.entered <- struct{}{}
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *blockingWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestShutdown(t *testing.T) {
	t.Run("Shutdown twice succeeds and an export after it returns exporters.ErrClosed", func(t *testing.T) {
		c := newCounters(t)
		path := filepath.Join(t.TempDir(), "http_traces.ndjson")
		e, err := New(WithPath(path), WithMeterProvider(c.mp))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := e.ExportSpans(ctx, httpSpans(0, 3)); err != nil {
			t.Fatal(err)
		}
		if err := e.Shutdown(ctx); err != nil {
			t.Fatalf("first Shutdown: %v", err)
		}
		if err := e.Shutdown(ctx); err != nil {
			t.Fatalf("second Shutdown: %v", err)
		}
		if err := e.ExportSpans(ctx, httpSpans(3, 4)); !errors.Is(err, exporters.ErrClosed) {
			t.Fatalf("ExportSpans after Shutdown = %v, want exporters.ErrClosed", err)
		}
		if err := e.ForceFlush(ctx); !errors.Is(err, exporters.ErrClosed) {
			t.Fatalf("ForceFlush after Shutdown = %v, want exporters.ErrClosed", err)
		}
		recs, _ := readFile(t, path)
		if len(recs) != 3 {
			t.Fatalf("file has %d records, want the 3 exported before Shutdown", len(recs))
		}
		if got := c.get(t, MetricSpans); got != 3 {
			t.Errorf("%s = %d, want 3", MetricSpans, got)
		}
		if got := c.get(t, MetricDropped); got != 4 {
			t.Errorf("%s = %d, want the 4 spans exported after Shutdown", MetricDropped, got)
		}
	})

	t.Run("Shutdown gives up when its context ends during an export and a later call finishes", func(t *testing.T) {
		w := newBlockingWriter()
		e, err := New(WithWriter(w))
		if err != nil {
			t.Fatal(err)
		}
		exported := make(chan error, 1)
		go func() { exported <- e.ExportSpans(context.Background(), httpSpans(0, 2)) }()
		<-w.entered // the export holds the exporter

		ctx, cancel := context.WithCancel(context.Background())
		shut := make(chan error, 1)
		go func() { shut <- e.Shutdown(ctx) }()
		cancel()
		if err := <-shut; !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown with a cancelled context = %v, want context.Canceled", err)
		}
		if err := e.ExportSpans(context.Background(), httpSpans(2, 1)); !errors.Is(err, exporters.ErrClosed) {
			t.Fatalf("ExportSpans after an abandoned Shutdown = %v, want exporters.ErrClosed", err)
		}
		close(w.release)
		if err := <-exported; err != nil {
			t.Fatalf("the export in progress failed: %v", err)
		}
		if err := e.Shutdown(context.Background()); err != nil {
			t.Fatalf("second Shutdown: %v", err)
		}
		var recs []Record
		if _, err := Read(strings.NewReader(w.String()), func(r Record) error { recs = append(recs, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 {
			t.Fatalf("writer got %d records, want the 2 of the export in progress", len(recs))
		}
	})

	t.Run("ExportSpans and ForceFlush give up when their context ends while another call runs", func(t *testing.T) {
		c := newCounters(t)
		w := newBlockingWriter()
		e, err := New(WithWriter(w), WithMeterProvider(c.mp))
		if err != nil {
			t.Fatal(err)
		}
		exported := make(chan error, 1)
		go func() { exported <- e.ExportSpans(context.Background(), httpSpans(0, 1)) }()
		<-w.entered

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if err := e.ExportSpans(ctx, httpSpans(1, 5)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ExportSpans = %v, want context.DeadlineExceeded", err)
		}
		if err := e.ForceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ForceFlush = %v, want context.DeadlineExceeded", err)
		}
		close(w.release)
		if err := <-exported; err != nil {
			t.Fatal(err)
		}
		if err := e.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(w.String(), "\n"); got != 1 {
			t.Fatalf("writer got %d lines, want only the first export's", got)
		}
		if got := c.get(t, MetricDropped); got != 5 {
			t.Errorf("%s = %d, want the 5 spans of the abandoned export", MetricDropped, got)
		}
	})

	t.Run("an already cancelled context is refused before any work", func(t *testing.T) {
		var buf bytes.Buffer
		e, err := New(WithWriter(&buf))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := e.ExportSpans(ctx, httpSpans(0, 1)); !errors.Is(err, context.Canceled) {
			t.Fatalf("ExportSpans = %v, want context.Canceled", err)
		}
		if err := e.ForceFlush(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("ForceFlush = %v, want context.Canceled", err)
		}
		if err := e.Shutdown(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown = %v, want context.Canceled", err)
		}
		if buf.Len() != 0 {
			t.Fatalf("wrote %q with a cancelled context", buf.String())
		}
		if err := e.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// syncRecorder is a writer that records Flush and Sync calls, like a
// *bufio.Writer over an *os.File would receive them.
type syncRecorder struct {
	bytes.Buffer
	flushes, syncs int
}

func (w *syncRecorder) Flush() error { w.flushes++; return nil }
func (w *syncRecorder) Sync() error  { w.syncs++; return nil }

func TestForceFlushFlushesAndSyncsAWriter(t *testing.T) {
	w := &syncRecorder{}
	e, err := New(WithWriter(w))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(context.Background(), httpSpans(0, 2)); err != nil {
		t.Fatal(err)
	}
	if w.flushes != 0 || w.syncs != 0 {
		t.Fatalf("ExportSpans flushed %d and synced %d times, want neither", w.flushes, w.syncs)
	}
	if err := e.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w.flushes != 1 || w.syncs != 1 {
		t.Fatalf("ForceFlush: %d flushes and %d syncs, want 1 and 1", w.flushes, w.syncs)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w.flushes != 2 || w.syncs != 2 {
		t.Fatalf("Shutdown: %d flushes and %d syncs in all, want 2 and 2", w.flushes, w.syncs)
	}
}

func TestForceFlushOnAPipeIsNotAnError(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	e, err := New(WithWriter(w))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush on a pipe = %v, want nil: a pipe has nothing to make durable", err)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentExportsLoseNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "http_traces.ndjson")
	c := newCounters(t)
	e, err := New(WithPath(path), WithMeterProvider(c.mp))
	if err != nil {
		t.Fatal(err)
	}
	const workers, batches, perBatch = 16, 40, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*batches)
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				from := (w*batches + b) * perBatch
				if err := e.ExportSpans(context.Background(), httpSpans(from, perBatch)); err != nil {
					errs <- err
				}
				if b%10 == 0 {
					if err := e.ForceFlush(context.Background()); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	const total = workers * batches * perBatch
	recs, st := readFile(t, path)
	if st.TornLastLine {
		t.Errorf("torn last line of %d bytes after a clean shutdown", st.TornBytes)
	}
	seen := make([]bool, total)
	for _, r := range recs {
		seq := seqOf(t, r)
		if seq < 0 || seq >= total || seen[seq] {
			t.Fatalf("span %d out of range or written twice", seq)
		}
		seen[seq] = true
	}
	if len(recs) != total {
		t.Fatalf("%d records, want %d", len(recs), total)
	}
	if got := c.get(t, MetricSpans); got != total {
		t.Errorf("%s = %d, want %d", MetricSpans, got, total)
	}
}

// TestSDKPipelineWritesEverySpan runs the exporter the way a program does:
// a TracerProvider with a BatchSpanProcessor, spans made by a tracer, and the
// provider shut down at exit.
func TestSDKPipelineWritesEverySpan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "http_traces.ndjson")
	e, err := New(WithPath(path))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(e, sdktrace.WithMaxExportBatchSize(64)),
		sdktrace.WithResource(testResource),
	)
	tracer := tp.Tracer("shop")

	type made struct{ span, parent trace.SpanID }
	want := map[string]made{} // by span name
	const requests = 300
	for i := range requests {
		ctx, req := tracer.Start(context.Background(), fmt.Sprintf("GET /orders/{id} %d", i),
			trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				attribute.String("http.request.method", "GET"),
				attribute.String("http.route", "/orders/{id}"),
				attribute.String("url.path", fmt.Sprintf("/orders/%d", i)),
				attribute.Int("http.response.status_code", 200),
			))
		_, db := tracer.Start(ctx, fmt.Sprintf("load order %d", i))
		db.End()
		req.End()
		want[fmt.Sprintf("GET /orders/{id} %d", i)] = made{span: req.SpanContext().SpanID()}
		want[fmt.Sprintf("load order %d", i)] = made{span: db.SpanContext().SpanID(), parent: req.SpanContext().SpanID()}
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	recs, st := readFile(t, path)
	if st.TornLastLine {
		t.Fatal("torn last line after TracerProvider.Shutdown")
	}
	if len(recs) != 2*requests {
		t.Fatalf("%d records, want %d", len(recs), 2*requests)
	}
	for _, r := range recs {
		m, ok := want[r.Name]
		if !ok {
			t.Fatalf("unexpected span %q", r.Name)
		}
		delete(want, r.Name)
		wantParent := ""
		if m.parent.IsValid() {
			wantParent = m.parent.String()
		}
		if r.SpanID != m.span.String() || r.ParentSpanID != wantParent {
			t.Errorf("%s: span %s parent %q, want %s parent %q", r.Name, r.SpanID, r.ParentSpanID, m.span, wantParent)
		}
		if r.Service != "checkout" {
			t.Errorf("%s: service %q, want checkout", r.Name, r.Service)
		}
		isRequest := strings.HasPrefix(r.Name, "GET ")
		if isRequest != (r.Route == "/orders/{id}" && r.Method == "GET" && r.Status == 200) {
			t.Errorf("%s: HTTP fields route=%q method=%q status=%d", r.Name, r.Route, r.Method, r.Status)
		}
	}
	// The exporter was shut down by the provider.
	if err := e.ExportSpans(context.Background(), httpSpans(0, 1)); !errors.Is(err, exporters.ErrClosed) {
		t.Fatalf("ExportSpans after TracerProvider.Shutdown = %v, want exporters.ErrClosed", err)
	}
}

// TestOtelhttpRequestsNeverWriteQueriesOrHeaders sends real requests through
// otelhttp and checks that neither their query strings nor their headers
// reach the file.
func TestOtelhttpRequestsNeverWriteQueriesOrHeaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "http_traces.ndjson")
	e, err := New(WithPath(path))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(e), sdktrace.WithResource(testResource))
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		// Wrapped per route so that otelhttp sees the matched pattern.
		mux.Handle(pattern, otelhttp.NewHandler(h, pattern,
			otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{})))
	}
	handle("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	handle("POST /payments", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "declined", http.StatusPaymentRequired) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	send := func(method, target string) {
		req, err := http.NewRequest(method, srv.URL+target, strings.NewReader("card=SECRET-BODY"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer SECRET-TOKEN")
		req.Header.Set("Cookie", "session=SECRET-COOKIE")
		req.Header.Set("User-Agent", "SECRET-AGENT/1.0")
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	send(http.MethodGet, "/orders/42?token=SECRET-QUERY&x=1")
	send(http.MethodGet, "/orders/%3Ftoken=SECRET-ENCODED")
	send(http.MethodPost, "/payments?card=SECRET-CARD")
	srv.Close()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"SECRET", "token", "Bearer", "203.0.113.9"} {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("trace log contains %q:\n%s", s, data)
		}
	}
	recs, _ := readFile(t, path)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3:\n%s", len(recs), data)
	}
	want := []struct {
		route, method, path string
		status              int
	}{
		{"/orders/{id}", "GET", "/orders/42", 200},
		{"/orders/{id}", "GET", "/orders/", 200},
		{"/payments", "POST", "/payments", 402},
	}
	for i, w := range want {
		r := recs[i]
		if r.Route != w.route || r.Method != w.method || r.Path != w.path || r.Status != w.status {
			t.Errorf("record %d: route=%q method=%q path=%q status=%d, want %+v", i, r.Route, r.Method, r.Path, r.Status, w)
		}
	}
}
