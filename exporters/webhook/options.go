package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"golang.org/x/net/http/httpguts"

	"github.com/sloguard/sloguard/internal/delivery"
)

// Defaults of the options.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultQueueSize = 100
)

// Option configures a Sink.
type Option func(*config)

type config struct {
	rawURL        string
	header        http.Header
	badHeaders    []error
	client        *http.Client
	clientSet     bool
	timeout       time.Duration
	queueSize     int
	backoff       delivery.Backoff
	logger        *slog.Logger
	meterProvider metric.MeterProvider
}

// reservedHeaders are set by the sink or by net/http from the request.
var reservedHeaders = []string{"Content-Type", "Content-Length", "Host", "Transfer-Encoding"}

func newConfig(opts []Option) (config, *url.URL, error) {
	cfg := config{
		header:        http.Header{},
		timeout:       DefaultTimeout,
		queueSize:     DefaultQueueSize,
		backoff:       delivery.Backoff{Initial: delivery.DefaultInitialBackoff, Max: delivery.DefaultMaxBackoff},
		logger:        slog.Default(),
		meterProvider: noop.NewMeterProvider(),
	}
	for _, o := range opts {
		if o == nil {
			return cfg, nil, errors.New("webhook: nil Option")
		}
		o(&cfg)
	}
	u, err := cfg.validate()
	if err != nil {
		return cfg, nil, fmt.Errorf("webhook: invalid options: %w", err)
	}
	return cfg, u, nil
}

func (c config) validate() (*url.URL, error) {
	errs := append([]error(nil), c.badHeaders...)
	u, err := delivery.ParseURL("WithURL", c.rawURL)
	if err != nil {
		errs = append(errs, err)
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
	return u, errors.Join(errs...)
}

// WithURL sets the endpoint the alerts are posted to. Required: an http or
// https URL with a host. Its query string and user information are sent
// but never logged.
func WithURL(u string) Option {
	return func(c *config) { c.rawURL = u }
}

// WithHeader sets a header sent with every post, such as Authorization;
// setting the same name again replaces the value. Values are never logged,
// nor quoted in errors. Content-Type, Content-Length, Host and
// Transfer-Encoding are the sink's own and cannot be set.
func WithHeader(name, value string) Option {
	return func(c *config) {
		canonical := http.CanonicalHeaderKey(name)
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			c.badHeaders = append(c.badHeaders, fmt.Errorf("WithHeader(%q): not a valid header name", name))
		case !httpguts.ValidHeaderFieldValue(value):
			c.badHeaders = append(c.badHeaders, fmt.Errorf("WithHeader(%q): the value holds a character a header cannot carry (a line break or another control character)", name))
		case isReserved(canonical):
			c.badHeaders = append(c.badHeaders, fmt.Errorf("WithHeader(%q): the sink sets this header itself", name))
		default:
			c.header.Set(canonical, value)
		}
	}
}

func isReserved(canonical string) bool {
	for _, r := range reservedHeaders {
		if r == canonical {
			return true
		}
	}
	return false
}

// WithHTTPClient sets the client that posts the alerts (for TLS, proxies).
// Its Timeout, if any, applies on top of WithTimeout. By default the sink
// uses a client of its own that does not follow redirects: a redirected
// POST would arrive as a GET.
func WithHTTPClient(c *http.Client) Option {
	return func(cfg *config) { cfg.client, cfg.clientSet = c, true }
}

// WithTimeout bounds each post (default 10s).
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithQueueSize sets how many posts may wait for delivery (default 100);
// beyond it the oldest is dropped.
func WithQueueSize(n int) Option {
	return func(c *config) { c.queueSize = n }
}

// WithRetryBackoff sets the delay before the first retry of a failed post
// and the most it grows to (default 500ms and 30s).
func WithRetryBackoff(initial, max time.Duration) Option {
	return func(c *config) { c.backoff = delivery.Backoff{Initial: initial, Max: max} }
}

// WithLogger sets where delivery problems are logged (default
// slog.Default()): one warning when posts start failing or the queue
// overflows, one line when delivery recovers.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithMeterProvider makes the sink report its counters
// (sloguard.alerts.sent, .failed and .dropped, sink="webhook") to mp.
// Without it the counters go nowhere.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.meterProvider = mp }
}
