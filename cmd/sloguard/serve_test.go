package main

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/exporters/ndjson"
	"github.com/sloguard/sloguard/internal/proctest"
)

// SIGTERM while a request is in flight: the request completes, the process
// exits 0, and telemetry is flushed.
func TestServeShutsDownGracefullyOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	p, base := proctest.Serve(t, dir, nil, "--demo-faults")
	banner := p.Output()
	for _, want := range []string{"listening", base + "/metrics"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner %q does not mention %q", banner, want)
		}
	}
	type result struct {
		status int
		err    error
	}
	slow := make(chan result, 1)
	written := make(chan struct{})
	go func() {
		req, _ := http.NewRequest("GET", base+"/api/items/1?simulate=slow&ms=1500", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { close(written) },
		}))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- result{err: err}
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		slow <- result{status: resp.StatusCode}
	}()
	// The server accepts connections in order: once a request on a new
	// connection written after the slow one is answered, the slow one's
	// connection has been accepted and the signal finds it in flight.
	<-written
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := fresh.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-slow
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("request in flight at SIGTERM: status %d, error %v; want 200", r.status, r.err)
	}
	if err := p.Wait(t, 20*time.Second); err != nil {
		t.Fatalf("exit: %v, want status 0", err)
	}
	if !strings.Contains(p.Output(), "stopped") {
		t.Errorf("no 'stopped' line in the output")
	}
	// Spans are flushed at shutdown: both requests are in the traces file,
	// although the batch processor's 5s delay had not passed.
	f, err := os.Open(filepath.Join(dir, "logs", "http_traces.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	routes := map[string]int{}
	stats, err := ndjson.Read(f, func(r ndjson.Record) error {
		routes[r.Route]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if routes["/api/items/{id}"] != 1 || routes["/healthz"] != 1 {
		t.Errorf("spans by route in the traces file %v (%+v), want the slow request and /healthz", routes, stats)
	}
}
