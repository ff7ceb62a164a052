package instrumentation

import (
	"sync"
	"time"
)

// recentSize is how many requests the recent ring keeps, for all routes
// together: enough for the last 60 of any busy route.
const recentSize = 1024

// recentRing keeps the durations of the last requests, for the dashboard's
// sparkline. A mutex is cheaper here than the atomics a lock-free ring of
// (route, duration) pairs would need, and the section is a few stores.
type recentRing struct {
	mu    sync.Mutex
	next  uint64
	route [recentSize]string
	dur   [recentSize]time.Duration
}

func (r *recentRing) add(route string, d time.Duration) {
	r.mu.Lock()
	i := r.next % recentSize
	r.route[i] = route
	r.dur[i] = d
	r.next++
	r.mu.Unlock()
}

// last returns up to n durations in milliseconds, oldest first, of the
// requests to route ("" for every route).
func (r *recentRing) last(route string, n int) []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n <= 0 {
		return []float64{}
	}
	out := make([]float64, 0, n)
	count := min(r.next, recentSize)
	for k := uint64(1); k <= count && len(out) < n; k++ {
		i := (r.next - k) % recentSize
		if route == "" || r.route[i] == route {
			out = append(out, float64(r.dur[i])/float64(time.Millisecond))
		}
	}
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out
}
