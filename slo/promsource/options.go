package promsource

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/sloguard/sloguard/internal/endpoint"
)

// DefaultTimeout bounds each query when WithTimeout is not given.
const DefaultTimeout = 30 * time.Second

// Option configures New.
type Option func(*config)

type config struct {
	rawURL   string
	client   *http.Client
	timeout  time.Duration
	matchers []Matcher
	logger   *slog.Logger
	errs     []error
}

// WithURL sets the base URL of the Prometheus HTTP API (required): the
// address Prometheus serves /api/v1 under, such as http://prometheus:9090
// or https://example.com/prometheus. It must be http or https and hold no
// query string or fragment; user and password in it are sent as basic
// authentication and never appear in errors.
func WithURL(u string) Option {
	return func(c *config) { c.rawURL = u }
}

// WithHTTPClient sets the HTTP client of the queries (TLS, proxies,
// authentication); by default the source has a client of its own.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc == nil {
			c.errs = append(c.errs, errors.New("WithHTTPClient: nil client"))
			return
		}
		c.client = hc
	}
}

// WithTimeout bounds each query (DefaultTimeout by default). Prometheus is
// told too, so that it stops evaluating a query nobody waits for.
func WithTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("WithTimeout: %s is not a positive duration", d))
			return
		}
		c.timeout = d
	}
}

// WithMatchers adds label matchers, written as in PromQL (region="eu",
// cluster=~"eu-.*"), to every series the derived queries select, so that
// the source watches one part of a fleet. See the package documentation
// for why the source does not group.
func WithMatchers(matchers ...string) Option {
	return func(c *config) {
		for _, s := range matchers {
			m, err := ParseMatcher(s)
			if err != nil {
				c.errs = append(c.errs, fmt.Errorf("WithMatchers: %w", err))
				continue
			}
			c.matchers = append(c.matchers, m)
		}
	}
}

// WithLogger sets where the warnings Prometheus attaches to answers go
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l == nil {
			c.errs = append(c.errs, errors.New("WithLogger: nil logger"))
			return
		}
		c.logger = l
	}
}

// parseURL checks a base URL: http or https, a host, no query string or
// fragment (paths are added to it). Errors never hold the URL's
// credentials.
func parseURL(raw string) (*url.URL, error) {
	u, err := endpoint.Parse(raw, endpoint.WithoutQuery())
	switch {
	case errors.Is(err, endpoint.ErrEmpty):
		return nil, errors.New("no Prometheus URL: WithURL is required")
	case err != nil:
		return nil, fmt.Errorf("the Prometheus URL (want the base URL of the HTTP API, such as http://127.0.0.1:9090): %w", err)
	}
	return u, nil
}
