package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/sloguard/sloguard/api"
	"github.com/sloguard/sloguard/internal/proctest"
)

// reverseProxy is a real reverse proxy in front of base whose connections
// to it come from the loopback address from; it appends the address of
// its client to X-Forwarded-For, as proxies do.
func reverseProxy(t *testing.T, base, from string) string {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(target)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	p.Transport = tr
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL
}

// guess sends n wrong keys through client, each claiming to come from a
// new address in X-Forwarded-For, and returns the last status.
func guess(t *testing.T, client *http.Client, url string, n int) int {
	t.Helper()
	status := 0
	for i := range n {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set(api.KeyHeader, fmt.Sprintf("guess-%d", i))
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		status = resp.StatusCode
	}
	return status
}

// Behind a reverse proxy named in --trusted-proxies, the API's lockout is
// per client: ten wrong keys from one client lock it out, not everyone,
// and a client cannot escape by writing its own X-Forwarded-For. Without
// the flag the header is ignored (everyone behind the proxy shares its
// bucket), and a client that is not a trusted proxy is never believed.
func TestTrustedProxiesGiveEachClientItsOwnLockout(t *testing.T) {
	const proxyAddr, attacker, user, direct = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
	path := "/api/observability/slo"
	env := []string{"DASHBOARD_KEY=" + testKey}

	t.Run("with the proxy trusted", func(t *testing.T) {
		_, base := proctest.Serve(t, t.TempDir(), env, "--trusted-proxies", proxyAddr+"/32")
		front := reverseProxy(t, base, proxyAddr)
		if s := guess(t, clientFrom(t, attacker), front+path, 10); s != http.StatusUnauthorized {
			t.Fatalf("10th wrong key through the proxy: status %d, want 401", s)
		}
		if s := guess(t, clientFrom(t, attacker), front+path, 1); s != http.StatusTooManyRequests {
			t.Errorf("11th wrong key, with a forged X-Forwarded-For: status %d, want 429", s)
		}
		if s, _ := keyedGet(t, clientFrom(t, user), http.MethodGet, front+path, testKey); s != http.StatusOK {
			t.Errorf("another client behind the same proxy with the right key: status %d, want 200", s)
		}
		// straight to the service, X-Forwarded-For is not believed.
		if s := guess(t, clientFrom(t, direct), base+path, 11); s != http.StatusTooManyRequests {
			t.Errorf("11 wrong keys sent directly with rotating X-Forwarded-For: status %d, want 429", s)
		}
	})

	t.Run("without the flag", func(t *testing.T) {
		_, base := proctest.Serve(t, t.TempDir(), env)
		front := reverseProxy(t, base, proxyAddr)
		guess(t, clientFrom(t, attacker), front+path, 10)
		if s, _ := keyedGet(t, clientFrom(t, user), http.MethodGet, front+path, testKey); s != http.StatusTooManyRequests {
			t.Errorf("without --trusted-proxies, a client behind the proxy after another's 10 wrong keys: status %d, want 429 (one shared bucket)", s)
		}
	})
}
