package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/proctest"
)

// marker starts every invented path segment, method and host, so that any
// of them reaching a label value or a span name is found by a substring.
const marker = "zqx"

// hostileRequest is request i of the flood: a random path (unknown
// paths, known routes with random parameters, unknown API paths), a random
// method (standard or invented) and a random Host header.
func hostileRequest(rng *rand.Rand, base string) (*http.Request, error) {
	token := func() string { return fmt.Sprintf("%s%x", marker, rng.Uint64()) }
	var path string
	switch rng.IntN(6) {
	case 0:
		path = "/" + token()
	case 1:
		path = "/" + token() + "/" + token() + "?" + token() + "=" + token()
	case 2:
		path = "/api/items/" + token()
	case 3:
		path = "/api/observability/" + token()
	case 4:
		path = "/dashboard/" + token()
	default:
		path = "/webhooks/" + token()
	}
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions, http.MethodHead}
	method := methods[rng.IntN(len(methods))]
	if rng.IntN(3) == 0 {
		method = strings.ToUpper(token())
	}
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Host = token() + ".example"
	return req, nil
}

// flood sends n hostile requests over workers keep-alive connections,
// pipelined in batches (the client costs less than the server that way),
// and returns how many got an answer.
func flood(t *testing.T, base string, n, workers int, seed uint64) int64 {
	t.Helper()
	const batch = 50
	addr := strings.TrimPrefix(base, "http://")
	var answered, next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := range workers {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		wg.Go(func() {
			var conn net.Conn
			var br *bufio.Reader
			defer func() {
				if conn != nil {
					conn.Close()
				}
			}()
			for next.Load() < int64(n) {
				if conn == nil {
					c, err := net.DialTimeout("tcp", addr, 5*time.Second)
					if err != nil {
						firstErr.CompareAndSwap(nil, err)
						return
					}
					conn, br = c, bufio.NewReader(c)
				}
				var buf bytes.Buffer
				var reqs []*http.Request
				for len(reqs) < batch && next.Add(1) <= int64(n) {
					req, err := hostileRequest(rng, base)
					if err != nil {
						t.Errorf("building a request: %v", err)
						return
					}
					if err := req.Write(&buf); err != nil {
						t.Errorf("writing a request: %v", err)
						return
					}
					reqs = append(reqs, req)
				}
				_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
				if _, err := conn.Write(buf.Bytes()); err != nil {
					firstErr.CompareAndSwap(nil, err)
					conn.Close()
					conn = nil
					continue
				}
				for _, req := range reqs {
					resp, err := http.ReadResponse(br, req)
					if err != nil {
						firstErr.CompareAndSwap(nil, err)
						conn.Close()
						conn = nil
						break
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					answered.Add(1)
					if resp.Close {
						conn.Close()
						conn = nil
						break
					}
				}
			}
		})
	}
	wg.Wait()
	if err := firstErr.Load(); err != nil {
		t.Logf("first client error: %v", err)
	}
	return answered.Load()
}

type cardinality struct {
	series, routes, methods, spanNames int
	rss                                int64
}

// 100,000 requests to invented paths, methods and hosts create no new
// metric series and no new span names beyond a fixed set, and the
// process's memory stops growing: on the path of traced requests and on
// the one requests the sampler drops take around otelhttp.
func TestInventedURLsMethodsAndHostsCreateBoundedSeriesAndSpanNames(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		traced float64 // the share of requests in the trace log
	}{
		{"every request traced", nil, 1},
		{"one request in ten traced", []string{"OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.1"}, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { floodAndMeasure(t, tt.env, tt.traced) })
	}
}

func floodAndMeasure(t *testing.T, env []string, traced float64) {
	const total, checkpoint, workers = 100_000, 20_000, 8
	dir := t.TempDir()
	// GOGC=100: by default serve lets its heap grow to five times the live
	// data between collections (GOGC=400), which would blur what the flood
	// leaves behind in RSS.
	env = append([]string{"DASHBOARD_KEY=" + testKey, "GOGC=100"}, env...)
	p, base := servePlain(t, dir, env, "--sample-interval", "1s", "--eval-interval", "5s")
	pid := p.Cmd.Process.Pid
	tracesPath := filepath.Join(dir, "logs", "http_traces.ndjson")

	measure := func(label string) cardinality {
		mfs := scrape(t, base)
		var c cardinality
		c.series = seriesCount(mfs)
		c.routes = len(labelValues(mfs, "http_route"))
		c.methods = len(labelValues(mfs, "http_request_method"))
		recs, _ := readTraces(t, tracesPath)
		names := map[string]bool{}
		for _, r := range recs {
			names[r.Name] = true
			if strings.Contains(r.Name, marker) || strings.Contains(r.Route, marker) || strings.Contains(r.Method, marker) {
				t.Fatalf("a trace record carries an invented name: %+v", r)
			}
		}
		c.spanNames = len(names)
		c.rss, _ = procStatus(t, pid)
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if strings.Contains(l.GetValue(), marker) {
						t.Fatalf("%s has a series labelled %s=%q: a client created it", mf.GetName(), l.GetName(), l.GetValue())
					}
				}
			}
		}
		t.Logf("%s: %d series in /metrics, %d http_route values, %d http_request_method values, %d span names in %d trace records, RSS %s",
			label, c.series, c.routes, c.methods, c.spanNames, len(recs), mib(c.rss))
		return c
	}

	start := time.Now()
	got := flood(t, base, checkpoint, workers, 1)
	// the spans of the flood reach the file within the batch delay.
	proctest.WaitFor(t, 20*time.Second, "the first flood's spans in the trace log", func() bool {
		recs, _ := readTraces(t, tracesPath)
		return float64(len(recs)) >= traced*checkpoint/2
	})
	early := measure(fmt.Sprintf("after %d requests (%d answered, %v)", checkpoint, got, time.Since(start).Round(time.Second)))
	got += flood(t, base, total-checkpoint, workers, 2)
	if got < total*99/100 {
		t.Fatalf("only %d of %d requests were answered", got, total)
	}
	proctest.WaitFor(t, 20*time.Second, "the whole flood's spans in the trace log", func() bool {
		recs, _ := readTraces(t, tracesPath)
		return float64(len(recs)) >= traced*total/2
	})
	late := measure(fmt.Sprintf("after %d requests (%d answered, %v)", total, got, time.Since(start).Round(time.Second)))

	// Routes: the demo's, the API's, /metrics and "unmatched"; methods:
	// the nine standard ones and _OTHER; span names: method × route.
	if late.routes > 20 {
		t.Errorf("%d http_route values: want a fixed set of at most 20", late.routes)
	}
	if late.methods > 10 {
		t.Errorf("%d http_request_method values: want at most the 9 standard methods and _OTHER", late.methods)
	}
	if late.spanNames > 10*20 {
		t.Errorf("%d span names: want at most 10 methods × 20 routes", late.spanNames)
	}
	// Growth after the first 20,000 requests can only come from
	// combinations of route, method and status not drawn yet, never from
	// the invented values.
	if late.series > early.series+early.series/4 {
		t.Errorf("series grew from %d to %d between %d and %d requests", early.series, late.series, checkpoint, total)
	}
	if limit := early.rss*3/2 + 20<<20; late.rss > limit {
		t.Errorf("RSS grew from %s after %d requests to %s after %d (limit %s)", mib(early.rss), checkpoint, mib(late.rss), total, mib(limit))
	}
	proctest.WaitHTTP(t, 5*time.Second, base+"/healthz", http.StatusOK)
}
