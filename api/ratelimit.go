package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// failureLimiter is a token bucket per client for failed key attempts. Only
// failures take tokens; a client with an empty bucket is refused outright.
//
// The table is bounded: when it is full, buckets that have refilled (which
// say nothing a fresh bucket would not) are swept, and if it is still full
// the newcomers share one overflow bucket. Evicting live buckets instead
// would let an attacker reset its own count by flooding the table from other
// addresses.
type failureLimiter struct {
	burst      float64
	perSecond  float64 // refill rate, tokens per second
	maxClients int

	mu        sync.Mutex
	clients   map[string]*bucket
	overflow  bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newFailureLimiter(rl RateLimit) *failureLimiter {
	burst := float64(rl.Failures)
	return &failureLimiter{
		burst:      burst,
		perSecond:  burst / rl.Per.Seconds(),
		maxClients: rl.MaxClients,
		clients:    make(map[string]*bucket),
		overflow:   bucket{tokens: burst},
	}
}

// refill adds the tokens earned since the bucket was last touched.
func (l *failureLimiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed.Seconds()*l.perSecond)
		b.last = now
	}
}

// blocked reports whether client has no failure left to spend and, if so,
// how long until it has one.
func (l *failureLimiter) blocked(client string, now time.Time) (retryAfter time.Duration, isBlocked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.lookup(client, now, false)
	if b == nil {
		return 0, false
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		return 0, false
	}
	wait := (1 - b.tokens) / l.perSecond
	return time.Duration(math.Ceil(wait * float64(time.Second))), true
}

// fail takes a token from client's bucket.
func (l *failureLimiter) fail(client string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.lookup(client, now, true)
	l.refill(b, now)
	b.tokens = math.Max(0, b.tokens-1)
}

// tracked returns the number of clients in the table.
func (l *failureLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// lookup returns client's bucket, the overflow bucket when the table is full,
// or nil for a client with no failure on record when create is false (its
// bucket would be full). Called with l.mu held.
func (l *failureLimiter) lookup(client string, now time.Time, create bool) *bucket {
	if b, ok := l.clients[client]; ok {
		return b
	}
	if len(l.clients) >= l.maxClients {
		l.sweep(now)
	}
	if len(l.clients) >= l.maxClients {
		return &l.overflow
	}
	if !create {
		return nil
	}
	b := &bucket{tokens: l.burst, last: now}
	l.clients[client] = b
	return b
}

// sweep drops the buckets that have refilled. It runs at most once per token
// interval: before that no bucket can have refilled that did not at the
// previous sweep, and a full table must not cost a scan per request.
func (l *failureLimiter) sweep(now time.Time) {
	interval := time.Duration(float64(time.Second) / l.perSecond)
	if !l.lastSweep.IsZero() && now.Sub(l.lastSweep) < interval {
		return
	}
	l.lastSweep = now
	for k, b := range l.clients {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.clients, k)
		}
	}
}

// clientKey is the rate-limit identity of a client address: the IPv4
// address, or the /64 prefix of an IPv6 one (a host usually owns a whole /64
// and could rotate through it). Anything else is kept as it is, truncated.
func clientKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if len(addr) > 64 {
			addr = addr[:64]
		}
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.Prefix(64)
	if err != nil {
		return ip.String()
	}
	return p.String()
}

// remoteHost is the default Config.ClientAddress: the host of r.RemoteAddr.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ForwardedFor returns a Config.ClientAddress for a service behind reverse
// proxies at the addresses of trusted: a request from a trusted proxy is
// counted against the right-most address of its X-Forwarded-For headers
// that is not itself a trusted proxy (each proxy appends the address it
// was reached from, so everything left of that one was written by the
// client and is not believed). A request from anywhere else, or with no
// X-Forwarded-For, is counted against its peer address: a client cannot
// pick its own rate-limit bucket by sending the header. With no trusted
// prefixes the header is never read.
func ForwardedFor(trusted []netip.Prefix) func(r *http.Request) string {
	trusted = append([]netip.Prefix(nil), trusted...)
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap().WithZone("")
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer := remoteHost(r)
		addr, err := netip.ParseAddr(peer)
		if len(trusted) == 0 || err != nil || !isTrusted(addr) {
			return peer
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		client := peer
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSpace(hops[i])
			if hop == "" {
				continue
			}
			a, ok := parseHop(hop)
			if !ok {
				return hop // written by a trusted proxy, whatever it is
			}
			client = a.String()
			if !isTrusted(a) {
				return client
			}
		}
		return client // every hop is a trusted proxy: the left-most is the client
	}
}

// parseHop reads one X-Forwarded-For entry: an address, with or without a
// port (IPv6 with a port in brackets).
func parseHop(hop string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(hop); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(hop); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// ParseTrustedProxies reads a comma-separated list of CIDR prefixes or
// single addresses (a /32 or /128), as --trusted-proxies takes them.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR prefix (10.0.0.0/8) nor an address", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
