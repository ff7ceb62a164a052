// Package endpoint is the one place sloguard reads, checks and shows the
// URLs it sends to: the Alertmanager and webhook sinks, the Prometheus
// source, `check --server` and the OTLP exporters' endpoints.
//
// Parse accepts an absolute http or https URL with a host and returns an
// *Error for anything else. An error never quotes the URL it was given:
// a URL that parsed is shown through Redact, one that did not is not shown
// at all, and the reason is a fixed phrase (net/url's own errors quote the
// faulty part, which may be a piece of a password).
//
// Redact is what logs, errors and reports may show of a URL: no user
// information (a user name alone is often a token), no fragment, and the
// names of the query parameters without their values (a receiver's token
// may go by any name).
// It also covers the forms net/url reads as a scheme and an opaque part,
// where user information would otherwise pass as text: "user:pass@host:9"
// and "https:user:pass@host". RedactText does the same for every URL and
// credential-looking pair inside free text, such as an error from a
// library.
//
// A secret carried in a URL's path (some chat webhooks put theirs there)
// cannot be told from a path, and is shown as it is.
//
// NewClient returns an HTTP client that refuses redirects, so that a
// request carrying a credential header goes to the configured host only.
//
// Concurrency: every function is safe for concurrent use; the client
// NewClient returns is an ordinary *http.Client.
package endpoint
