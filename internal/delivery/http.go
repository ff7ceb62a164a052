package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/internal/endpoint"
)

// maxErrorBody is how much of a failed response's body an error quotes:
// enough for Alertmanager's validation message, not a whole HTML page.
const maxErrorBody = 512

// maxDrain is how much of a response body is read to let the connection be
// reused; a longer body costs a new connection rather than the bandwidth.
const maxDrain = 64 << 10

// Redact is endpoint.Redact, for the sinks built on this package: what
// their logs and errors show of a URL.
func Redact(u *url.URL) string { return endpoint.Redact(u) }

// StatusError is a response that was not 2xx.
type StatusError struct {
	Method string
	URL    string // redacted
	Status int
	// Body is the start of the response body, for the log.
	Body string
	// RetryAfter is the delay the receiver asked for (429, 503), or zero.
	RetryAfter time.Duration
	// Location is where a redirect pointed, redacted.
	Location string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Location != "" {
		msg += " to " + e.Location + ": configure that URL instead"
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Post sends body to u with the given headers and reads the answer. Errors
// never show the query values or user information of u, nor any header.
// A 2xx is success; 408, 429 and 5xx are errors worth retrying; any other
// status is Permanent, since sending the same body again gets the same
// answer.
func Post(ctx context.Context, c *http.Client, u *url.URL, header http.Header, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("POST %s: %w", Redact(u), errors.Unwrap(err)))
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	resp, err := c.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL, query string included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("POST %s: %w", Redact(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
		return nil
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	se := &StatusError{Method: http.MethodPost, URL: Redact(u), Status: resp.StatusCode, Body: printable(head)}
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		se.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return se
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		if loc, err := resp.Location(); err == nil {
			se.Location = Redact(loc)
		}
		return Permanent(se)
	default:
		return Permanent(se)
	}
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// printable trims a response body for a log line: one line, valid UTF-8.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if len(b) == maxErrorBody {
		s += "…"
	}
	return s
}
