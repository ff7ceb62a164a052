package endpoint

import "net/http"

// NewClient returns an HTTP client of its own (close its connections with
// CloseIdleConnections when done) that does not follow redirects: the
// response to the first request is returned as it is, 3xx included. A
// request goes to the configured host only, with its credential headers,
// and a POST is never turned into a GET; callers report a redirect as an
// error naming where it points.
func NewClient() *http.Client {
	return &http.Client{
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
