package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/loadgen"
	"github.com/sloguard/sloguard/internal/proctest"
)

// answerLog is a RoundTripper that notes when each answer arrived, so the
// test knows which answered requests fell in the last sample interval
// before a kill.
type answerLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	at   []time.Time
}

func (a *answerLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(r)
	if err == nil {
		now := time.Now()
		a.mu.Lock()
		a.at = append(a.at, now)
		a.mu.Unlock()
	}
	return resp, err
}

func (a *answerLog) times() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.at...)
}

// A kill -9 in the middle of the load loses at most what the SLO processor
// had not yet flushed (the requests of the last sample interval), never
// counts a request twice, and the restarted serve reports exactly what was
// flushed; the trace log holds whole records, a torn last line at most.
func TestKill9UnderLoadLosesAtMostTheLastSampleInterval(t *testing.T) {
	const sampleInterval = time.Second
	dir := t.TempDir()
	specPath := writeSpec(t, dir)
	env := []string{"DASHBOARD_KEY=" + testKey}
	args := []string{"--slo-file", specPath, "--sample-interval", sampleInterval.String(), "--eval-interval", "1s"}
	p, base := proctest.Serve(t, dir, env, args...)
	tracesPath := filepath.Join(dir, "logs", "http_traces.ndjson")

	log := &answerLog{next: &http.Transport{MaxIdleConnsPerHost: 16, MaxConnsPerHost: 16}}
	t.Cleanup(log.next.(*http.Transport).CloseIdleConnections)
	type result struct {
		sum loadgen.Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := loadgen.Run(proctest.Context(t), loadgen.Config{
			Target: base, RPS: 150, Duration: 9 * time.Second, Seed: 7,
			Client: &http.Client{Transport: log, Timeout: 5 * time.Second},
		})
		done <- result{sum, err}
	}()

	// Kill once the store and the trace log both hold some of the load,
	// with the load still running.
	proctest.WaitFor(t, 20*time.Second, "the store and the trace log to hold part of the load", func() bool {
		recs, _ := readTraces(t, tracesPath)
		return len(recs) > 0 && checkTotal(t, dir, specPath) > 0 && len(log.times()) > 300
	})
	killedAt := time.Now()
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.Wait(t, 10*time.Second)
	res := <-done
	if res.err != nil {
		t.Fatalf("loadgen: %v", res.err)
	}
	if res.sum.ByStatus["error"] == 0 {
		t.Fatalf("the load ended before the kill (%v): the kill was not under load", res.sum.ByStatus)
	}

	times := log.times()
	answeredN := len(times)
	if got := answered(res.sum); got != float64(answeredN) {
		t.Fatalf("loadgen counted %v answers, the transport %d", got, answeredN)
	}
	// The last interval: a sample is flushed every sampleInterval; allow one
	// more for a tick delayed by the load on a shared machine.
	lastInterval := 0
	for _, at := range times {
		if at.After(killedAt.Add(-2 * sampleInterval)) {
			lastInterval++
		}
	}
	stored := checkTotal(t, dir, specPath)
	lost := float64(answeredN) - stored
	t.Logf("answered %d, stored %v, lost %v; %d answered in the last %v before the kill", answeredN, stored, lost, lastInterval, 2*sampleInterval)
	if lost < 0 {
		t.Errorf("the store counts %v requests, more than the %d answered: counted twice", stored, answeredN)
	}
	if lost > float64(lastInterval) {
		t.Errorf("the kill lost %v requests, more than the %d answered in the last sample interval", lost, lastInterval)
	}

	recs, st := readTraces(t, tracesPath)
	t.Logf("trace log: %d whole records, torn last line %v (%d bytes)", len(recs), st.TornLastLine, st.TornBytes)
	if len(recs) == 0 || len(recs) > answeredN {
		t.Errorf("the trace log holds %d records; want between 1 and the %d requests answered", len(recs), answeredN)
	}
	for i, r := range recs {
		if r.Route == "" || r.Status == 0 || r.TraceID == "" {
			t.Fatalf("trace record %d is not a whole server span: %+v", i+1, r)
		}
	}
	// A write torn by a power loss leaves half a line; a kill -9 cannot
	// tear the single write of a batch, so the test tears one itself. The
	// restarted serve must not glue its lines onto it.
	if !st.TornLastLine {
		f, err := os.OpenFile(tracesPath, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(`{"ts":"2026-01-02T03:04:05Z","route":"/api/it`); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	// The restarted serve reports exactly what was flushed before the kill.
	_, base2 := proctest.Serve(t, dir, env, args...)
	proctest.WaitFor(t, 15*time.Second, "the restarted serve to report the flushed history", func() bool {
		return report(t, base2).SLOs["availability"].Total == stored
	})
	// and its spans are whole lines after the torn one.
	client := keepAliveClient(t, 1)
	if pr := closedLoop(t, client, 1, 200*time.Millisecond, itemURL(base2)); !pr.answeredAll(http.StatusOK) {
		t.Fatalf("the restarted serve: %v", pr)
	}
	files := func() []string {
		m, err := filepath.Glob(filepath.Join(dir, "logs", "http_traces*.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	proctest.WaitFor(t, 20*time.Second, "the restarted serve's spans in the trace log", func() bool {
		n := 0
		for _, f := range files() {
			r, _ := readTraces(t, f)
			n += len(r)
		}
		return n > len(recs)
	})
}
