package promsource

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
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

// parseURL checks a base URL and returns it without a trailing slash.
func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("no Prometheus URL: WithURL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the URL, password included: name it without.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("the Prometheus URL is not a URL (want an http or https URL such as http://127.0.0.1:9090): %w", err)
	}
	shown := redact(u)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("the Prometheus URL %s: want an http or https URL such as http://127.0.0.1:9090", shown)
	case u.Host == "":
		return nil, fmt.Errorf("the Prometheus URL %s has no host", shown)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("the Prometheus URL %s has a query string: give the base URL the API is served under", shown)
	case u.Fragment != "":
		return nil, fmt.Errorf("the Prometheus URL %s has a fragment (#...): give the base URL the API is served under", shown)
	case u.Opaque != "":
		return nil, fmt.Errorf("the Prometheus URL %s is not a base URL (write scheme://host[:port][/path])", shown)
	}
	return u, nil
}

// redact prints u without user, password, query or fragment: what errors
// and logs may show.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	return c.String()
}
