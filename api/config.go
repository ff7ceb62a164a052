package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/sloguard/sloguard/slo"
)

// Engine is what the API reads: the SLO processor, or anything that can
// produce the same reports. It must be safe for concurrent use.
type Engine interface {
	// Report returns the latest report; false before the first evaluation.
	Report() (slo.Report, bool)
	// Evaluate evaluates every SLO now and returns the fresh report.
	Evaluate(ctx context.Context) (slo.Report, error)
	// Latency summarizes request latency over window, for one route
	// template or all routes when route is empty. The summary includes the
	// durations of the last 60 requests.
	Latency(ctx context.Context, window time.Duration, route string) (slo.LatencySummary, error)
}

// windowedEngine is an Engine that knows the longest window it can answer
// (slo.Processor: the longest SLO window, the history it keeps). The API
// takes Config.MaxWindow from it, so that no default asks the engine for a
// window it would refuse.
type windowedEngine interface {
	LongestWindow() time.Duration
}

// Defaults for the zero values of Config.
const (
	DefaultMaxWindow        = slo.DefaultWindow
	DefaultLatencyWindow    = 24 * time.Hour
	DefaultAuthFailures     = 10
	DefaultAuthFailurePer   = time.Minute
	DefaultAuthMaxClients   = 10000
	MinLatencyWindow        = time.Minute
	maxRouteParameterLength = 256
)

// Config configures a Server. Engine and Key are required; every other field
// has a default.
type Config struct {
	// Engine provides the reports and latency summaries.
	Engine Engine
	// Key is the dashboard key that requests under /api/observability/
	// must present in the X-Dash-Key header. The Server keeps only its
	// SHA-256 digest.
	Key []byte
	// Logger receives a line per refused request (client address and reason,
	// never the key) and per engine failure. Default: discard.
	Logger *slog.Logger
	// MaxWindow is the longest latency window a client may ask for.
	// Default: the engine's longest window when it has a LongestWindow
	// method (slo.Processor does: its longest SLO window), else 30 days.
	// Set above the engine's longest window, it is an error.
	MaxWindow time.Duration
	// MeterProvider, when set, provides the sloguard.api.auth.failures
	// counter. Default: no metrics.
	MeterProvider metric.MeterProvider
	// AuthFailures limits failed key attempts per client address.
	AuthFailures RateLimit
	// ClientAddress names the client of a request for the rate limit.
	// Default: the host part of r.RemoteAddr. Set it when a reverse proxy
	// stands in front, to read the address the proxy forwards.
	ClientAddress func(r *http.Request) string
}

// RateLimit is a token bucket per client address: Failures failed attempts
// at once, refilled at Failures per Per.
type RateLimit struct {
	// Failures is the size of the bucket. Default: 10.
	Failures int
	// Per is the time the bucket takes to refill completely. Default: 1m.
	Per time.Duration
	// MaxClients bounds the number of addresses tracked. Default: 10000.
	MaxClients int
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxWindow == 0 {
		c.MaxWindow = DefaultMaxWindow
		if w, ok := c.Engine.(windowedEngine); ok && w.LongestWindow() > 0 {
			c.MaxWindow = max(w.LongestWindow(), MinLatencyWindow)
		}
	}
	if c.AuthFailures.Failures == 0 {
		c.AuthFailures.Failures = DefaultAuthFailures
	}
	if c.AuthFailures.Per == 0 {
		c.AuthFailures.Per = DefaultAuthFailurePer
	}
	if c.AuthFailures.MaxClients == 0 {
		c.AuthFailures.MaxClients = DefaultAuthMaxClients
	}
	if c.ClientAddress == nil {
		c.ClientAddress = remoteHost
	}
	return c
}

// Validate reports every problem of c, zero values standing for their
// defaults. The messages never contain the key.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Engine == nil {
		errs = append(errs, errors.New("api: Config.Engine is nil: the API needs an SLO engine to serve"))
	}
	if err := CheckKey(c.Key); err != nil {
		errs = append(errs, fmt.Errorf("api: Config.Key %w", err))
	}
	if c.MaxWindow < MinLatencyWindow {
		errs = append(errs, fmt.Errorf("api: Config.MaxWindow is %s: it must be at least %s", c.MaxWindow, slo.WindowName(MinLatencyWindow)))
	} else if w, ok := c.Engine.(windowedEngine); ok && w.LongestWindow() > 0 && c.MaxWindow > max(w.LongestWindow(), MinLatencyWindow) {
		errs = append(errs, fmt.Errorf("api: Config.MaxWindow is %s: the engine answers windows up to %s (leave it 0 to take the engine's)", slo.WindowName(c.MaxWindow), slo.WindowName(w.LongestWindow())))
	}
	if c.AuthFailures.Failures < 0 {
		errs = append(errs, fmt.Errorf("api: Config.AuthFailures.Failures is %d: it must be positive (0 for the default %d)", c.AuthFailures.Failures, DefaultAuthFailures))
	}
	if c.AuthFailures.Per < 0 {
		errs = append(errs, fmt.Errorf("api: Config.AuthFailures.Per is %s: it must be positive (0 for the default %s)", c.AuthFailures.Per, DefaultAuthFailurePer))
	}
	if c.AuthFailures.MaxClients < 0 {
		errs = append(errs, fmt.Errorf("api: Config.AuthFailures.MaxClients is %d: it must be positive (0 for the default %d)", c.AuthFailures.MaxClients, DefaultAuthMaxClients))
	}
	return errors.Join(errs...)
}
