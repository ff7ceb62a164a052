package sloguard

import (
	"context"
	"net/http"
	"sync"
)

// gate is the handler Handler returns: it counts the requests in flight so
// that Shutdown can wait for them before the processor's last evaluation,
// and refuses requests that arrive once Shutdown has begun (their metrics
// would reach providers that are stopping).
type gate struct {
	next     http.Handler
	mu       sync.Mutex
	closed   bool
	inFlight sync.WaitGroup
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	if g.closed || g.next == nil {
		g.mu.Unlock()
		w.Header().Set("Connection", "close")
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	g.inFlight.Add(1)
	g.mu.Unlock()
	defer g.inFlight.Done()
	g.next.ServeHTTP(w, r)
}

// close refuses new requests and waits for those in flight, or for ctx.
func (g *gate) close(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	done := make(chan struct{})
	go func() { g.inFlight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
