package delivery

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/endpoint"
)

func TestPostClassifiesAnswers(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantErr    bool
		permanent  bool
		inError    []string
		retryAfter time.Duration
	}{
		{name: "200 is success", status: 200},
		{name: "any 2xx is success", status: 202},
		{name: "a 500 is retried and quotes the body", status: 500, body: "store is down\n", wantErr: true, inError: []string{"500 Internal Server Error", "store is down"}},
		{name: "a 503 carries the Retry-After delay", status: 503, header: map[string]string{"Retry-After": "7"}, wantErr: true, retryAfter: 7 * time.Second},
		{name: "a 429 is retried", status: 429, wantErr: true, inError: []string{"429"}},
		{name: "a 408 is retried", status: 408, wantErr: true},
		{name: "a 400 is final and quotes the body", status: 400, body: `{"code":400,"message":"start time must be before end time"}`, wantErr: true, permanent: true, inError: []string{"start time must be before end time"}},
		{name: "a 404 is final", status: 404, wantErr: true, permanent: true},
		{name: "a redirect is final and names where it points", status: 302, header: map[string]string{"Location": "/moved?token=tk-s3cr3t"}, wantErr: true, permanent: true, inError: []string{"/moved", "configure that URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL + "/hook")
			c := endpoint.NewClient()
			defer c.CloseIdleConnections()
			err := Post(context.Background(), c, u, http.Header{}, []byte("{}"))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Post() = %v, want error: %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if IsPermanent(err) != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, IsPermanent(err), tt.permanent)
			}
			for _, s := range tt.inError {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "tk-s3cr3t") {
				t.Errorf("error %q shows the redirect's query string", err)
			}
			if got := retryAfter(err); got != tt.retryAfter {
				t.Errorf("retryAfter = %v, want %v", got, tt.retryAfter)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("the server got %d requests, want 1 (a redirect must not be followed)", n)
			}
		})
	}
}

func TestPostSendsBodyAndHeaders(t *testing.T) {
	type got struct {
		method, path, query, auth, ctype, body string
	}
	ch := make(chan got, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/hook?tenant=a")
	h := http.Header{}
	h.Set("Authorization", "Bearer t0ken")
	h.Set("Content-Type", "application/json")
	c := endpoint.NewClient()
	defer c.CloseIdleConnections()
	if err := Post(context.Background(), c, u, h, []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	want := got{"POST", "/hook", "tenant=a", "Bearer t0ken", "application/json", `{"a":1}`}
	if g := <-ch; g != want {
		t.Errorf("server got %+v, want %+v", g, want)
	}
}

func TestPostErrorsHideCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	closedURL := srv.URL
	srv.Close() // nothing listens there now: the connection is refused
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer live.Close()
	c := endpoint.NewClient()
	defer c.CloseIdleConnections()
	for _, base := range []string{closedURL, live.URL} {
		u, _ := url.Parse(base)
		u.User = url.UserPassword("user", "hunter2")
		u.Path = "/hook"
		u.RawQuery = "token=s3cret"
		err := Post(context.Background(), c, u, http.Header{"X-Api-Key": {"k3y"}}, []byte("{}"))
		if err == nil {
			t.Fatalf("Post to %s succeeded", base)
		}
		for _, secret := range []string{"hunter2", "s3cret", "k3y"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows %q", err, secret)
			}
		}
		if !strings.Contains(err.Error(), "/hook") {
			t.Errorf("error %q does not name the endpoint", err)
		}
	}
}

func TestPostHonoursTheContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	u, _ := url.Parse(srv.URL)
	c := endpoint.NewClient()
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Post(ctx, c, u, nil, []byte("{}")) }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Post with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    string
		want time.Duration
	}{
		{"seconds", "120", 2 * time.Minute},
		{"an HTTP date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"a date in the past asks for no delay", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"a negative number asks for no delay", "-5", 0},
		{"garbage asks for no delay", "soon", 0},
		{"no header asks for no delay", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.v, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}
