package endpoint_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/internal/endpoint"
)

func TestRedactShowsWhereAURLPointsAndNoCredential(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"a plain URL is shown as it is", "http://am:9093/api/v2", "http://am:9093/api/v2"},
		{"a user and password are hidden", "http://alice:pw@am:9093/", "http://xxxxx@am:9093/"},
		{"a user alone is hidden (it is often a token)", "https://ghp_abc@hooks.example/", "https://xxxxx@hooks.example/"},
		{"every query value is hidden, names kept in order", "https://h/x?team=sre&token=abc&b=2", "https://h/x?team=xxxxx&token=xxxxx&b=xxxxx"},
		{"a parameter without a value is hidden whole (it may be the token)", "https://h/?s3cr3t&a=1", "https://h/?xxxxx&a=xxxxx"},
		{"an escaped name is kept as written", "https://h/?%74oken=abc", "https://h/?%74oken=xxxxx"},
		{"a name that does not unescape is hidden", "https://h/?%zz=abc", "https://h/?xxxxx"},
		{"a fragment is dropped", "https://h/p#access_token=abc", "https://h/p"},
		{"user:pass@host:port without // keeps the host", "alice:pw@am:9", "xxxxx@am:9"},
		{"https:user:pass@host keeps scheme and host", "https:alice:pw@am", "https:xxxxx@am"},
		{"a query after an opaque part is dropped", "https:alice:pw@am?token=x", "https:xxxxx@am"},
		{"host:port without a scheme is shown", "localhost:9093", "localhost:9093"},
		{"an opaque part that is no port is hidden", "alice:pw", "xxxxx"},
		{"a single slash after the scheme", "http:/alice:pw@am", "http:/xxxxx@am"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.raw)
			if err != nil {
				t.Fatalf("url.Parse(%q): %v", tt.raw, err)
			}
			if got := endpoint.Redact(u); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			if got := endpoint.RedactString(tt.raw); got != tt.want {
				t.Errorf("RedactString(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestIsSecretNameKnowsTokenLikeNames(t *testing.T) {
	for _, name := range []string{"token", "access_token", "Access-Token", "api_key", "API_KEY", "apikey", "key", "password", "passwd", "client_secret", "sig", "X-Amz-Signature", "authorization", "Cookie", "session_id", "jwt"} {
		if !endpoint.IsSecretName(name) {
			t.Errorf("IsSecretName(%q) = false, want true", name)
		}
	}
	for _, name := range []string{"team", "region", "input_format", "status", "timeout"} {
		if endpoint.IsSecretName(name) {
			t.Errorf("IsSecretName(%q) = true, want false", name)
		}
	}
}

func TestRedactStringHidesWhatDoesNotParse(t *testing.T) {
	if got := endpoint.RedactString("http://alice:pw%zz@am/"); got != endpoint.Hidden {
		t.Errorf("RedactString of an unparsable URL = %q, want %q", got, endpoint.Hidden)
	}
}

func TestRedactTextHidesCredentialsInsideText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a URL in an error", `Post "https://alice:pw@collector:4318/v1/traces?token=tk": dial tcp: refused`, `Post "https://xxxxx@collector:4318/v1/traces?token=xxxxx": dial tcp: refused`},
		{"user:pass@host without a scheme", "endpoint alice:pw@collector:4317 unreachable", "endpoint xxxxx@collector:4317 unreachable"},
		{"a header pair", "parse headers input=authorization=Bearer%20tk", "parse headers input=authorization=xxxxx"},
		{"a bearer token", "header Authorization: Bearer abc.def", "header Authorization: xxxxx"},
		{"a bearer token on its own", "sent Bearer abc.def", "sent Bearer xxxxx"},
		{"a quoted secret value", `api_key="a b c" next`, `api_key=xxxxx next`},
		{"text without credentials is unchanged", "export failed: 503 Service Unavailable after 3 retries", "export failed: 503 Service Unavailable after 3 retries"},
		{"host:port is not taken for a password", "dial tcp 127.0.0.1:4317: connection refused", "dial tcp 127.0.0.1:4317: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := endpoint.RedactText(tt.in)
			if got != tt.want {
				t.Errorf("RedactText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			for _, secret := range []string{"pw", "tk", "abc"} {
				if strings.Contains(got, ":"+secret+"@") || strings.Contains(got, "="+secret) || strings.Contains(got, " "+secret) {
					t.Errorf("RedactText(%q) = %q still holds %q", tt.in, got, secret)
				}
			}
		})
	}
}
