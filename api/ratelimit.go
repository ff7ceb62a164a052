package api

import (
	"math"
	"net"
	"net/http"
	"net/netip"
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
