package instrumentation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sloguard/sloguard/httpmetrics"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// ScopeName is the instrumentation scope of the instruments this package
// creates itself (panics, runtime gauges).
const ScopeName = "github.com/sloguard/sloguard/instrumentation"

// defaultServiceName is the service.name used when neither WithServiceName
// nor OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES names one: what the
// OpenTelemetry specification and the SDK's resource.Default() give,
// "unknown_service:" and the executable's name.
func defaultServiceName() string {
	return "unknown_service:" + filepath.Base(os.Args[0])
}

// Providers holds the tracer and meter providers of a service and what
// serves its metrics.
type Providers struct {
	TracerProvider *sdktrace.TracerProvider
	MeterProvider  *sdkmetric.MeterProvider
	Resource       *resource.Resource
	// Registry is the Prometheus registry the OTel Prometheus exporter
	// writes to; MetricsHandler serves it.
	Registry *prometheus.Registry

	cfg        config
	sampler    sdktrace.Sampler // the one headSampler asks
	propagator propagation.TextMapPropagator
	recent     recentRing
	panics     metric.Int64Counter
	runtime    metric.Registration

	shutdownOnce sync.Once
	shutdownErr  error
}

type config struct {
	serviceName    string
	serverName     string
	resourceAttrs  []attribute.KeyValue
	readers        []sdkmetric.Reader
	spanProcessors []sdktrace.SpanProcessor
	spanExporters  []sdktrace.SpanExporter
	batchOpts      []sdktrace.BatchSpanProcessorOption
	sampler        sdktrace.Sampler
	runtimeMetrics bool
	diskPath       string
	logger         *slog.Logger
	cardinality    int
	publicEndpoint bool
}

// Option configures New.
type Option func(*config)

// WithServiceName sets the default service.name; OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES still override it, as in every OTel SDK.
func WithServiceName(name string) Option { return func(c *config) { c.serviceName = name } }

// WithServerName fixes the server.address attribute of HTTP metrics (by
// default "localhost"); otherwise it would come from the client's Host header.
func WithServerName(name string) Option { return func(c *config) { c.serverName = name } }

// WithResourceAttributes adds attributes to the resource.
func WithResourceAttributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) { c.resourceAttrs = append(c.resourceAttrs, attrs...) }
}

// WithReader adds a metric reader beside the Prometheus one, such as the SLO
// processor's ManualReader or an OTLP periodic reader.
func WithReader(r sdkmetric.Reader) Option {
	return func(c *config) { c.readers = append(c.readers, r) }
}

// WithSpanExporter exports spans to e through a BatchSpanProcessor (one per
// exporter, so a slow exporter cannot hold up another).
func WithSpanExporter(e sdktrace.SpanExporter) Option {
	return func(c *config) { c.spanExporters = append(c.spanExporters, e) }
}

// WithSpanProcessor adds a span processor as it is.
func WithSpanProcessor(sp sdktrace.SpanProcessor) Option {
	return func(c *config) { c.spanProcessors = append(c.spanProcessors, sp) }
}

// WithBatchOptions sets the options of the batch span processors created
// for WithSpanExporter (queue size, batch size, delays).
func WithBatchOptions(opts ...sdktrace.BatchSpanProcessorOption) Option {
	return func(c *config) { c.batchOpts = append(c.batchOpts, opts...) }
}

// WithSampler sets the sampler; without it OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG decide, as in every OTel SDK (default: parent
// based, always on), except that New refuses a value the SDK does not know
// instead of sampling everything. Handler consults it before otelhttp runs,
// without the span's start attributes (see decide).
func WithSampler(s sdktrace.Sampler) Option { return func(c *config) { c.sampler = s } }

// WithPublicEndpoint is for a service that internet clients reach: the
// trace context a request carries is never the parent of its span, only a
// link on it, and the sampler decides as for a new trace. Without it a
// client sending a sampled traceparent has its request traced whatever the
// sampling ratio (the default sampler is parent based), and picks the
// trace ID. This is otelhttp's public-endpoint mode, applied to the
// sampling decision Handler takes before otelhttp as well.
func WithPublicEndpoint() Option { return func(c *config) { c.publicEndpoint = true } }

// WithoutRuntimeMetrics turns off the uptime, cpu, memory and disk gauges.
func WithoutRuntimeMetrics() Option { return func(c *config) { c.runtimeMetrics = false } }

// WithDiskPath sets the file system whose usage system.filesystem.utilization
// reports (default: the working directory's).
func WithDiskPath(path string) Option { return func(c *config) { c.diskPath = path } }

// WithLogger sets where handler panics and background errors are logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithCardinalityLimit sets the most attribute sets per instrument (default
// 2000, the SDK's); past it points go to otel.metric.overflow=true.
func WithCardinalityLimit(n int) Option { return func(c *config) { c.cardinality = n } }

// New builds the providers. Nothing is global: pass TracerProvider and
// MeterProvider on, and call Shutdown at exit or spans are lost.
func New(ctx context.Context, opts ...Option) (*Providers, error) {
	cfg := config{
		serviceName:    defaultServiceName(),
		serverName:     "localhost",
		runtimeMetrics: true,
		diskPath:       ".",
		logger:         slog.Default(),
		cardinality:    2000,
	}
	for _, o := range opts {
		o(&cfg)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(cfg.serviceName)),
		resource.WithAttributes(cfg.resourceAttrs...),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithFromEnv(),
	)
	if err != nil && res == nil {
		return nil, fmt.Errorf("instrumentation: resource: %w", err)
	}
	// A partial resource (a detector failed) is still usable; the error is
	// not worth refusing to start for.

	reg := prometheus.NewRegistry()
	promExp, err := otelprom.New(
		otelprom.WithRegisterer(reg),
		otelprom.WithTranslationStrategy(httpmetrics.PrometheusTranslation),
		// Scope labels would repeat three long strings on every series of a
		// scrape; our metric names are unique across scopes without them.
		otelprom.WithoutScopeInfo(),
	)
	if err != nil {
		return nil, fmt.Errorf("instrumentation: prometheus exporter: %w", err)
	}
	mopts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithReader(promExp),
		// Exemplars cost about half a microsecond per request and nothing
		// here reads them.
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter),
		sdkmetric.WithCardinalityLimit(cfg.cardinality),
	}
	for _, r := range cfg.readers {
		mopts = append(mopts, sdkmetric.WithReader(r))
	}
	mp := sdkmetric.NewMeterProvider(mopts...)

	sampler := cfg.sampler
	if sampler == nil {
		if sampler, err = SamplerFromEnv(); err != nil {
			return nil, fmt.Errorf("instrumentation: %w", err)
		}
	}
	topts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(headSampler{sampler}),
		sdktrace.WithIDGenerator(idGenerator{}),
	}
	for _, e := range cfg.spanExporters {
		topts = append(topts, sdktrace.WithBatcher(e, cfg.batchOpts...))
	}
	for _, sp := range cfg.spanProcessors {
		topts = append(topts, sdktrace.WithSpanProcessor(sp))
	}
	tp := sdktrace.NewTracerProvider(topts...)

	p := &Providers{
		TracerProvider: tp,
		MeterProvider:  mp,
		Resource:       res,
		Registry:       reg,
		cfg:            cfg,
		sampler:        sampler,
		propagator:     newHeaderPropagator(),
	}
	meter := mp.Meter(ScopeName)
	p.panics, err = meter.Int64Counter("http.server.panics",
		metric.WithUnit("{panic}"),
		metric.WithDescription("Handler panics recovered and answered with a 500."))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("instrumentation: %w", err), p.Shutdown(ctx))
	}
	if cfg.runtimeMetrics {
		if p.runtime, err = registerRuntimeMetrics(meter, cfg.diskPath, time.Now()); err != nil {
			return nil, errors.Join(fmt.Errorf("instrumentation: runtime metrics: %w", err), p.Shutdown(ctx))
		}
	}
	return p, nil
}

// MetricsHandler serves the Prometheus exposition of the meter provider's
// metrics (GET /metrics).
func (p *Providers) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(p.Registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(p.cfg.logger.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// Propagator is the text map propagator the handler extracts context with
// (W3C trace context and baggage).
func (p *Providers) Propagator() propagation.TextMapPropagator { return p.propagator }

// ForceFlush exports every span ended so far and collects metrics readers
// that push; it honours ctx.
func (p *Providers) ForceFlush(ctx context.Context) error {
	return errors.Join(p.TracerProvider.ForceFlush(ctx), p.MeterProvider.ForceFlush(ctx))
}

// Shutdown flushes and stops the providers. It is idempotent: later calls
// return the first call's result.
func (p *Providers) Shutdown(ctx context.Context) error {
	p.shutdownOnce.Do(func() {
		var errs []error
		if p.runtime != nil {
			errs = append(errs, p.runtime.Unregister())
		}
		errs = append(errs, p.TracerProvider.Shutdown(ctx), p.MeterProvider.Shutdown(ctx))
		p.shutdownErr = errors.Join(errs...)
	})
	return p.shutdownErr
}

func metricAttr(kv ...attribute.KeyValue) metric.AddOption {
	return metric.WithAttributeSet(attribute.NewSet(kv...))
}

// AddSpanExporter exports spans to e through a new BatchSpanProcessor, for
// exporters that need the providers first (one that counts its errors with
// MeterProvider, say).
func (p *Providers) AddSpanExporter(e sdktrace.SpanExporter) {
	p.TracerProvider.RegisterSpanProcessor(sdktrace.NewBatchSpanProcessor(e, p.cfg.batchOpts...))
}
