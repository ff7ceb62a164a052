package sloguard

import (
	"log/slog"
	"time"

	"github.com/sloguard/sloguard/instrumentation"
	"github.com/sloguard/sloguard/slo"
)

// Defaults of New, the paths sloguard serve uses.
const (
	DefaultDataDir    = "data"
	DefaultTracesFile = "logs/http_traces.ndjson"
	DefaultReportFile = "logs/slo_report.json"
	DefaultAlertsFile = "logs/production_alerts.ndjson"
	// StoreFile is the SLI history's file name inside the data directory.
	StoreFile = "sloguard.db"
)

// Option configures New.
type Option func(*config)

type config struct {
	spec            *slo.Spec
	specFile        string
	key             []byte
	keySet          bool
	dataDir         string
	tracesFile      string
	reportFile      string
	alertsFile      string
	sinks           []slo.Sink
	sampleInterval  time.Duration
	evalInterval    time.Duration
	logger          *slog.Logger
	instrumentation []instrumentation.Option
}

// WithSpec gives the SLOs in code. One of WithSpec or WithSpecFile is
// required.
func WithSpec(spec slo.Spec) Option { return func(c *config) { c.spec = &spec } }

// WithSpecFile reads the SLOs from a spec file (sloguard/v1 or OpenSLO v1,
// see docs/SLOS.md).
func WithSpecFile(path string) Option { return func(c *config) { c.specFile = path } }

// WithDashboardKey is the key requests under /api/observability/ must send
// in X-Dash-Key, at least api.MinKeyLength characters. Required: the
// endpoints are never open by accident.
func WithDashboardKey(key []byte) Option {
	return func(c *config) { c.key, c.keySet = key, true }
}

// WithDataDir is the directory of the SLI history store (StoreFile inside
// it), created if missing. Default: data.
func WithDataDir(dir string) Option { return func(c *config) { c.dataDir = dir } }

// WithTracesFile is the NDJSON file spans are written to; "" for none.
// Default: logs/http_traces.ndjson.
func WithTracesFile(path string) Option { return func(c *config) { c.tracesFile = path } }

// WithReportFile is where every evaluation's report is written; "" for
// none. Default: logs/slo_report.json.
func WithReportFile(path string) Option { return func(c *config) { c.reportFile = path } }

// WithAlertsFile is the NDJSON file alerts are appended to; "" for none.
// Default: logs/production_alerts.ndjson.
func WithAlertsFile(path string) Option { return func(c *config) { c.alertsFile = path } }

// WithSinks adds alert sinks (exporters/alertmanager, exporters/webhook, or
// your own). A sink with a Shutdown(ctx) error method is shut down by
// Service.Shutdown, after the processor's last evaluation.
func WithSinks(sinks ...slo.Sink) Option {
	return func(c *config) { c.sinks = append(c.sinks, sinks...) }
}

// WithIntervals sets how often SLI counts are sampled and the SLOs
// evaluated (defaults slo.DefaultSampleInterval, slo.DefaultEvalInterval).
func WithIntervals(sample, eval time.Duration) Option {
	return func(c *config) { c.sampleInterval, c.evalInterval = sample, eval }
}

// WithLogger receives the processor's evaluations and background errors.
// Default: slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithInstrumentation passes options to instrumentation.New, after the
// ones New sets (service name, logger, disk path, SLO readers): an OTLP
// span exporter or reader, a sampler, resource attributes.
func WithInstrumentation(opts ...instrumentation.Option) Option {
	return func(c *config) { c.instrumentation = append(c.instrumentation, opts...) }
}
