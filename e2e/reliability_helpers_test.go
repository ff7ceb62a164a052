package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sloguard/sloguard/exporters/ndjson"
	"github.com/sloguard/sloguard/internal/proctest"
)

var (
	plainOnce sync.Once
	plainPath string
	plainErr  error
)

// plainSloguard returns a sloguard binary built without the race detector.
// The tests that measure what a flood or a long run costs the process
// (memory, threads, descriptors, throughput) use it: under the race
// detector serve answers about 20 times fewer requests a second and its
// memory is mostly shadow memory. Every other test runs the binary of
// proctest.Sloguard, with the race detector when the tests have it.
func plainSloguard(t *testing.T) string {
	t.Helper()
	plainOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..")
		dir, err := os.MkdirTemp("", "sloguard-plain-")
		if err != nil {
			plainErr = err
			return
		}
		plainPath = filepath.Join(dir, "sloguard")
		cmd := exec.Command("go", "build", "-o", plainPath, "./cmd/sloguard")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			plainErr = fmt.Errorf("go build ./cmd/sloguard: %v\n%s", err, out)
		}
	})
	if plainErr != nil {
		t.Fatal(plainErr)
	}
	return plainPath
}

// servePlain starts `sloguard serve` from plainSloguard, as proctest.Serve
// does with its binary.
func servePlain(t *testing.T, dir string, env []string, args ...string) (*proctest.Proc, string) {
	t.Helper()
	return proctest.ServeBinary(t, "sloguard serve (no race detector)", plainSloguard(t), dir, env, args...)
}

// writeSpec writes the SLO spec of the reliability tests (the pipeline
// test's: one availability SLO over the demo routes) into dir.
func writeSpec(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "slo.yaml")
	if err := os.WriteFile(path, []byte(pipelineSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// keepAliveClient is an HTTP client with enough idle connections for n
// workers, closed when the test ends.
func keepAliveClient(t *testing.T, n int) *http.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, IdleConnTimeout: 30 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}
}

// probe is what a closed-loop load saw: the latency of every answered
// request, the answers by status and the transport errors.
type probe struct {
	latencies []time.Duration
	byStatus  map[int]int
	errors    int
	firstErr  error
}

// answeredAll reports whether every request got an answer with status want.
func (p probe) answeredAll(want int) bool {
	return p.errors == 0 && len(p.byStatus) == 1 && p.byStatus[want] == len(p.latencies)
}

// p99 is the nearest-rank 99th percentile of the latencies.
func (p probe) p99() time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	s := slices.Clone(p.latencies)
	slices.Sort(s)
	i := int(math.Ceil(0.99*float64(len(s)))) - 1
	return s[max(0, i)]
}

func (p probe) String() string {
	return fmt.Sprintf("%d requests, p99 %v, by status %v, %d transport errors", len(p.latencies), p.p99().Round(10*time.Microsecond), p.byStatus, p.errors)
}

// closedLoop sends GET requests to url(i) from workers goroutines,
// each waiting for its answer before the next, for d.
func closedLoop(t *testing.T, client *http.Client, workers int, d time.Duration, url func(i int) string) probe {
	t.Helper()
	var (
		mu  sync.Mutex
		out = probe{byStatus: map[int]int{}}
		seq atomic.Int64
		wg  sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	for range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				i := int(seq.Add(1))
				start := time.Now()
				resp, err := client.Get(url(i))
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				took := time.Since(start)
				mu.Lock()
				if err != nil {
					out.errors++
					if out.firstErr == nil {
						out.firstErr = err
					}
				} else {
					out.latencies = append(out.latencies, took)
					out.byStatus[resp.StatusCode]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// itemURL is a closedLoop URL function for the demo's item route.
func itemURL(base string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s/api/items/%d", base, i%1000) }
}

// p99Ratio is how much slower the faulty run's p99 is than the healthy
// run's, with the healthy p99 taken as at least 5ms so that a sub-millisecond
// baseline on a quiet machine does not turn scheduling noise into a ratio.
func p99Ratio(healthy, faulty probe) float64 {
	base := max(healthy.p99(), 5*time.Millisecond)
	return float64(faulty.p99()) / float64(base)
}

// scrape fetches /metrics in the text format and parses it.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return mfs
}

// metricSum adds up the values of every series of the named family whose
// labels include want (a counter, gauge or untyped value; for a histogram,
// its count).
func metricSum(mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	mf, ok := mfs[name]
	if !ok {
		return 0
	}
	total := 0.0
	for _, m := range mf.GetMetric() {
		if !hasLabels(m, want) {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Untyped != nil:
			total += m.Untyped.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == k && l.GetValue() == v {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// seriesCount counts the series of a scrape the way Prometheus stores them:
// one per sample line, so each bucket, _sum and _count of a histogram.
func seriesCount(mfs map[string]*dto.MetricFamily) int {
	n := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch {
			case m.Histogram != nil:
				n += len(m.Histogram.GetBucket()) + 3 // the buckets, +Inf, _sum, _count
			case m.Summary != nil:
				n += len(m.Summary.GetQuantile()) + 2
			default:
				n++
			}
		}
	}
	return n
}

// labelValues returns the distinct values of label across every family.
func labelValues(mfs map[string]*dto.MetricFamily, label string) []string {
	seen := map[string]bool{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					seen[l.GetValue()] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// procStatus reads VmRSS (bytes) and Threads from /proc/<pid>/status.
func procStatus(t *testing.T, pid int) (rss int64, threads int) {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading the status of process %d: %v", pid, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			rss = n << 10 // kB
		case "Threads":
			threads = int(n)
		}
	}
	if rss == 0 || threads == 0 {
		t.Fatalf("/proc/%d/status has no VmRSS or Threads:\n%s", pid, data)
	}
	return rss, threads
}

// openFiles counts the descriptors of a process.
func openFiles(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("listing the descriptors of process %d: %v", pid, err)
	}
	return len(ents)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// readTraces reads a trace log with ndjson.Read, which skips a torn last
// line and fails on any other line that is not a whole record.
func readTraces(t *testing.T, path string) ([]ndjson.Record, ndjson.ReadStats) {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, ndjson.ReadStats{}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []ndjson.Record
	st, err := ndjson.Read(f, func(r ndjson.Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("the trace log %s holds a line that is not a whole record: %v", path, err)
	}
	return recs, st
}

// endpointMode is how a faultyEndpoint treats the connections it accepts.
type endpointMode int32

const (
	// modeUp serves HTTP: 200 with an empty body to every request.
	modeUp endpointMode = iota
	// modeBlackHole accepts connections and never reads or answers.
	modeBlackHole
	// modeReset accepts connections and closes them at once, as a server
	// that is going down does.
	modeReset
)

func (m endpointMode) String() string {
	return [...]string{"up", "black hole", "reset"}[m]
}

// faultyEndpoint is a receiver (an OTLP collector, an Alertmanager, a
// Prometheus) whose failure modes the test switches: the edge of the
// network that a test cannot otherwise make slow or flap on demand. In
// modeUp it answers every request 200 and counts them by path.
type faultyEndpoint struct {
	ln   net.Listener
	mode atomic.Int32
	srv  *http.Server
	up   *chanListener

	mu     sync.Mutex
	hits   map[string]int
	held   []net.Conn
	served map[net.Conn]bool // connections of modeUp, still open
}

func newFaultyEndpoint(t *testing.T, mode endpointMode) *faultyEndpoint {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &faultyEndpoint{ln: ln, hits: map[string]int{}, up: newChanListener(ln.Addr()), served: map[net.Conn]bool{}}
	e.mode.Store(int32(mode))
	e.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		e.mu.Lock()
		e.hits[r.URL.Path]++
		e.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			w.Header().Set("Content-Type", "application/x-protobuf")
		}
		w.WriteHeader(http.StatusOK)
	}), ConnState: func(c net.Conn, st http.ConnState) {
		e.mu.Lock()
		defer e.mu.Unlock()
		switch st {
		case http.StateNew:
			e.served[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(e.served, c)
		}
	}}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = e.srv.Serve(e.up)
	}()
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			switch endpointMode(e.mode.Load()) {
			case modeUp:
				e.up.conns <- c
			case modeBlackHole:
				e.mu.Lock()
				e.held = append(e.held, c)
				e.mu.Unlock()
			case modeReset:
				if tc, ok := c.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				c.Close()
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-accepted
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.srv.Shutdown(ctx)
		e.srv.Close()
		<-served
		e.mu.Lock()
		for _, c := range e.held {
			c.Close()
		}
		e.mu.Unlock()
	})
	return e
}

func (e *faultyEndpoint) URL() string { return "http://" + e.ln.Addr().String() }

// set switches the mode. Every connection of the previous mode is closed,
// as a receiver that restarts or dies would close them, so that clients
// meet the new mode when they reconnect instead of keeping a healthy
// keep-alive connection.
func (e *faultyEndpoint) set(m endpointMode) {
	if endpointMode(e.mode.Swap(int32(m))) == m {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if m != modeBlackHole {
		for _, c := range e.held {
			c.Close()
		}
		e.held = nil
	}
	if m != modeUp {
		for c := range e.served {
			c.Close()
		}
	}
}

// hitCount is the number of requests answered on path.
func (e *faultyEndpoint) hitCount(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hits[path]
}

// heldCount is the number of connections the black hole holds.
func (e *faultyEndpoint) heldCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.held)
}

// chanListener hands the connections accepted in modeUp to the HTTP server.
type chanListener struct {
	addr   net.Addr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
