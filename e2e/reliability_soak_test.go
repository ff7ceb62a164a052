package e2e

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/loadgen"
	"github.com/sloguard/sloguard/internal/proctest"
)

// soakDuration is how long the soak runs: 60s, or $SLOGUARD_SOAK (a Go
// duration such as 10m) for a longer run on demand.
func soakDuration(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv("SLOGUARD_SOAK")
	if v == "" {
		return time.Minute
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 20*time.Second {
		t.Fatalf("SLOGUARD_SOAK=%q: want a Go duration of at least 20s, such as 10m", v)
	}
	return d
}

type soakSample struct {
	at      time.Duration
	rss     int64
	threads int
	fds     int
}

// A steady load with every exporter on (NDJSON traces, OTLP to a
// Collector, the SLO processor sampling and evaluating every second, the
// alert file, API reads) and half the requests traced: memory, threads and
// open files stay flat, and when serve stops every answered request is in
// the SLO store.
func TestSoakKeepsResourcesFlatAndCountsEveryRequest(t *testing.T) {
	d := soakDuration(t)
	dir := t.TempDir()
	specPath := writeSpec(t, dir)
	collector := newFaultyEndpoint(t, modeUp)
	env := []string{
		"DASHBOARD_KEY=" + testKey,
		// see TestInventedURLsMethodsAndHostsCreateBoundedSeriesAndSpanNames
		"GOGC=100",
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.URL(),
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_METRIC_EXPORT_INTERVAL=5000",
		// Half the requests traced: the traced path and the one sampled-out
		// requests take around otelhttp both run for the whole soak.
		"OTEL_TRACES_SAMPLER=parentbased_traceidratio",
		"OTEL_TRACES_SAMPLER_ARG=0.5",
	}
	p, base := servePlain(t, dir, env, "--demo-faults", "--slo-file", specPath, "--sample-interval", "1s", "--eval-interval", "1s")
	pid := p.Cmd.Process.Pid

	type result struct {
		sum loadgen.Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := loadgen.Run(proctest.Context(t), loadgen.Config{Target: base, RPS: 200, Duration: d, ErrorRate: 0.01, SlowRate: 0.01, SlowMS: 50, Seed: 11})
		done <- result{sum, err}
	}()

	// Warm-up (pools, buffers, the first rotations of the store's WAL) is
	// a sixth of the run; from there on nothing may grow.
	warmup := d / 6
	start := time.Now()
	var samples []soakSample
	tk := time.NewTicker(5 * time.Second)
	defer tk.Stop()
	var res result
loop:
	for {
		select {
		case res = <-done:
			break loop
		case <-tk.C:
			rss, threads := procStatus(t, pid)
			samples = append(samples, soakSample{time.Since(start).Round(time.Second), rss, threads, openFiles(t, pid)})
			// the dashboard's reads, as an operator's browser makes them.
			report(t, base)
		}
	}
	if res.err != nil {
		t.Fatalf("loadgen: %v", res.err)
	}
	end := samples[len(samples)-1]
	first := samples[0]
	for _, s := range samples {
		if s.at >= warmup {
			first = s
			break
		}
	}
	for _, s := range samples {
		t.Logf("%6v  RSS %s  threads %d  open files %d", s.at, mib(s.rss), s.threads, s.fds)
	}
	t.Logf("load: %s", res.sum.String())
	if limit := first.rss*3/2 + 20<<20; end.rss > limit {
		t.Errorf("RSS grew from %s at %v to %s at %v (limit %s)", mib(first.rss), first.at, mib(end.rss), end.at, mib(limit))
	}
	if end.threads > first.threads+8 {
		t.Errorf("threads grew from %d at %v to %d at %v", first.threads, first.at, end.threads, end.at)
	}
	if end.fds > first.fds+16 {
		t.Errorf("open files grew from %d at %v to %d at %v", first.fds, first.at, end.fds, end.at)
	}
	// (Skipped requests were never sent: the load generator had its
	// maximum in flight, a limit of the client.)
	if n := res.sum.ByStatus["error"]; n > 0 {
		t.Errorf("%d requests got no answer", n)
	}

	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 30*time.Second); err != nil {
		t.Fatalf("serve did not stop cleanly: %v\n%s", err, p.Output())
	}
	if got, want := checkTotal(t, dir, specPath), answered(res.sum); got != want {
		t.Errorf("the store counts %v requests after a clean stop; the load generator got %v answers", got, want)
	}
	recs, st := readTraces(t, filepath.Join(dir, "logs", "http_traces.ndjson"))
	if st.TornLastLine {
		t.Errorf("a clean stop left a torn last line in the trace log")
	}
	t.Logf("trace log: %d records; Collector got %d span and %d metric exports", len(recs), collector.hitCount("/v1/traces"), collector.hitCount("/v1/metrics"))
	if collector.hitCount("/v1/traces") == 0 {
		t.Errorf("no span reached the Collector")
	}
}
