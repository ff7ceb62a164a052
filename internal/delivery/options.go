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

// Options are what every network sink is configured with: the receiver's
// URL, the client posts go through, the bounds of one post, of the queue
// and of the retries, and where problems are logged and counted. A sink
// embeds them in its config, wraps each Option in an Option of its own
// (the With functions keep the names the errors quote), and adds what is
// its own.
type Options struct {
	rawURL        string
	client        *http.Client
	clientSet     bool
	timeout       time.Duration
	queueSize     int
	backoff       Backoff
	logger        *slog.Logger
	meterProvider metric.MeterProvider
}

// NewOptions returns the defaults: no URL (it is required), a client of the
// sink's own, DefaultTimeout, DefaultQueueSize, the default backoff,
// slog.Default() and counters that go nowhere.
func NewOptions() Options {
	return Options{
		timeout:       DefaultTimeout,
		queueSize:     DefaultQueueSize,
		backoff:       Backoff{Initial: DefaultInitialBackoff, Max: DefaultMaxBackoff},
		logger:        slog.Default(),
		meterProvider: noop.NewMeterProvider(),
	}
}

// Option sets one of the Options.
type Option func(*Options)

// WithURL sets where the sink posts.
func WithURL(u string) Option {
	return func(o *Options) { o.rawURL = u }
}

// WithHTTPClient sets the client that posts; nil is refused.
func WithHTTPClient(c *http.Client) Option {
	return func(o *Options) { o.client, o.clientSet = c, true }
}

// WithTimeout bounds each post.
func WithTimeout(d time.Duration) Option {
	return func(o *Options) { o.timeout = d }
}

// WithQueueSize sets how many posts may wait for delivery.
func WithQueueSize(n int) Option {
	return func(o *Options) { o.queueSize = n }
}

// WithRetryBackoff sets the delay before the first retry of a failed post
// and the most it grows to.
func WithRetryBackoff(initial, max time.Duration) Option {
	return func(o *Options) { o.backoff = Backoff{Initial: initial, Max: max} }
}

// WithLogger sets where delivery problems are logged; nil is refused.
func WithLogger(l *slog.Logger) Option {
	return func(o *Options) { o.logger = l }
}

// WithMeterProvider sets where the counters go; nil is refused.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *Options) { o.meterProvider = mp }
}

// Validate parses the URL and returns it with every problem of the
// options, each error naming the With function that set the wrong value,
// so that one call to a sink's New reports them all.
func (o *Options) Validate() (*url.URL, []error) {
	var errs []error
	u, err := endpoint.Parse(o.rawURL)
	switch {
	case errors.Is(err, endpoint.ErrEmpty):
		errs = append(errs, errors.New("WithURL: empty URL: name the receiver, e.g. http://localhost:9093"))
	case err != nil:
		errs = append(errs, fmt.Errorf("WithURL: %w", err))
	}
	if o.clientSet && o.client == nil {
		errs = append(errs, errors.New("WithHTTPClient: nil client"))
	}
	if o.timeout <= 0 {
		errs = append(errs, fmt.Errorf("WithTimeout(%v): must be positive", o.timeout))
	}
	if o.queueSize < 1 {
		errs = append(errs, fmt.Errorf("WithQueueSize(%d): must be at least 1", o.queueSize))
	}
	if err := o.backoff.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("WithRetryBackoff: %w", err))
	}
	if o.logger == nil {
		errs = append(errs, errors.New("WithLogger: nil logger"))
	}
	if o.meterProvider == nil {
		errs = append(errs, errors.New("WithMeterProvider: nil MeterProvider"))
	}
	return u, errs
}

// Client returns the client posts go through: the one of WithHTTPClient,
// whose connections are its owner's, or else a client of the sink's own
// (endpoint.NewClient: it refuses redirects) and the function that closes its connections, for
// Config.OnStop.
func (o *Options) Client() (c *http.Client, onStop func()) {
	if o.client != nil {
		return o.client, nil
	}
	c = endpoint.NewClient()
	return c, c.CloseIdleConnections
}

// StartQueue starts a queue as Start does, with the queue size, timeout,
// backoff, logger and meter provider of o in place of cfg's.
func StartQueue[T any](o Options, cfg Config[T]) (*Queue[T], error) {
	cfg.QueueSize = o.queueSize
	cfg.Timeout = o.timeout
	cfg.Backoff = o.backoff
	cfg.Logger = o.logger
	cfg.MeterProvider = o.meterProvider
	return Start(cfg)
}

// Configure applies opts to the config of a sink in order, then checks it
// with validate (which calls Options.Validate and adds the sink's own
// checks) and returns the parsed URL. A nil Option is an error; so is every
// problem validate finds, all of them joined in one.
func Configure[C any, O ~func(*C)](cfg *C, opts []O, validate func() (*url.URL, []error)) (*url.URL, error) {
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("nil Option")
		}
		o(cfg)
	}
	u, errs := validate()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("invalid options: %w", err)
	}
	return u, nil
}
