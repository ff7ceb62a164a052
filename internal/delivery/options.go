package delivery

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/sloguard/sloguard/internal/endpoint"
)

// Defaults of the options every sink takes.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultQueueSize = 100
)

// Option sets one of the settings every network sink takes: the receiver's
// URL, the client posts go through, the bounds of one post, of the queue
// and of the retries, and where problems are logged and counted. A sink
// gathers the Options its own options wrap (the With functions keep the
// names the errors quote) and hands them to Configure.
type Option func(*config)

// config is built by the Options over the defaults; it is never shared
// with callers, so that Resolve can check it once.
type config struct {
	rawURL        string
	client        *http.Client
	clientSet     bool
	timeout       time.Duration
	queueSize     int
	backoff       Backoff
	logger        *slog.Logger
	meterProvider metric.MeterProvider
}

// defaults: no URL (it is required), a client of the sink's own,
// DefaultTimeout, DefaultQueueSize, the default backoff, slog.Default()
// and counters that go nowhere.
func defaults() config {
	return config{
		timeout:       DefaultTimeout,
		queueSize:     DefaultQueueSize,
		backoff:       Backoff{Initial: DefaultInitialBackoff, Max: DefaultMaxBackoff},
		logger:        slog.Default(),
		meterProvider: noop.NewMeterProvider(),
	}
}

// WithURL sets where the sink posts.
func WithURL(u string) Option {
	return func(c *config) { c.rawURL = u }
}

// WithHTTPClient sets the client that posts; nil is refused.
func WithHTTPClient(cl *http.Client) Option {
	return func(c *config) { c.client, c.clientSet = cl, true }
}

// WithTimeout bounds each post, and the final attempt of Shutdown.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithQueueSize sets how many posts may wait for delivery.
func WithQueueSize(n int) Option {
	return func(c *config) { c.queueSize = n }
}

// WithRetryBackoff sets the delay before the first retry of a failed post
// and the most it grows to.
func WithRetryBackoff(initial, max time.Duration) Option {
	return func(c *config) { c.backoff = Backoff{Initial: initial, Max: max} }
}

// WithLogger sets where delivery problems are logged; nil is refused.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithMeterProvider sets where the counters go; nil is refused.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.meterProvider = mp }
}

// Settings are the checked outcome of a sink's delivery Options: the parsed
// URL and what StartQueue needs. Only Resolve and Configure make them.
type Settings struct {
	cfg config
	url *url.URL
}

// Resolve applies opts in order over the defaults and checks the result.
// It returns every problem, each naming the With function that set the
// wrong value, so that one call to a sink's New reports them all; the
// Settings are nil when there is one.
func Resolve(opts []Option) (*Settings, []error) {
	c := defaults()
	for _, o := range opts {
		if o == nil {
			return nil, []error{errors.New("nil Option")}
		}
		o(&c)
	}
	u, errs := c.validate()
	if len(errs) > 0 {
		return nil, errs
	}
	return &Settings{cfg: c, url: u}, nil
}

func (c *config) validate() (*url.URL, []error) {
	var errs []error
	u, err := endpoint.Parse(c.rawURL)
	switch {
	case errors.Is(err, endpoint.ErrEmpty):
		errs = append(errs, errors.New("WithURL: empty URL: name the receiver, e.g. http://localhost:9093"))
	case err != nil:
		errs = append(errs, fmt.Errorf("WithURL: %w", err))
	}
	if c.clientSet && c.client == nil {
		errs = append(errs, errors.New("WithHTTPClient: nil client"))
	}
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("WithTimeout(%v): must be positive", c.timeout))
	}
	if c.queueSize < 1 {
		errs = append(errs, fmt.Errorf("WithQueueSize(%d): must be at least 1", c.queueSize))
	}
	if err := c.backoff.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("WithRetryBackoff: %w", err))
	}
	if c.logger == nil {
		errs = append(errs, errors.New("WithLogger: nil logger"))
	}
	if c.meterProvider == nil {
		errs = append(errs, errors.New("WithMeterProvider: nil MeterProvider"))
	}
	return u, errs
}

// URL is the receiver's parsed URL.
func (s *Settings) URL() *url.URL { return s.url }

// Client returns the client posts go through: the one of WithHTTPClient,
// whose connections are its owner's, or else a client of the sink's own
// (endpoint.NewClient: it refuses redirects) and the function that closes
// its connections, for Config.OnStop.
func (s *Settings) Client() (c *http.Client, onStop func()) {
	if s.cfg.client != nil {
		return s.cfg.client, nil
	}
	c = endpoint.NewClient()
	return c, c.CloseIdleConnections
}

// StartQueue starts a queue as Start does, with the queue size, timeout,
// backoff, logger and meter provider of s in place of cfg's.
func StartQueue[T any](s *Settings, cfg Config[T]) (*Queue[T], error) {
	cfg.QueueSize = s.cfg.queueSize
	cfg.Timeout = s.cfg.timeout
	cfg.Backoff = s.cfg.backoff
	cfg.Logger = s.cfg.logger
	cfg.MeterProvider = s.cfg.meterProvider
	return Start(cfg)
}

// Configure applies a sink's opts to its config cfg in order, then resolves
// the delivery Options they gathered (shared(cfg)) and joins every problem
// of those with the ones own(cfg) finds in the sink's own settings. A nil
// Option is an error.
func Configure[C any, O ~func(*C)](cfg *C, opts []O, shared func(*C) []Option, own func(*C) []error) (*Settings, error) {
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("nil Option")
		}
		o(cfg)
	}
	s, errs := Resolve(shared(cfg))
	errs = append(errs, own(cfg)...)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("invalid options: %w", err)
	}
	return s, nil
}
