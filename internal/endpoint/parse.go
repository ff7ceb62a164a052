package endpoint

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrEmpty is the error of Parse for an empty URL, so that a caller can
// add an example of what to write.
var ErrEmpty = errors.New("empty URL")

// Error is a URL that Parse refused.
type Error struct {
	// Shown is the URL as Redact shows it, or "" when it did not parse.
	Shown string
	// Reason says what is wrong, without quoting the URL.
	Reason string
	err    error
}

func (e *Error) Error() string {
	if e.Shown == "" {
		return e.Reason
	}
	return e.Shown + ": " + e.Reason
}

func (e *Error) Unwrap() error { return e.err }

// Option adds a rule to Parse.
type Option func(*rules)

type rules struct {
	noQuery    bool
	noUserinfo bool
}

// WithoutQuery refuses a query string: for base URLs that paths are added
// to (the Prometheus API, the server of `check`).
func WithoutQuery() Option { return func(r *rules) { r.noQuery = true } }

// WithoutUserinfo refuses user information: for clients that would not
// send it (the OTLP exporters take credentials from headers).
func WithoutUserinfo() Option { return func(r *rules) { r.noUserinfo = true } }

// Parse checks that raw is an absolute http or https URL with a host and no
// fragment, and follows the rules of opts. Errors are *Error (ErrEmpty for
// ""), and never hold raw.
func Parse(raw string, opts ...Option) (*url.URL, error) {
	var r rules
	for _, o := range opts {
		o(&r)
	}
	if raw == "" {
		return nil, &Error{Reason: ErrEmpty.Error(), err: ErrEmpty}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &Error{Reason: "not a URL: " + parseReason(err)}
	}
	refuse := func(format string, args ...any) error {
		return &Error{Shown: Redact(u), Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case u.Opaque != "":
		// "host:9093", "user:pass@host:9", "https:user:pass@host": what
		// url.Parse reads as a scheme may be a host or a user name.
		return nil, &Error{Shown: Redact(u), Reason: "not a URL with a host: no // after the scheme: write it as http://host:port or https://host:port"}
	case u.Scheme == "":
		return nil, refuse("no scheme: want http or https, as in http://host:port")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, refuse("scheme %q is not supported: use http or https", u.Scheme)
	case u.Host == "":
		return nil, refuse("no host")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, refuse("a fragment (#...) is never sent to a server")
	case r.noQuery && (u.RawQuery != "" || u.ForceQuery):
		return nil, refuse("a query string is not allowed here: give the base URL")
	case r.noUserinfo && u.User != nil:
		return nil, refuse("user information is not sent from this URL: give credentials as headers")
	}
	return u, nil
}

// parseReason turns an error of url.Parse into a phrase that quotes
// nothing of the URL.
func parseReason(err error) string {
	var ee url.EscapeError
	if errors.As(err, &ee) {
		return "a % is not followed by two hexadecimal digits"
	}
	var he url.InvalidHostError
	if errors.As(err, &he) {
		return "the host holds a character a host cannot have"
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "invalid port"):
		return "the port is not a number"
	case strings.Contains(msg, "control character"):
		return "it holds a control character"
	case strings.Contains(msg, "missing protocol scheme"), strings.Contains(msg, "first path segment in URL cannot contain colon"):
		return "it has no scheme: want http or https, as in http://host:port"
	case strings.Contains(msg, "invalid userinfo"):
		return "the user information holds a character it cannot have (escape it with %XX)"
	case strings.Contains(msg, "missing ']'"), strings.Contains(msg, "IPv6"):
		return "an IPv6 host is not closed with ]"
	}
	return "net/url cannot read it"
}
