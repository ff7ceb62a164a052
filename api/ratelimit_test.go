package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFailedAttemptsLockAnAddressOut(t *testing.T) {
	h := newHarness(t, true, func(c *Config) { c.AuthFailures = RateLimit{Failures: 3, Per: time.Minute} })
	const attacker, bystander = "203.0.113.5", "198.51.100.20"

	for i := range 3 {
		must(t, h.do("GET", PathReport, fmt.Sprintf("guess-%d", i), attacker), 401)
	}
	// The bucket is empty: even the right key is not looked at now.
	rec := h.do("GET", PathReport, testKey, attacker)
	must(t, rec, 429)
	// 3 failures per minute refill one every 20s.
	if ra := rec.Header().Get("Retry-After"); ra != "20" {
		t.Errorf("Retry-After = %q, want 20 (seconds until one attempt is refilled)", ra)
	}
	if msg := errorMessage(t, rec); !strings.Contains(msg, "too many failed X-Dash-Key attempts") {
		t.Errorf("error = %q", msg)
	}
	must(t, h.do("GET", PathReport, "guess-3", attacker), 429)

	// Other addresses are not affected.
	must(t, h.do("GET", PathReport, testKey, bystander), 200)
	must(t, h.do("GET", PathReport, "typo", bystander), 401)

	h.clock.Advance(15 * time.Second)
	rec = h.do("GET", PathReport, testKey, attacker)
	must(t, rec, 429)
	if ra := rec.Header().Get("Retry-After"); ra != "5" {
		t.Errorf("Retry-After after 15s = %q, want 5", ra)
	}
	h.clock.Advance(5 * time.Second)
	must(t, h.do("GET", PathReport, testKey, attacker), 200)
	// One token refilled: one more wrong guess, then locked again.
	must(t, h.do("GET", PathReport, "guess-4", attacker), 401)
	must(t, h.do("GET", PathReport, testKey, attacker), 429)
}

func TestDefaultLimitIsTenFailuresAMinute(t *testing.T) {
	h := newHarness(t, true, nil)
	for i := range 10 {
		must(t, h.do("GET", PathReport, fmt.Sprintf("guess-%d", i), "203.0.113.5"), 401)
	}
	rec := h.do("GET", PathReport, "guess-10", "203.0.113.5")
	must(t, rec, 429)
	if ra := rec.Header().Get("Retry-After"); ra != "6" {
		t.Errorf("Retry-After = %q, want 6 (one of 10 attempts per minute)", ra)
	}
}

func TestIPv6ClientsAreLimitedPerSlash64(t *testing.T) {
	h := newHarness(t, true, func(c *Config) { c.AuthFailures = RateLimit{Failures: 2, Per: time.Minute} })
	h.do("GET", PathReport, "a", "[2001:db8:1:2::1]")
	h.do("GET", PathReport, "b", "[2001:db8:1:2::ffff]")
	must(t, h.do("GET", PathReport, testKey, "[2001:db8:1:2:aaaa::7]"), 429)
	must(t, h.do("GET", PathReport, testKey, "[2001:db8:1:3::1]"), 200)
}

func TestClientKey(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"not-an-ip", "not-an-ip"},
		{strings.Repeat("x", 100), strings.Repeat("x", 64)},
	}
	for _, tt := range tests {
		if got := clientKey(tt.addr); got != tt.want {
			t.Errorf("clientKey(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestClientTableIsBounded(t *testing.T) {
	const maxClients = 8
	h := newHarness(t, true, func(c *Config) {
		c.AuthFailures = RateLimit{Failures: 2, Per: time.Minute, MaxClients: maxClients}
	})
	// The attacker spends its attempts first, then floods the table from
	// many addresses, hoping to push its own record out.
	h.do("GET", PathReport, "a", "203.0.113.5")
	h.do("GET", PathReport, "b", "203.0.113.5")
	for i := range 1000 {
		h.do("GET", PathReport, "flood", fmt.Sprintf("10.%d.%d.1", i/250, i%250))
	}
	if n := h.srv.limiter.tracked(); n > maxClients {
		t.Fatalf("the limiter tracks %d clients, bound is %d", n, maxClients)
	}
	must(t, h.do("GET", PathReport, testKey, "203.0.113.5"), 429)

	// Newcomers beyond the bound share one bucket, which the flood emptied.
	must(t, h.do("GET", PathReport, testKey, "198.51.100.77"), 429)

	// Once buckets have refilled, the table makes room again.
	h.clock.Advance(time.Minute)
	must(t, h.do("GET", PathReport, testKey, "203.0.113.5"), 200)
	must(t, h.do("GET", PathReport, "oops", "198.51.100.77"), 401)
	must(t, h.do("GET", PathReport, testKey, "198.51.100.77"), 200)
	if n := h.srv.limiter.tracked(); n > maxClients {
		t.Fatalf("the limiter tracks %d clients, bound is %d", n, maxClients)
	}
}

func TestClientAddressCanBeReadFromAProxyHeader(t *testing.T) {
	h := newHarness(t, true, func(c *Config) {
		c.AuthFailures = RateLimit{Failures: 1, Per: time.Minute}
		c.ClientAddress = func(r *http.Request) string { return r.Header.Get("X-Real-IP") }
	})
	req := newRequest("GET", PathReport)
	req.Header.Set("X-Real-IP", "203.0.113.9")
	must(t, serve(h, req), 401)
	req = newRequest("GET", PathReport)
	req.Header.Set("X-Real-IP", "203.0.113.9")
	req.Header.Set(KeyHeader, testKey)
	must(t, serve(h, req), 429)
	req = newRequest("GET", PathReport) // same proxy address, other client
	req.Header.Set("X-Real-IP", "203.0.113.10")
	req.Header.Set(KeyHeader, testKey)
	must(t, serve(h, req), 200)
}
