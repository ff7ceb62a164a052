package endpoint_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/internal/endpoint"
)

func TestParseAcceptsHTTPAndHTTPSURLsWithAHost(t *testing.T) {
	for _, raw := range []string{
		"http://localhost:9093",
		"https://am.example.com/alertmanager/",
		"http://[::1]:9090/prometheus",
		"https://hooks.example/x?token=abc&team=sre",
		"http://alice:pw@am.example.com",
	} {
		u, err := endpoint.Parse(raw)
		if err != nil {
			t.Errorf("Parse(%q) = %v; want a URL", raw, err)
			continue
		}
		if u.String() != raw {
			t.Errorf("Parse(%q) = %s; want the same URL", raw, u)
		}
	}
}

func TestParseRefusesWithAReasonAndWithoutTheURL(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		opts   []endpoint.Option
		shown  string // the redacted URL in the error; "" when it did not parse
		reason string // a part of the reason
	}{
		{"an empty URL is ErrEmpty", "", nil, "", "empty URL"},
		{"another scheme is named", "ftp://am.example.com", nil, "ftp://am.example.com", `scheme "ftp" is not supported: use http or https`},
		{"a host and port without a scheme asks for //", "localhost:9093", nil, "localhost:9093", "no // after the scheme"},
		{"an address without a scheme asks for one", "127.0.0.1:9090", nil, "", "no scheme: want http or https"},
		{"a URL without a host is refused", "http:///api", nil, "http:///api", "no host"},
		{"a scheme-relative URL has no scheme", "//am:9093/", nil, "//am:9093/", "no scheme"},
		{"a fragment is refused", "http://am:9093/#x", nil, "http://am:9093/", "fragment"},
		{"an empty fragment is refused too", "http://am:9093/#", nil, "http://am:9093/", "fragment"},
		{"a port that is not a number", "http://am:port", nil, "", "the port is not a number"},
		{"a bad escape", "http://am/%zz", nil, "", "a % is not followed by two hexadecimal digits"},
		{"a control character", "http://am/\x7f", nil, "", "control character"},
		{"a space in the host", "http://a m/", nil, "", "the host holds a character"},
		{"a query where none may be", "http://prom:9090/?x=1", []endpoint.Option{endpoint.WithoutQuery()}, "http://prom:9090/?x=xxxxx", "a query string is not allowed here"},
		{"an empty query where none may be", "http://prom:9090/?", []endpoint.Option{endpoint.WithoutQuery()}, "http://prom:9090/?", "a query string is not allowed here"},
		{"user information where none is sent", "http://u:p@collector:4318", []endpoint.Option{endpoint.WithoutUserinfo()}, "http://xxxxx@collector:4318", "user information is not sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := endpoint.Parse(tt.raw, tt.opts...)
			if err == nil {
				t.Fatalf("Parse(%q) = %s; want an error", tt.raw, u)
			}
			var e *endpoint.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is a %T, want *endpoint.Error", err, err)
			}
			if e.Shown != tt.shown {
				t.Errorf("Shown = %q, want %q", e.Shown, tt.shown)
			}
			if !strings.Contains(e.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to say %q", e.Reason, tt.reason)
			}
			if tt.raw == "" && !errors.Is(err, endpoint.ErrEmpty) {
				t.Errorf("error %v is not ErrEmpty", err)
			}
		})
	}
}

// Every way a URL can be refused, with a user, a password and a token
// planted in it: none of them is in the error.
func TestParseErrorsNeverHoldCredentials(t *testing.T) {
	const user, pass, token = "alice-u53r", "pw-s3cr3t", "tk-s3cr3t"
	for _, raw := range []string{
		"http://" + user + ":" + pass + "@am:port/?token=" + token,
		"http://" + user + ":" + pass + "@am/%zz?token=" + token,
		"http://" + user + ":" + pass + "%zz@am/",
		"http://" + user + ":" + pass + "@a m/",
		user + ":" + pass + "@am:9093",
		user + ":" + pass + "@am",
		"https:" + user + ":" + pass + "@am",
		"https:" + user + ":" + pass + "@am?token=" + token,
		"http:/" + user + ":" + pass + "@am",
		"http:" + pass,
		user + ":" + pass,
		"ftp://" + user + ":" + pass + "@am/?token=" + token,
		"http://" + user + ":" + pass + "@am/#access_token=" + token,
		"http://" + user + ":" + pass + "@/x?token=" + token,
		"//" + user + ":" + pass + "@am/?api_key=" + token,
		"http://" + user + ":" + pass + "@am\n?token=" + token,
	} {
		_, err := endpoint.Parse(raw, endpoint.WithoutQuery())
		if err == nil {
			t.Errorf("a planted URL was accepted")
			continue
		}
		for _, secret := range []string{user, pass, token} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows %q", err, secret)
			}
		}
	}
}
