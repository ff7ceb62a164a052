package slo

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// Defaults of Config.
const (
	DefaultSampleInterval = time.Minute
	DefaultEvalInterval   = 15 * time.Minute
	DefaultMaxPending     = 60
	// TickMetric counts the evaluations of the processor.
	TickMetric = "sloguard.scheduler.ticks"
	// scopeName is the instrumentation scope of the processor's own metrics.
	scopeName = "github.com/sloguard/sloguard/slo"
)

// Config configures a Processor. The zero value of every field but Spec
// and one of Store or Windows means its default.
type Config struct {
	Spec Spec
	// Source produces samples (the OTel source), written to Store every
	// SampleInterval. Nil for a source that answers windows itself
	// (Windows), or to evaluate what Store already holds.
	Source Collector
	// Store keeps the samples of Source, and the firing alerts across
	// restarts. Required with Source.
	Store Store
	// Windows answers window counts; default: Store.
	Windows WindowReader
	// Latency answers latency histograms; default: Store. Without either,
	// reports have no actual_ms and Latency returns an error.
	Latency LatencyReader
	// SourceName is the report's source: "otel" by default.
	SourceName string
	// Sinks receive the alerts after every evaluation. A failing sink is
	// logged and does not stop the evaluation or the other sinks.
	Sinks []Sink
	// SampleInterval (default 1m) is how often Source is collected;
	// EvalInterval (default 15m) how often the SLOs are evaluated.
	SampleInterval time.Duration
	EvalInterval   time.Duration
	// ReportPath is where every report is written (atomically), directories
	// created; empty means no file. `sloguard serve` writes
	// logs/slo_report.json.
	ReportPath string
	// MeterProvider receives the processor's tick counter
	// (sloguard.scheduler.ticks); default: none.
	MeterProvider metric.MeterProvider
	// Logger gets one line per evaluation and the errors of the background
	// loop; default slog.Default().
	Logger *slog.Logger
	// Clock gives sample and evaluation times; default SystemClock().
	Clock Clock
	// Recent returns the durations (ms) of the last requests of a route
	// ("" for every route), oldest first, for LatencySummary.Recent60.
	Recent func(route string) []float64
	// MaxPending bounds the samples kept in memory while Store fails
	// (default 60). Past it the oldest two are merged into one: events are
	// never dropped, only their timing coarsened.
	MaxPending int
}

// withDefaults returns c with its zero fields defaulted.
func (c Config) withDefaults() Config {
	if c.Windows == nil && !isNil(c.Store) { // Validate names a nil *T

		c.Windows = StoreWindows(c.Store)
	}
	if c.Latency == nil && !isNil(c.Store) {
		c.Latency = c.Store
	}
	if c.SourceName == "" {
		c.SourceName = "otel"
	}
	if c.SampleInterval == 0 {
		c.SampleInterval = DefaultSampleInterval
	}
	if c.EvalInterval == 0 {
		c.EvalInterval = DefaultEvalInterval
	}
	if c.MeterProvider == nil {
		c.MeterProvider = noop.NewMeterProvider()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = SystemClock()
	}
	if c.MaxPending == 0 {
		c.MaxPending = DefaultMaxPending
	}
	return c
}

// Validate reports what makes c unusable, every problem at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Store != nil && isNil(c.Store) {
		bad("Store is a nil %T: open the store first, and check the error its Open returned", c.Store)
		c.Store = nil
	}
	if len(c.Spec.SLOs) == 0 {
		bad("spec: no SLO")
	}
	seen := map[string]bool{}
	for i, s := range c.Spec.SLOs {
		switch {
		case s.Name == "":
			bad("spec: slos[%d]: no name", i)
		case seen[s.Name]:
			bad("spec: slos[%d]: duplicate name %q", i, s.Name)
		}
		seen[s.Name] = true
		if s.Window <= 0 {
			bad("spec: SLO %q: window %s is not positive", s.Name, s.Window)
		}
	}
	if c.Source != nil && c.Store == nil {
		bad("a Source needs a Store to keep its samples")
	}
	if c.Store == nil && c.Windows == nil {
		bad("no Store and no Windows: nothing to read window counts from")
	}
	if c.SampleInterval < 0 {
		bad("sample interval %s is negative", c.SampleInterval)
	}
	if c.EvalInterval < 0 {
		bad("evaluation interval %s is negative", c.EvalInterval)
	}
	if c.MaxPending < 0 {
		bad("max pending %d is negative", c.MaxPending)
	}
	if c.ReportPath != "" {
		if st, err := os.Stat(c.ReportPath); err == nil && st.IsDir() {
			bad("report path %s is a directory", c.ReportPath)
		}
	}
	for i, s := range c.Sinks {
		if s == nil {
			bad("sinks[%d] is nil", i)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("slo processor config: %w", errors.Join(errs...))
	}
	return nil
}

// isNil reports whether s is nil or an interface holding a nil pointer (the
// *sqlite.Store of an Open whose error was ignored).
func isNil(s Store) bool {
	if s == nil {
		return true
	}
	v := reflect.ValueOf(s)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
