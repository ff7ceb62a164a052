// Package exportertest is the conformance suite every exporter and alert
// sink of the module runs from its tests, as slo/storetest is for stores:
// the lifecycle (a second Shutdown, a call after Shutdown, a done
// context), concurrent sends under -race, a dead and a hanging endpoint
// for the sinks that post over HTTP, and that no error, log line or metric
// ever shows a secret planted in the options (a URL's user information, a
// query value, a header value).
//
// A package runs it with one Harness:
//
//	func TestConformance(t *testing.T) {
//		exportertest.Run(t, exportertest.Harness{New: func(t *testing.T, env exportertest.Env) (exportertest.Subject, error) {
//			s, err := mysink.New(env.URL, mysink.WithLogger(env.Logger), ...)
//			return exportertest.ForSink(s), err
//		}, Network: true})
//	}
//
// Concurrency: Run calls New from the test goroutine; the Subject's
// functions are called from many goroutines at once in one subtest.
package exportertest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/internal/delivery/deliverytest"
	"github.com/sloguard/sloguard/slo"
)

// Secrets planted in Env: none may appear in an error, a log line or a
// metric.
const (
	SecretUser   = "user-s3cr3t"
	SecretPass   = "pass-s3cr3t"
	SecretToken  = "token-s3cr3t"
	SecretHeader = "header-s3cr3t"
)

// Subject is the exporter or sink under test, as three calls.
type Subject struct {
	// Send exports or sends one small batch.
	Send       func(ctx context.Context) error
	ForceFlush func(ctx context.Context) error
	Shutdown   func(ctx context.Context) error
}

// Sink is an alert sink with the module's lifecycle.
type Sink interface {
	slo.Sink
	ForceFlush(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// ForSink makes a Subject of s whose Send sends one firing alert.
func ForSink(s Sink) Subject {
	if s == nil {
		return Subject{}
	}
	a := slo.Alert{
		TS: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Event: slo.AlertEvent, State: slo.StateFiring,
		Name: slo.AlertBreach, SLO: "availability", Service: "checkout", Severity: "critical",
		Breaches: []string{}, Summary: "availability is under its objective",
	}
	return Subject{
		Send:       func(ctx context.Context) error { return s.Send(ctx, []slo.Alert{a}, []slo.Alert{a}) },
		ForceFlush: s.ForceFlush,
		Shutdown:   s.Shutdown,
	}
}

// Env is what a Harness builds its Subject with.
type Env struct {
	// URL is the endpoint to post to (network sinks), with SecretUser and
	// SecretPass as user information and SecretToken as a query value.
	URL string
	// HeaderName and HeaderValue are a header to send with every post, for
	// sinks that take one; the value holds SecretHeader.
	HeaderName, HeaderValue string
	// Dir is an empty directory for sinks that write files.
	Dir           string
	Logger        *slog.Logger
	MeterProvider metric.MeterProvider
}

// Harness describes the exporter or sink under test.
type Harness struct {
	// New returns a new Subject built with env.
	New func(t *testing.T, env Env) (Subject, error)
	// Network says the Subject posts to env.URL: the suite then gives it
	// real HTTP endpoints, working, refusing and hanging ones.
	Network bool
}

// fixture is one Subject, its endpoint, and what it logged and counted.
type fixture struct {
	s      Subject
	log    *deliverytest.Log
	reader *sdkmetric.ManualReader
	errs   *errorLog
}

type errorLog struct {
	mu   sync.Mutex
	errs []error
}

// keep remembers err for the secret check and returns it.
func (l *errorLog) keep(err error) error {
	if err != nil {
		l.mu.Lock()
		l.errs = append(l.errs, err)
		l.mu.Unlock()
	}
	return err
}

// endpoint kinds for network subjects.
type endpointKind int

const (
	working endpointKind = iota
	refusing
	hanging
)

// plant returns base with the secrets of Env in it.
func plant(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	u.User = url.UserPassword(SecretUser, SecretPass)
	u.Path = "/hook"
	u.RawQuery = url.Values{"token": {SecretToken}}.Encode()
	return u.String()
}

func newEndpoint(t *testing.T, kind endpointKind) string {
	t.Helper()
	switch kind {
	case refusing:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr
	case hanging:
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		return srv.URL
	default:
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
}

func start(t *testing.T, h Harness, kind endpointKind) *fixture {
	t.Helper()
	f := &fixture{log: &deliverytest.Log{}, reader: sdkmetric.NewManualReader(), errs: &errorLog{}}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(f.reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	env := Env{
		HeaderName:    "Authorization",
		HeaderValue:   "Bearer " + SecretHeader,
		Dir:           t.TempDir(),
		Logger:        f.log.Logger(),
		MeterProvider: mp,
	}
	if h.Network {
		env.URL = plant(newEndpoint(t, kind))
	}
	s, err := h.New(t, env)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.s = s
	t.Cleanup(func() {
		// Whatever the subtest left, nothing may outlive it (goleak), and
		// nothing said so far may hold a secret.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = f.s.Shutdown(ctx)
		f.checkSecrets(t)
	})
	return f
}

func (f *fixture) send(ctx context.Context) error       { return f.errs.keep(f.s.Send(ctx)) }
func (f *fixture) forceFlush(ctx context.Context) error { return f.errs.keep(f.s.ForceFlush(ctx)) }
func (f *fixture) shutdown(ctx context.Context) error   { return f.errs.keep(f.s.Shutdown(ctx)) }

// checkSecrets fails the test if an error, the log or a metric holds one
// of the planted secrets.
func (f *fixture) checkSecrets(t *testing.T) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := f.reader.Collect(context.Background(), &rm); err != nil && !errors.Is(err, sdkmetric.ErrReaderShutdown) {
		t.Errorf("collect metrics: %v", err)
	}
	f.errs.mu.Lock()
	errs := append([]error(nil), f.errs.errs...)
	f.errs.mu.Unlock()
	places := map[string]string{
		"the log":     f.log.String(),
		"the metrics": fmt.Sprintf("%+v", rm),
	}
	for i, err := range errs {
		places[fmt.Sprintf("error %d", i+1)] = err.Error()
	}
	for where, text := range places {
		for _, secret := range []string{SecretUser, SecretPass, SecretToken, SecretHeader} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows the planted secret %q:\n%s", where, secret, text)
			}
		}
	}
}

// Run runs the suite against h.
func Run(t *testing.T, h Harness) {
	t.Run("a second Shutdown returns nil", func(t *testing.T) {
		f := start(t, h, working)
		ctx := context.Background()
		if err := f.send(ctx); err != nil {
			t.Fatalf("Send = %v", err)
		}
		if err := f.shutdown(ctx); err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
		if err := f.shutdown(ctx); err != nil {
			t.Errorf("second Shutdown = %v, want nil", err)
		}
	})

	t.Run("Send and ForceFlush after Shutdown return exporters.ErrClosed", func(t *testing.T) {
		f := start(t, h, working)
		ctx := context.Background()
		if err := f.shutdown(ctx); err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
		if err := f.send(ctx); !errors.Is(err, exporters.ErrClosed) {
			t.Errorf("Send after Shutdown = %v, want exporters.ErrClosed", err)
		}
		if err := f.forceFlush(ctx); !errors.Is(err, exporters.ErrClosed) {
			t.Errorf("ForceFlush after Shutdown = %v, want exporters.ErrClosed", err)
		}
	})

	t.Run("ForceFlush with a cancelled context returns the context's error", func(t *testing.T) {
		f := start(t, h, working)
		if err := f.send(context.Background()); err != nil {
			t.Fatalf("Send = %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := f.forceFlush(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("ForceFlush(cancelled) = %v, want context.Canceled", err)
		}
	})

	t.Run("Shutdown with a cancelled context returns at once and closes", func(t *testing.T) {
		f := start(t, h, working)
		if err := f.send(context.Background()); err != nil {
			t.Fatalf("Send = %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := within(t, func() error { return f.shutdown(ctx) }); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Shutdown(cancelled) = %v, want nil or context.Canceled", err)
		}
		if err := f.send(context.Background()); !errors.Is(err, exporters.ErrClosed) {
			t.Errorf("Send after Shutdown(cancelled) = %v, want exporters.ErrClosed", err)
		}
	})

	t.Run("concurrent sends all succeed and ForceFlush waits for them", func(t *testing.T) {
		f := start(t, h, working)
		const goroutines, sends = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*sends)
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range sends {
					if err := f.send(context.Background()); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent Send = %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := f.forceFlush(ctx); err != nil {
			t.Errorf("ForceFlush = %v", err)
		}
		if err := f.shutdown(ctx); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	})

	if !h.Network {
		return
	}

	t.Run("a refusing endpoint neither blocks Send nor holds Shutdown", func(t *testing.T) {
		f := start(t, h, refusing)
		for range 3 {
			if err := within(t, func() error { return f.send(context.Background()) }); err != nil {
				t.Fatalf("Send = %v, want it queued", err)
			}
		}
		err := within(t, func() error { return f.shutdown(context.Background()) })
		if err == nil || !strings.Contains(err.Error(), "undelivered") {
			t.Errorf("Shutdown = %v, want an error counting the alerts left undelivered", err)
		}
		if !strings.Contains(f.log.String(), "undelivered") {
			t.Errorf("the log does not count the alerts left undelivered:\n%s", f.log)
		}
	})

	t.Run("a hanging endpoint gives way to ForceFlush's and Shutdown's deadlines", func(t *testing.T) {
		f := start(t, h, hanging)
		if err := within(t, func() error { return f.send(context.Background()) }); err != nil {
			t.Fatalf("Send = %v, want it queued", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := within(t, func() error { return f.forceFlush(ctx) }); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("ForceFlush = %v, want context.DeadlineExceeded", err)
		}
		ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel2()
		if err := within(t, func() error { return f.shutdown(ctx2) }); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v, want context.DeadlineExceeded", err)
		}
	})
}

// within runs call and fails the test if it has not returned after a
// generous deadline: a call that waits on a receiver hangs there.
func within(t *testing.T, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the call is still waiting after 30s")
		return nil
	}
}
