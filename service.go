package sloguard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/gorilla/mux"

	"github.com/sloguard/sloguard/api"
	"github.com/sloguard/sloguard/exporters/alertfile"
	"github.com/sloguard/sloguard/exporters/ndjson"
	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/instrumentation"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/otelsource"
	slospec "github.com/sloguard/sloguard/slo/spec"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// Service is the pipeline New starts. Mount it with Handler; stop it with
// Shutdown once the HTTP server has stopped taking requests.
type Service struct {
	spec      slo.Spec
	providers *instrumentation.Providers
	store     *sqlite.Store
	processor *slo.Processor
	sinks     []shutdowner
	api       *api.Server

	gate     gate
	handler  sync.Once
	shutOnce sync.Once
	shutErr  error
}

// shutdowner is what sinks and exporters have in common.
type shutdowner interface {
	Shutdown(ctx context.Context) error
}

// New starts the pipeline for the caller's SLOs: providers (with the SLO
// source's readers), the trace file, the store, the alert sinks, the
// processor (started: it samples and evaluates in the background) and the
// API. On error, whatever was started is stopped again.
func New(ctx context.Context, opts ...Option) (s *Service, err error) {
	c := config{dataDir: DefaultDataDir, tracesFile: DefaultTracesFile, reportFile: DefaultReportFile, alertsFile: DefaultAlertsFile}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	s = &Service{}
	started := s
	defer func() {
		if err != nil {
			err = errors.Join(err, started.stop(context.Background()))
		}
	}()
	if s.spec, err = c.loadSpec(); err != nil {
		return nil, err
	}
	if !c.keySet {
		return nil, errors.New("sloguard: New: no dashboard key: give one with WithDashboardKey (the API is never open without one)")
	}
	if err := api.CheckKey(c.key); err != nil {
		return nil, fmt.Errorf("sloguard: New: WithDashboardKey: the key %w", err)
	}
	if c.dataDir == "" {
		return nil, errors.New("sloguard: New: WithDataDir: empty: the SLI history needs a directory")
	}
	if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("sloguard: New: WithDataDir: %w", err)
	}

	source, err := otelsource.New(s.spec, otelsource.WithBucketBoundaries(httpmetrics.BucketBoundaries()))
	if err != nil {
		return nil, fmt.Errorf("sloguard: New: SLO source: %w", err)
	}
	iopts := []instrumentation.Option{
		instrumentation.WithServiceName(s.spec.Service),
		instrumentation.WithLogger(c.logger),
		instrumentation.WithDiskPath(c.dataDir),
	}
	for _, rd := range source.Readers() {
		iopts = append(iopts, instrumentation.WithReader(rd))
	}
	if s.providers, err = instrumentation.New(ctx, append(iopts, c.instrumentation...)...); err != nil {
		return nil, fmt.Errorf("sloguard: New: providers: %w", err)
	}
	if c.tracesFile != "" {
		exp, err := ndjson.New(ndjson.WithPath(c.tracesFile), ndjson.WithMeterProvider(s.providers.MeterProvider))
		if err != nil {
			return nil, fmt.Errorf("sloguard: New: WithTracesFile: %w", err)
		}
		s.providers.AddSpanExporter(exp)
	}

	storePath := filepath.Join(c.dataDir, StoreFile)
	if s.store, err = sqlite.Open(storePath); err != nil {
		return nil, fmt.Errorf("sloguard: New: store %s: %w", storePath, err)
	}
	sinks := c.sinks
	if c.alertsFile != "" {
		f, err := alertfile.New(c.alertsFile)
		if err != nil {
			return nil, fmt.Errorf("sloguard: New: WithAlertsFile: %w", err)
		}
		s.sinks = append(s.sinks, f)
		sinks = append([]slo.Sink{f}, sinks...)
	}
	for _, k := range c.sinks {
		if sd, ok := k.(shutdowner); ok {
			s.sinks = append(s.sinks, sd)
		}
	}
	if s.processor, err = slo.NewProcessor(slo.Config{
		Spec:           s.spec,
		Source:         source,
		Store:          s.store,
		Sinks:          sinks,
		SampleInterval: c.sampleInterval,
		EvalInterval:   c.evalInterval,
		ReportPath:     c.reportFile,
		MeterProvider:  s.providers.MeterProvider,
		Logger:         c.logger,
		Recent:         func(route string) []float64 { return s.providers.Recent(route, 60) },
	}); err != nil {
		return nil, fmt.Errorf("sloguard: New: %w", err)
	}
	if err := s.processor.Start(ctx); err != nil {
		return nil, fmt.Errorf("sloguard: New: starting the SLO processor: %w", err)
	}
	if s.api, err = api.New(api.Config{Engine: s.processor, Key: c.key, Logger: c.logger, MeterProvider: s.providers.MeterProvider}); err != nil {
		return nil, fmt.Errorf("sloguard: New: %w", err)
	}
	return s, nil
}

func (c config) loadSpec() (slo.Spec, error) {
	switch {
	case c.spec != nil && c.specFile != "":
		return slo.Spec{}, errors.New("sloguard: New: WithSpec and WithSpecFile both given: choose one")
	case c.spec != nil:
		if err := c.spec.Validate(httpmetrics.BucketBoundaries()); err != nil {
			return slo.Spec{}, fmt.Errorf("sloguard: New: WithSpec: %w", err)
		}
		return *c.spec, nil
	case c.specFile != "":
		spec, warnings, err := slospec.Load([]string{c.specFile}, slospec.WithBucketBoundaries(httpmetrics.BucketBoundaries()))
		if err != nil {
			return slo.Spec{}, fmt.Errorf("sloguard: New: WithSpecFile: %w", err)
		}
		for _, w := range warnings {
			c.logger.Warn("SLO spec", "warning", fmt.Sprint(w))
		}
		return spec, nil
	}
	return slo.Spec{}, errors.New("sloguard: New: no SLOs: give them with WithSpecFile or WithSpec")
}

// Handler mounts /metrics, the observability API and the dashboard on r and
// returns r instrumented: spans named by route template, metrics, the SLO
// source fed by every request. Register r's own routes before or after;
// set r's NotFoundHandler and MethodNotAllowedHandler before. Call it once
// per Service: later calls return the first handler.
func (s *Service) Handler(r *mux.Router) http.Handler {
	s.handler.Do(func() {
		r.Handle("/metrics", s.providers.MetricsHandler()).Methods(http.MethodGet)
		s.api.Register(r)
		next := s.providers.Handler(r)
		s.gate.mu.Lock()
		s.gate.next = next
		s.gate.mu.Unlock()
	})
	return &s.gate
}

// Processor is the SLO processor, for Evaluate, Report and Latency.
func (s *Service) Processor() *slo.Processor { return s.processor }

// Providers are the tracer and meter providers, for the service's own
// instruments and spans.
func (s *Service) Providers() *instrumentation.Providers { return s.providers }

// Shutdown stops everything in order: the handler refuses new requests
// (503) and waits for those in flight, the processor takes its last sample
// and evaluation, the sinks deliver and stop, the store closes, and the
// providers flush the last spans and metrics. Stop the http.Server first
// (http.Server.Shutdown) so that no connection is left waiting. ctx bounds
// the whole; every step runs even when an earlier one failed.
func (s *Service) Shutdown(ctx context.Context) error {
	s.shutOnce.Do(func() { s.shutErr = s.stop(ctx) })
	return s.shutErr
}

func (s *Service) stop(ctx context.Context) error {
	var errs []error
	if err := s.gate.close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("sloguard: Shutdown: requests in flight: %w", err))
	}
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
		errs = append(errs, s.providers.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
