package otelsource_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/goleak"

	"github.com/sloguard/sloguard/instrumentation"
	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/otelsource"
	"github.com/sloguard/sloguard/slo/storetest"
)

// lockedBuffer is a log destination written from the collecting goroutine
// and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A gauge whose callback fails on every collection (as a runtime gauge does
// when /proc or the data directory cannot be read) must not cost the SLOs
// one event: requests flow through the real middleware while samples are
// collected, and every request reaches the store.
func TestAFailingMetricCallbackLosesNoSLOEvent(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	spec := demo.Spec()
	src, err := otelsource.New(spec, otelsource.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	opts := []instrumentation.Option{instrumentation.WithDiskPath(t.TempDir()), instrumentation.WithLogger(logger)}
	for _, r := range src.Readers() {
		opts = append(opts, instrumentation.WithReader(r))
	}
	p, err := instrumentation.New(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(ctx)

	gauge, err := p.MeterProvider.Meter("test").Int64ObservableGauge("data.dir.usage")
	if err != nil {
		t.Fatal(err)
	}
	const gaugeErr = "statfs data: input/output error"
	if _, err := p.MeterProvider.Meter("test").RegisterCallback(func(context.Context, metric.Observer) error {
		return errors.New(gaugeErr)
	}, gauge); err != nil {
		t.Fatal(err)
	}

	r := mux.NewRouter()
	r.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	r.HandleFunc("/fail", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	srv := httptest.NewServer(p.Handler(r))
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()

	store := storetest.NewMemStore()
	proc, err := slo.NewProcessor(slo.Config{Spec: spec, Source: src, Store: store, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}

	const workers, perWorker = 4, 50
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				path := "/ok"
				if i%5 == 0 {
					path = "/fail"
				}
				resp, err := client.Get(srv.URL + path)
				if err != nil {
					t.Errorf("worker %d: GET %s: %v", w, path, err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	// collect while the requests flow, then once more after the last one.
	flushes, failed := 0, 0
	var flushErr error
	for collecting := true; collecting; {
		select {
		case <-done:
			collecting = false
		default:
		}
		if err := proc.ForceFlush(ctx); err != nil {
			failed, flushErr = failed+1, err
		}
		flushes++
	}
	if failed > 0 {
		t.Errorf("%d of %d collections failed with a failing gauge callback: %v", failed, flushes, flushErr)
	}

	got, err := store.Counts(ctx, "availability", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := slo.Counts{Total: workers * perWorker, Good: workers * perWorker * 4 / 5}
	if got != want {
		t.Errorf("store holds %+v for availability after %d collections, want %+v: events were lost", got, flushes, want)
	}
	if n := strings.Count(logs.String(), gaugeErr); n != 1 {
		t.Errorf("the callback error was logged %d times over %d collections, want once:\n%s", n, flushes, logs.String())
	}
	if err := proc.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}
