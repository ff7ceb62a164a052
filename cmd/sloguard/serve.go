package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel"

	"github.com/sloguard/sloguard/exporters/ndjson"
	"github.com/sloguard/sloguard/instrumentation"
	"github.com/sloguard/sloguard/internal/demo"
)

// serveConfig holds the flags of `sloguard serve`.
type serveConfig struct {
	addr            string
	demoFaults      bool
	telemetry       string
	tracesFile      string
	shutdownTimeout time.Duration
	logLevel        string
}

func (c *serveConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on")
	fs.BoolVar(&c.demoFaults, "demo-faults", false, "let ?simulate=error and ?simulate=slow&ms=N inject faults into the demo routes")
	fs.StringVar(&c.telemetry, "telemetry", "on", "on, or off to serve the same routes with no instrumentation (for benchmarks)")
	fs.StringVar(&c.tracesFile, "traces-file", "logs/http_traces.ndjson", "NDJSON file spans are written to (empty: none)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long requests in flight may take to finish at shutdown")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
}

func (c *serveConfig) validate() error {
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return usageErr("serve: --addr %q: want host:port (%v)", c.addr, err)
	}
	if c.telemetry != "on" && c.telemetry != "off" {
		return usageErr("serve: --telemetry %q: want on or off", c.telemetry)
	}
	if c.shutdownTimeout <= 0 {
		return usageErr("serve: --shutdown-timeout %v: want a positive duration", c.shutdownTimeout)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return usageErr("serve: --log-level %q: want debug, info, warn or error", c.logLevel)
	}
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.flags(fs)
	if err := parseFlags(fs, args, stderr, 0); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.logLevel))
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	// Listen first: a port in use is reported before anything is started.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return usageErr("serve: listen on %s: %v", cfg.addr, errors.Unwrap(err))
	}
	svc, err := newService(ctx, cfg, logger)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler: svc.handler,
		// A slow client must not hold a connection open: headers within
		// 5s, a whole request within 30s; responses may be slowed on
		// purpose by up to demo.MaxSlow.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      demo.MaxSlow + 20*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	svc.printBanner(stderr, ln.Addr().String())

	select {
	case <-ctx.Done():
	case err := <-served:
		// Serve only returns early on a listener failure.
		return errors.Join(fmt.Errorf("serve: %w", err), svc.shutdown(context.Background()))
	}
	logger.Info("shutting down", "grace", cfg.shutdownTimeout)
	svc.app.SetReady(false)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("serve: requests still running after %v: %w", cfg.shutdownTimeout, err))
		srv.Close()
	}
	// Telemetry gets its own deadline: spans and the last SLO sample must be
	// written even when requests used up the grace period.
	tctx, tcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer tcancel()
	errs = append(errs, svc.shutdown(tctx))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// service is everything serve runs besides the HTTP server.
type service struct {
	cfg       serveConfig
	app       *demo.App
	providers *instrumentation.Providers // nil with --telemetry=off
	handler   http.Handler
	otlp      bool
}

func newService(ctx context.Context, cfg serveConfig, logger *slog.Logger) (*service, error) {
	s := &service{cfg: cfg}
	r := mux.NewRouter()
	var err error
	if cfg.telemetry == "off" {
		if s.app, err = demo.New(demo.Config{Faults: cfg.demoFaults}); err != nil {
			return nil, err
		}
		s.app.Register(r)
		s.handler = r
		return s, nil
	}
	// main owns the OTel globals: exporters report errors through the
	// global handler, and the SDK's own metrics (span queue size and drops)
	// go to the global MeterProvider.
	otel.SetErrorHandler(newOnceErrorHandler(logger, 10*time.Minute))
	iopts := []instrumentation.Option{instrumentation.WithLogger(logger)}
	otlpReader, err := otlpMetricReader(ctx)
	if err != nil {
		return nil, err
	}
	if otlpReader != nil {
		iopts = append(iopts, instrumentation.WithReader(otlpReader))
	}
	otlpSpans, err := otlpSpanExporter(ctx)
	if err != nil {
		return nil, err
	}
	s.providers, err = instrumentation.New(ctx, iopts...)
	if err != nil {
		return nil, err
	}
	otel.SetMeterProvider(s.providers.MeterProvider)
	otel.SetTracerProvider(s.providers.TracerProvider)
	otel.SetTextMapPropagator(s.providers.Propagator())
	// The batch span processors report their queue size, capacity and drops
	// (otel.sdk.processor.span.*) when the SDK's observability feature is on
	// as they are created. It is turned on for them alone: on the tracer it
	// would add counter updates to every span.
	restore := setenvUnlessSet("OTEL_GO_X_OBSERVABILITY", "true")
	defer restore()
	if cfg.tracesFile != "" {
		exp, err := ndjson.New(ndjson.WithPath(cfg.tracesFile), ndjson.WithMeterProvider(s.providers.MeterProvider))
		if err != nil {
			return nil, errors.Join(fmt.Errorf("serve: --traces-file: %w", err), s.shutdown(ctx))
		}
		s.providers.AddSpanExporter(exp)
	}
	if otlpSpans != nil {
		s.providers.AddSpanExporter(otlpSpans)
		s.otlp = true
	}
	restore()
	if s.app, err = demo.New(demo.Config{Faults: cfg.demoFaults, MeterProvider: s.providers.MeterProvider}); err != nil {
		return nil, errors.Join(err, s.shutdown(ctx))
	}
	s.app.Register(r)
	r.Handle("/metrics", s.providers.MetricsHandler()).Methods(http.MethodGet)
	s.handler = s.providers.Handler(r)
	return s, nil
}

func (s *service) printBanner(w io.Writer, addr string) {
	base := "http://" + addr
	fmt.Fprintf(w, "sloguard serve\n")
	fmt.Fprintf(w, "  listening   %s\n", base)
	if s.providers != nil {
		fmt.Fprintf(w, "  metrics     %s/metrics\n", base)
		if s.cfg.tracesFile != "" {
			fmt.Fprintf(w, "  traces      %s\n", s.cfg.tracesFile)
		}
		if s.otlp {
			fmt.Fprintf(w, "  otlp        spans exported as OTEL_* variables configure\n")
		}
	} else {
		fmt.Fprintf(w, "  telemetry   off\n")
	}
}

// shutdown flushes and stops telemetry; it is safe to call once the HTTP
// server has stopped taking requests.
func (s *service) shutdown(ctx context.Context) error {
	if s.providers == nil {
		return nil
	}
	return s.providers.Shutdown(ctx)
}

// setenvUnlessSet sets key to value unless the operator set it, and returns
// a function that restores the previous state.
func setenvUnlessSet(key, value string) func() {
	if _, ok := os.LookupEnv(key); ok {
		return func() {}
	}
	os.Setenv(key, value)
	var once sync.Once
	return func() { once.Do(func() { os.Unsetenv(key) }) }
}
