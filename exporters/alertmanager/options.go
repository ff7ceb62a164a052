package alertmanager

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/sloguard/sloguard/internal/delivery"
	"github.com/sloguard/sloguard/slo"
)

// Defaults of the options.
const (
	// DefaultResendInterval matches Prometheus' --rules.alert.resend-delay.
	DefaultResendInterval = time.Minute
	DefaultTimeout        = 10 * time.Second
	DefaultQueueSize      = 100
	// DefaultRunbook is the document the runbook annotation links to: the
	// same as the generated Prometheus rules' (rules.DefaultRunbook).
	DefaultRunbook = slo.DefaultRunbook
)

// ValidityFactor is how many resend intervals a firing alert stays valid in
// Alertmanager without being re-sent: its endsAt is now + ValidityFactor ×
// the resend interval. Prometheus uses the same factor.
const ValidityFactor = 4

// Option configures a Sink.
type Option func(*config)

type config struct {
	rawURL         string
	client         *http.Client
	clientSet      bool
	timeout        time.Duration
	resend         time.Duration
	queueSize      int
	backoff        delivery.Backoff
	logger         *slog.Logger
	meterProvider  metric.MeterProvider
	runbook        string
	generatorURL   string
	externalLabels map[string]string
}

func newConfig(opts []Option) (config, *url.URL, error) {
	cfg := config{
		timeout:       DefaultTimeout,
		resend:        DefaultResendInterval,
		queueSize:     DefaultQueueSize,
		backoff:       delivery.Backoff{Initial: delivery.DefaultInitialBackoff, Max: delivery.DefaultMaxBackoff},
		logger:        slog.Default(),
		meterProvider: noop.NewMeterProvider(),
		runbook:       DefaultRunbook,
	}
	for _, o := range opts {
		if o == nil {
			return cfg, nil, errors.New("alertmanager: nil Option")
		}
		o(&cfg)
	}
	u, err := cfg.validate()
	if err != nil {
		return cfg, nil, fmt.Errorf("alertmanager: invalid options: %w", err)
	}
	return cfg, u, nil
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func (c config) validate() (*url.URL, error) {
	var errs []error
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
	if c.resend <= 0 {
		errs = append(errs, fmt.Errorf("WithResendInterval(%v): must be positive", c.resend))
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
	if c.generatorURL != "" {
		if g, err := url.Parse(c.generatorURL); err != nil || !g.IsAbs() {
			errs = append(errs, fmt.Errorf("WithGeneratorURL(%q): not an absolute URL", c.generatorURL))
		}
	}
	for k := range c.externalLabels {
		if !labelNameRE.MatchString(k) {
			errs = append(errs, fmt.Errorf("WithExternalLabels: %q is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)", k))
		}
	}
	return u, errors.Join(errs...)
}

// WithURL sets Alertmanager's base URL, e.g. http://localhost:9093 (any
// path prefix it is served under included; /api/v2/alerts is appended).
// Required: an http or https URL with a host. User information in the URL
// is sent as basic authentication and never logged.
func WithURL(u string) Option {
	return func(c *config) { c.rawURL = u }
}

// WithHTTPClient sets the client that posts the alerts (for TLS, proxies,
// authentication). Its Timeout, if any, applies on top of WithTimeout. By
// default the sink uses a client of its own that does not follow
// redirects: a redirected POST would arrive as a GET.
func WithHTTPClient(c *http.Client) Option {
	return func(cfg *config) { cfg.client, cfg.clientSet = c, true }
}

// WithTimeout bounds each post (default 10s).
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithResendInterval sets how often the firing alerts are re-posted to keep
// them alive (default 1m); their endsAt is ValidityFactor intervals ahead.
func WithResendInterval(d time.Duration) Option {
	return func(c *config) { c.resend = d }
}

// WithQueueSize sets how many posts may wait for delivery (default 100);
// beyond it the oldest is dropped. Each post holds every alert firing when
// it was queued, so the newest posts matter most.
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
// (sloguard.alerts.sent, .failed and .dropped, sink="alertmanager") to mp.
// Without it the counters go nowhere.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.meterProvider = mp }
}

// WithRunbook sets the document (URL or path) the runbook annotation links
// to; each alert appends the anchor of its section (#sloerrorbudgetburn).
// Use the value given to the rules generator so both sources agree.
func WithRunbook(u string) Option {
	return func(c *config) { c.runbook = u }
}

// WithGeneratorURL sets the generatorURL of every alert: the link
// Alertmanager's notifications show as the alert's source, such as the
// sloguard dashboard.
func WithGeneratorURL(u string) Option {
	return func(c *config) { c.generatorURL = u }
}

// WithExternalLabels adds labels to every alert, below sloguard's own and
// the SLO's: set them to the external_labels of the Prometheus servers that
// evaluate the same SLOs, so that Alertmanager sees one alert, not two.
func WithExternalLabels(labels map[string]string) Option {
	return func(c *config) {
		if c.externalLabels == nil {
			c.externalLabels = map[string]string{}
		}
		for k, v := range labels {
			c.externalLabels[k] = v
		}
	}
}
