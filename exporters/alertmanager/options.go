package alertmanager

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/sloguard/sloguard/internal/delivery"
)

// Defaults of the options.
const (
	// DefaultResendInterval matches Prometheus' --rules.alert.resend-delay.
	DefaultResendInterval = time.Minute
	DefaultTimeout        = delivery.DefaultTimeout
	DefaultQueueSize      = delivery.DefaultQueueSize
)

// ValidityFactor is how many resend intervals a firing alert stays valid in
// Alertmanager without being re-sent: its endsAt is now + ValidityFactor ×
// the resend interval. Prometheus uses the same factor.
const ValidityFactor = 4

// Option configures a Sink.
type Option func(*config)

type config struct {
	delivery       []delivery.Option
	resend         time.Duration
	runbook        string
	generatorURL   string
	externalLabels map[string]string
}

// shared makes an Option of one of the options every sink takes.
func shared(o delivery.Option) Option {
	return func(c *config) { c.delivery = append(c.delivery, o) }
}

func newConfig(opts []Option) (config, *delivery.Settings, error) {
	cfg := config{resend: DefaultResendInterval}
	d, err := delivery.Configure(&cfg, opts, func(c *config) []delivery.Option { return c.delivery }, (*config).validate)
	if err != nil {
		return cfg, nil, fmt.Errorf("alertmanager: %w", err)
	}
	return cfg, d, nil
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func (c *config) validate() []error {
	var errs []error
	if c.resend <= 0 {
		errs = append(errs, fmt.Errorf("WithResendInterval(%v): must be positive", c.resend))
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
	return errs
}

// WithURL sets Alertmanager's base URL, e.g. http://localhost:9093 (any
// path prefix it is served under included; /api/v2/alerts is appended).
// Required: an http or https URL with a host. User information in the URL
// is sent as basic authentication and never logged.
func WithURL(u string) Option {
	return shared(delivery.WithURL(u))
}

// WithHTTPClient sets the client that posts the alerts (for TLS, proxies,
// authentication). Its Timeout, if any, applies on top of WithTimeout. By
// default the sink uses a client of its own that does not follow
// redirects: a redirected POST would arrive as a GET.
func WithHTTPClient(c *http.Client) Option {
	return shared(delivery.WithHTTPClient(c))
}

// WithTimeout bounds each post (default 10s).
func WithTimeout(d time.Duration) Option {
	return shared(delivery.WithTimeout(d))
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
// (sloguard.alerts.sent, .failed and .dropped, sink="alertmanager") to mp.
// Without it the counters go nowhere.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return shared(delivery.WithMeterProvider(mp))
}

// WithRunbook sets the document (URL or path) the runbook annotation links
// to; each alert appends the anchor of its section (#sloerrorbudgetburn).
// Without it alerts carry no runbook annotation. Use the value the rules
// generator links to (rules.DefaultRunbook unless set) so both sources agree.
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
