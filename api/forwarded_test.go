package api

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestForwardedForBelievesOnlyTrustedProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.1, 2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		peer string
		xff  []string
		want string
	}{
		{"a client reaching the service directly is its peer address", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"a header from an untrusted peer is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"a trusted proxy names its client", "10.1.2.3:4000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"addresses the client wrote left of the proxy's are not believed", "10.1.2.3:4000", []string{"1.1.1.1, 2.2.2.2, 198.51.100.7"}, "198.51.100.7"},
		{"a chain of trusted proxies is walked to the first untrusted hop", "10.1.2.3:4000", []string{"198.51.100.7, 192.0.2.1", "10.9.9.9"}, "198.51.100.7"},
		{"a hop with a port is the address", "10.1.2.3:4000", []string{"198.51.100.7:3456"}, "198.51.100.7"},
		{"an IPv6 hop with a port", "[2001:db8::1]:4000", []string{"[2001:db9::5]:443"}, "2001:db9::5"},
		{"a trusted proxy without the header is the client", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"every hop trusted: the left-most is the client", "10.1.2.3:4000", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		{"an IPv4-mapped peer is matched as IPv4", "[::ffff:10.1.2.3]:4000", []string{"198.51.100.7"}, "198.51.100.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/observability/slo", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ForwardedFor(trusted)(r); got != tc.want {
				t.Errorf("client = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWithoutTrustedProxiesTheHeaderIsNeverRead(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:1234"
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	if got := ForwardedFor(nil)(r); got != "127.0.0.1" {
		t.Errorf("client = %q, want the peer 127.0.0.1", got)
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies("127.0.0.1,::1, 10.0.0.0/8,,172.16.5.4/12")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12")}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("prefix %d = %v, want %v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0"} {
		if _, err := ParseTrustedProxies(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseTrustedProxies(%q): err = %v, want one naming it", bad, err)
		}
	}
}
