package webhook

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
	"golang.org/x/net/http/httpguts"

	"github.com/sloguard/sloguard/internal/delivery"
)

// Defaults of the options.
const (
	DefaultTimeout   = delivery.DefaultTimeout
	DefaultQueueSize = delivery.DefaultQueueSize
)

// Option configures a Sink.
type Option func(*config)

type config struct {
	delivery   []delivery.Option
	header     http.Header
	badHeaders []error
}

// shared makes an Option of one of the options every sink takes.
func shared(o delivery.Option) Option {
	return func(c *config) { c.delivery = append(c.delivery, o) }
}

// reservedHeaders are set by the sink or by net/http from the request.
var reservedHeaders = []string{"Content-Type", "Content-Length", "Host", "Transfer-Encoding"}

func newConfig(opts []Option) (config, *delivery.Settings, error) {
	cfg := config{header: http.Header{}}
	d, err := delivery.Configure(&cfg, opts,
		func(c *config) []delivery.Option { return c.delivery },
		func(c *config) []error { return c.badHeaders })
	if err != nil {
		return cfg, nil, fmt.Errorf("webhook: %w", err)
	}
	return cfg, d, nil
}

// WithURL sets the endpoint the alerts are posted to. Required: an http or
// https URL with a host. Its user information and query values are sent
// but never logged.
func WithURL(u string) Option {
	return shared(delivery.WithURL(u))
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
	return shared(delivery.WithHTTPClient(c))
}

// WithTimeout bounds each post (default 10s).
func WithTimeout(d time.Duration) Option {
	return shared(delivery.WithTimeout(d))
}

// WithQueueSize sets how many posts may wait for delivery (default 100);
// beyond it the oldest is dropped.
func WithQueueSize(n int) Option {
	return shared(delivery.WithQueueSize(n))
}

// WithRetryBackoff sets the delay before the first retry of a failed post
// and the most it grows to (default 500ms and 30s).
func WithRetryBackoff(initial, max time.Duration) Option {
	return shared(delivery.WithRetryBackoff(initial, max))
}

// WithLogger sets where delivery problems are logged (default
// slog.Default()): one warning when posts start failing or the queue
// overflows, one line when delivery recovers.
func WithLogger(l *slog.Logger) Option {
	return shared(delivery.WithLogger(l))
}

// WithMeterProvider makes the sink report its counters
// (sloguard.alerts.sent, .failed and .dropped, sink="webhook") to mp.
// Without it the counters go nowhere.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return shared(delivery.WithMeterProvider(mp))
}
