package ndjson

import (
	"errors"
	"fmt"
	"io"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

const (
	// DefaultPath is where the sloguard service writes its trace log. New
	// does not fall back to it: a library should not create files in the
	// working directory unless asked to.
	DefaultPath = "logs/http_traces.ndjson"

	// DefaultMaxSizeMB is the size in MiB at which the file is rotated.
	DefaultMaxSizeMB = 100

	// DefaultMaxBackups is how many rotated files are kept beside the
	// current one.
	DefaultMaxBackups = 5
)

// config is built by the options and checked by validate; it is never shared
// with callers so that New can reject contradictory settings.
type config struct {
	path          string
	pathSet       bool
	writer        io.Writer
	maxSizeMB     int
	maxSizeSet    bool
	maxBackups    int
	maxBackupsSet bool
	meterProvider metric.MeterProvider
}

func newConfig(opts []Option) (config, error) {
	cfg := config{
		maxSizeMB:     DefaultMaxSizeMB,
		maxBackups:    DefaultMaxBackups,
		meterProvider: noop.NewMeterProvider(),
	}
	for _, o := range opts {
		if o == nil {
			return config{}, errors.New("ndjson: nil Option")
		}
		o(&cfg)
	}
	return cfg, cfg.validate()
}

func (c config) validate() error {
	var errs []error
	switch {
	case c.pathSet && c.writer != nil:
		errs = append(errs, errors.New("WithPath and WithWriter are exclusive: choose one destination"))
	case !c.pathSet && c.writer == nil:
		errs = append(errs, errors.New("no destination: use WithPath or WithWriter"))
	case c.pathSet && c.path == "":
		errs = append(errs, errors.New("WithPath: empty path"))
	}
	if c.writer != nil && (c.maxSizeSet || c.maxBackupsSet) {
		errs = append(errs, errors.New("WithMaxSizeMB and WithMaxBackups apply to WithPath only: a writer is not rotated"))
	}
	if c.maxSizeMB < 1 {
		errs = append(errs, fmt.Errorf("WithMaxSizeMB(%d): must be at least 1", c.maxSizeMB))
	}
	if c.maxBackups < 1 {
		// lumberjack reads 0 as "keep every file", which would let the
		// log fill the disk: the number of kept files must be bounded.
		errs = append(errs, fmt.Errorf("WithMaxBackups(%d): must be at least 1", c.maxBackups))
	}
	if c.meterProvider == nil {
		errs = append(errs, errors.New("WithMeterProvider: nil MeterProvider"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("ndjson: invalid options: %w", errors.Join(errs...))
	}
	return nil
}

// Option configures an Exporter, as the With functions of the OTel SDK's
// own exporters do; unlike theirs it is a plain function over the
// unexported config, the one shape of options in this module.
type Option func(*config)

// WithPath writes spans to the file at path, creating it and its directory
// if needed, and rotates it by size (see WithMaxSizeMB and WithMaxBackups).
func WithPath(path string) Option {
	return func(c *config) {
		c.path = path
		c.pathSet = true
	}
}

// WithWriter writes spans to w. The exporter never closes w; it calls
// w.Flush() and w.Sync() on ForceFlush and Shutdown when w has them (a
// *bufio.Writer, an *os.File). Each batch is handed to w in one Write call
// of whole lines.
func WithWriter(w io.Writer) Option {
	return func(c *config) { c.writer = w }
}

// WithMaxSizeMB sets the size in MiB at which the file is rotated
// (default 100). A file never holds a partial line because of rotation.
func WithMaxSizeMB(mb int) Option {
	return func(c *config) {
		c.maxSizeMB = mb
		c.maxSizeSet = true
	}
}

// WithMaxBackups sets how many rotated files are kept (default 5); older
// ones are deleted.
func WithMaxBackups(n int) Option {
	return func(c *config) {
		c.maxBackups = n
		c.maxBackupsSet = true
	}
}

// WithMeterProvider makes the exporter report its own counters
// (sloguard.exporter.ndjson.spans, .errors and .dropped) to mp. Without it
// the counters go nowhere.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.meterProvider = mp }
}
