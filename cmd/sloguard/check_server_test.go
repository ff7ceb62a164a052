package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sloguard/sloguard/api"
)

const checkServerKey = "check-server-key-0123456789"

// A serve that redirects check elsewhere: the redirect is refused, so the
// key goes to the configured host only.
func TestCheckServerRefusesRedirectsAndSendsTheKeyToNoOtherHost(t *testing.T) {
	t.Setenv("DASHBOARD_KEY", checkServerKey)
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		if r.Header.Get(api.KeyHeader) != "" {
			t.Errorf("the key reached %s, a host check was never given", r.Host)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer other.Close()
	// localhost rather than 127.0.0.1: another host name, as a redirect to
	// an attacker's host would have.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Redirect(w, r, otherURL+api.PathCheck+"?token=redirect-s3cr3t", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"check", "--server", srv.URL}, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != checkError {
		t.Fatalf("exit status %d, want %d (%s)", code, checkError, stderr.String())
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect was followed: the other host got %d requests", n)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the configured server got %d requests, want 1", n)
	}
	msg := stderr.String()
	if !strings.Contains(msg, "307") || !strings.Contains(msg, "redirect") {
		t.Errorf("error %q does not say the server redirected", msg)
	}
	if strings.Contains(msg, "redirect-s3cr3t") || strings.Contains(msg, checkServerKey) {
		t.Errorf("error %q shows a secret", msg)
	}
}

// check --server builds the request URL from the base with net/url: a path
// prefix is kept, and the base's credentials never appear in an error.
func TestCheckServerErrorsShowNoCredentials(t *testing.T) {
	t.Setenv("DASHBOARD_KEY", checkServerKey)
	var gotPath atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath.Store(r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":"store is closed"}`))
	}))
	defer srv.Close()
	withCreds := strings.Replace(srv.URL, "http://", "http://carol-u53r:pw-s3cr3t@", 1)
	tests := []struct {
		name   string
		server string
		want   []string
	}{
		{"a 503 names the status and the server's reason", withCreds + "/sloguard/", []string{"503", "store is closed", "/sloguard" + api.PathCheck}},
		{"a base URL with a query string is refused", withCreds + "/?token=tk-s3cr3t", []string{"--server", "query string"}},
		{"a URL that does not parse is refused", "http://carol-u53r:pw-s3cr3t@127.0.0.1:port/", []string{"--server", "not a URL"}},
		{"a URL without // is refused", "carol-u53r:pw-s3cr3t@127.0.0.1:9", []string{"--server", "//"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), []string{"check", "--server", tt.server}, &stdout, &stderr)
			if code := exitCode(err, &stderr); code != checkError {
				t.Fatalf("exit status %d, want %d (%s)", code, checkError, stderr.String())
			}
			msg := stderr.String()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			for _, secret := range []string{"carol-u53r", "pw-s3cr3t", "tk-s3cr3t", checkServerKey} {
				if strings.Contains(msg+stdout.String(), secret) {
					t.Errorf("output %q shows %q", msg+stdout.String(), secret)
				}
			}
		})
	}
	if p, _ := gotPath.Load().(string); p != "/sloguard"+api.PathCheck {
		t.Errorf("the server was asked for %q, want %q", p, "/sloguard"+api.PathCheck)
	}
}
