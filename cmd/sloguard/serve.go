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
	"path/filepath"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel"

	"github.com/sloguard/sloguard/api"
	"github.com/sloguard/sloguard/exporters/alertfile"
	"github.com/sloguard/sloguard/exporters/ndjson"
	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/instrumentation"
	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/otelsource"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// serveConfig holds the flags of `sloguard serve`.
type serveConfig struct {
	addr            string
	demoFaults      bool
	telemetry       string
	tracesFile      string
	shutdownTimeout time.Duration
	readHeaderTO    time.Duration
	readTO          time.Duration
	logLevel        string

	sloFiles        specFiles
	dataDir         string
	reportFile      string
	alertsFile      string
	sampleInterval  time.Duration
	evalInterval    time.Duration
	dashKeyFile     string
	source          string
	prometheusURL   string
	prometheusMatch matcherFlags
	alertmanagerURL string
	webhookURL      string

	listen listenConfig
}

func (c *serveConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on")
	fs.BoolVar(&c.demoFaults, "demo-faults", false, "let ?simulate=error and ?simulate=slow&ms=N inject faults into the demo routes")
	fs.StringVar(&c.telemetry, "telemetry", "on", "on, or off to serve the same routes with no instrumentation (for benchmarks)")
	fs.StringVar(&c.tracesFile, "traces-file", "logs/http_traces.ndjson", "NDJSON file spans are written to (empty: none)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long requests in flight may take to finish at shutdown")
	fs.DurationVar(&c.readHeaderTO, "read-header-timeout", 5*time.Second, "how long a client may take to send a request's headers")
	fs.DurationVar(&c.readTO, "read-timeout", 30*time.Second, "how long a client may take to send a whole request, body included")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.Var(&c.sloFiles, "slo-file", "SLO spec `file`, directory or - (sloguard/v1 or OpenSLO v1; repeatable, or a comma list; read together); default: the built-in SLOs")
	fs.StringVar(&c.dataDir, "data-dir", "data", "`directory` of the SLI history store")
	fs.StringVar(&c.reportFile, "report-file", demo.ReportPath, "where each evaluation's report is written (empty: none)")
	fs.StringVar(&c.alertsFile, "alerts-file", "logs/production_alerts.ndjson", "NDJSON file alerts are appended to (empty: none)")
	fs.DurationVar(&c.sampleInterval, "sample-interval", slo.DefaultSampleInterval, "how often SLI counts are collected and stored")
	fs.DurationVar(&c.evalInterval, "eval-interval", slo.DefaultEvalInterval, "how often the SLOs are evaluated")
	fs.StringVar(&c.dashKeyFile, "dash-key-file", "", "`file` holding the dashboard key (default: $DASHBOARD_KEY, else a random key kept in dashboard.key in --data-dir)")
	fs.StringVar(&c.source, "source", "otel", "SLI source: otel (this process) or prometheus (PromQL over --prometheus-url)")
	fs.StringVar(&c.prometheusURL, "prometheus-url", "", "base `URL` of the Prometheus HTTP API, for --source prometheus")
	fs.Var(&c.prometheusMatch, "prometheus-match", "label `matcher` added to every PromQL query, like region=\"eu\" (repeatable)")
	fs.StringVar(&c.alertmanagerURL, "alertmanager-url", "", "base `URL` of an Alertmanager to post alerts to (v2 API)")
	fs.StringVar(&c.webhookURL, "webhook-url", "", "`URL` to POST alert changes to as JSON")
	c.listen.flags(fs)
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
	if c.readHeaderTO <= 0 || c.readTO <= 0 {
		return usageErr("serve: --read-header-timeout %v and --read-timeout %v: want positive durations", c.readHeaderTO, c.readTO)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return usageErr("serve: --log-level %q: want debug, info, warn or error", c.logLevel)
	}
	if c.sampleInterval < time.Second || c.evalInterval < time.Second {
		return usageErr("serve: --sample-interval %v and --eval-interval %v: want at least 1s", c.sampleInterval, c.evalInterval)
	}
	switch c.source {
	case "otel":
		if c.prometheusURL != "" {
			return usageErr("serve: --prometheus-url is for --source prometheus")
		}
	case "prometheus":
		if c.prometheusURL == "" {
			return usageErr("serve: --source prometheus needs --prometheus-url")
		}
	default:
		return usageErr("serve: --source %q: want otel or prometheus", c.source)
	}
	if c.dataDir == "" {
		return usageErr("serve: --data-dir must not be empty")
	}
	return c.listen.validate()
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
	if err := checkOTelEnv(os.Getenv); err != nil {
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
		// 5s, a whole request within 30s by default; responses may be slowed on
		// purpose by up to demo.MaxSlow.
		ReadHeaderTimeout: cfg.readHeaderTO,
		ReadTimeout:       cfg.readTO,
		WriteTimeout:      demo.MaxSlow + 20*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- cfg.listen.serve(ln, srv, logger) }()
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
	logger    *slog.Logger
	app       *demo.App
	providers *instrumentation.Providers // nil with --telemetry=off
	handler   http.Handler
	otlp      bool

	spec      slo.Spec
	store     *sqlite.Store
	processor *slo.Processor
	sinks     []shutdowner
	key       dashKey
}

// shutdowner is what the alert sinks have in common with exporters.
type shutdowner interface {
	Shutdown(ctx context.Context) error
}

func newService(ctx context.Context, cfg serveConfig, logger *slog.Logger) (s *service, err error) {
	s = &service{cfg: cfg, logger: logger}
	// the returns below set s to nil: shut down what was started through a
	// copy of the pointer.
	started := s
	defer func() {
		if err != nil {
			err = errors.Join(err, started.shutdown(context.Background()))
		}
	}()
	r := mux.NewRouter()
	if cfg.telemetry == "off" {
		if s.app, err = demo.New(demo.Config{Faults: cfg.demoFaults}); err != nil {
			return nil, err
		}
		s.app.Register(r)
		s.handler = r
		return s, nil
	}
	if len(cfg.sloFiles) == 0 {
		s.spec = demo.Spec()
	} else {
		var warnings []slo.Problem
		if s.spec, warnings, err = loadSpecFiles(cfg.sloFiles); err != nil {
			return nil, usageErr("serve: --slo-file: %v", err)
		}
		for _, w := range warnings {
			logger.Warn("SLO spec", "problem", w.String())
		}
	}
	if cfg.source == "otel" {
		if err := embeddedCanRun(s.spec); err != nil {
			return nil, usageErr("serve: --slo-file: %v", err)
		}
	}
	if s.key, err = serveDashKey(cfg.dashKeyFile, cfg.dataDir); err != nil {
		return nil, usageErr("serve: %v", err)
	}
	sampler, err := instrumentation.SamplerFromEnv()
	if err != nil {
		return nil, usageErr("serve: %v", err)
	}

	// main owns the OTel globals: exporters report errors through the
	// global handler and log through the global logger, and the SDK's own
	// metrics (span queue size and drops) go to the global MeterProvider.
	installOTelLogging(logger)
	iopts := []instrumentation.Option{
		instrumentation.WithLogger(logger),
		instrumentation.WithServiceName(s.spec.Service),
		instrumentation.WithDiskPath(cfg.dataDir),
		instrumentation.WithSampler(sampler),
	}
	if cfg.listen.publicEndpoint {
		iopts = append(iopts, instrumentation.WithPublicEndpoint())
	}
	var source *otelsource.Source
	if cfg.source == "otel" {
		if source, err = otelsource.New(s.spec, otelsource.WithBucketBoundaries(httpmetrics.BucketBoundaries()), otelsource.WithLogger(logger)); err != nil {
			return nil, err
		}
		for _, rd := range source.Readers() {
			iopts = append(iopts, instrumentation.WithReader(rd))
		}
	}
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
	if s.providers, err = instrumentation.New(ctx, iopts...); err != nil {
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
			return nil, usageErr("serve: --traces-file: %v", err)
		}
		s.providers.AddSpanExporter(exp)
	}
	if otlpSpans != nil {
		s.providers.AddSpanExporter(otlpSpans)
		s.otlp = true
	}
	restore()

	if s.app, err = demo.New(demo.Config{Faults: cfg.demoFaults, MeterProvider: s.providers.MeterProvider}); err != nil {
		return nil, err
	}
	if err := s.startProcessor(ctx, source); err != nil {
		return nil, err
	}
	apiSrv, err := api.New(api.Config{
		Engine:        s.processor,
		Key:           s.key.value,
		Logger:        logger,
		MaxWindow:     longestWindow(s.spec),
		MeterProvider: s.providers.MeterProvider,
		ClientAddress: api.ForwardedFor(cfg.listen.proxies),
	})
	if err != nil {
		return nil, err
	}
	s.app.Register(r)
	apiSrv.Register(r)
	r.Handle("/metrics", s.providers.MetricsHandler()).Methods(http.MethodGet, http.MethodHead)
	s.handler = s.providers.Handler(r)
	return s, nil
}

// startProcessor opens the store and the alert sinks and starts the SLO
// processor on source (nil for --source prometheus).
func (s *service) startProcessor(ctx context.Context, source *otelsource.Source) error {
	cfg := s.cfg
	var err error
	if s.store, err = openDataDir(cfg.dataDir); err != nil {
		return err
	}
	var sinks []slo.Sink
	if cfg.alertsFile != "" {
		f, err := alertfile.New(cfg.alertsFile)
		if err != nil {
			return usageErr("serve: --alerts-file: %v", err)
		}
		s.sinks = append(s.sinks, f)
		sinks = append(sinks, f)
	}
	extra, err := networkSinks(cfg, s.providers.MeterProvider, s.logger)
	for _, k := range extra {
		s.sinks = append(s.sinks, k)
		sinks = append(sinks, k)
	}
	if err != nil {
		return err
	}
	pcfg := slo.Config{
		Spec:           s.spec,
		Store:          s.store,
		Sinks:          sinks,
		SampleInterval: cfg.sampleInterval,
		EvalInterval:   cfg.evalInterval,
		ReportPath:     cfg.reportFile,
		MeterProvider:  s.providers.MeterProvider,
		Logger:         s.logger,
		Recent:         func(route string) []float64 { return s.providers.Recent(route, 60) },
	}
	if source != nil {
		pcfg.Source = source
	} else {
		prom, err := prometheusSource(cfg.prometheusURL, cfg.prometheusMatch, s.logger)
		if err != nil {
			return err
		}
		pcfg.Windows = prom
		pcfg.SourceName = "prometheus"
	}
	if s.processor, err = slo.NewProcessor(pcfg); err != nil {
		return err
	}
	return s.processor.Start(ctx)
}

func longestWindow(spec slo.Spec) time.Duration {
	var w time.Duration
	for _, s := range spec.SLOs {
		w = max(w, s.Window)
	}
	return max(w, time.Minute)
}

func (s *service) printBanner(w io.Writer, addr string) {
	base := s.cfg.listen.scheme() + "://" + addr
	fmt.Fprintf(w, "sloguard serve\n")
	fmt.Fprintf(w, "  listening   %s\n", base)
	if s.providers == nil {
		fmt.Fprintf(w, "  telemetry   off\n")
		return
	}
	fmt.Fprintf(w, "  metrics     %s/metrics\n", base)
	fmt.Fprintf(w, "  dashboard   %s/dashboard\n", base)
	fmt.Fprintf(w, "  SLO API     %s/api/observability/slo (header X-Dash-Key)\n", base)
	if s.cfg.tracesFile != "" {
		fmt.Fprintf(w, "  traces      %s\n", s.cfg.tracesFile)
	}
	if s.otlp {
		fmt.Fprintf(w, "  otlp        spans exported as the OTEL_* variables configure\n")
	}
	if s.cfg.reportFile != "" {
		fmt.Fprintf(w, "  report      %s (every %v)\n", s.cfg.reportFile, s.cfg.evalInterval)
	}
	if s.cfg.alertsFile != "" {
		fmt.Fprintf(w, "  alerts      %s\n", s.cfg.alertsFile)
	}
	fmt.Fprintf(w, "  SLO store   %s\n", filepath.Join(s.cfg.dataDir, storeFile))
	fmt.Fprintf(w, "  SLOs        %d for service %s, source %s\n", len(s.spec.SLOs), s.spec.Service, s.cfg.source)
	fmt.Fprintf(w, "  key         %s\n", s.key.origin)
}

// shutdown stops the processor (a last sample and evaluation), the alert
// sinks, the store and telemetry, in that order; the HTTP server must have
// stopped taking requests.
func (s *service) shutdown(ctx context.Context) error {
	var errs []error
	if s.processor != nil {
		errs = append(errs, s.processor.Shutdown(ctx))
	}
	for _, k := range s.sinks {
		errs = append(errs, k.Shutdown(ctx))
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	if s.providers != nil {
		logLastExport(s.logger, s.providers.Shutdown(ctx))
	}
	return errors.Join(errs...)
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
