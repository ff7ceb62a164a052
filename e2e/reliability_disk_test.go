package e2e

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
)

// mountTmpfs mounts a tmpfs of size bytes on dir, unmounted when the test
// ends; it skips the test where mounting is not allowed (not root, or no
// CAP_SYS_ADMIN in a container).
func mountTmpfs(t *testing.T, dir string, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("a full disk is simulated with a small tmpfs, which cannot be mounted here (needs root or CAP_SYS_ADMIN): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// fill writes zeros to path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v, want ENOSPC", path, err)
			}
			break
		}
	}
	// the last bytes: a write smaller than a page can still fit.
	for _, n := range []int{4096, 512, 64, 1} {
		for {
			if _, err := f.Write(buf[:n]); err != nil {
				break
			}
		}
	}
}

// With the logs and the SLO store on a full disk, requests are served as
// fast as before (nothing waits on the disk), the failed writes are counted
// in /metrics, the trace log and the report stay whole, and once space is
// freed lines are written again and the store counts every request, without
// a restart.
func TestFullDiskDoesNotBlockRequestsAndRecovers(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "small-disk")
	mountTmpfs(t, logs, "16m")
	specPath := writeSpec(t, dir)
	tracesPath := filepath.Join(logs, "http_traces.ndjson")
	reportPath := filepath.Join(logs, "slo_report.json")
	p, base := proctest.Serve(t, dir, []string{"DASHBOARD_KEY=" + testKey},
		"--slo-file", specPath, "--sample-interval", "1s", "--eval-interval", "1s",
		"--traces-file", tracesPath, "--alerts-file", filepath.Join(logs, "alerts.ndjson"), "--report-file", reportPath,
		"--data-dir", filepath.Join(logs, "data"))
	client := keepAliveClient(t, 8)
	errorsTotal := func() float64 { return metricSum(scrape(t, base), "sloguard_exporter_ndjson_errors_total", nil) }
	spansTotal := func() float64 { return metricSum(scrape(t, base), "sloguard_exporter_ndjson_spans_total", nil) }
	droppedTotal := func() float64 { return metricSum(scrape(t, base), "sloguard_exporter_ndjson_dropped_total", nil) }

	healthy := closedLoop(t, client, 8, 2*time.Second, itemURL(base))
	if !healthy.answeredAll(http.StatusOK) {
		t.Fatalf("before the fault: %v (first error %v)", healthy, healthy.firstErr)
	}
	proctest.WaitFor(t, 20*time.Second, "spans in the trace log", func() bool { return spansTotal() > 0 })
	if e := errorsTotal(); e != 0 {
		t.Fatalf("%v export errors before the disk was full", e)
	}

	fill(t, filepath.Join(logs, "filler"))
	faulty := closedLoop(t, client, 8, 2*time.Second, itemURL(base))
	if !faulty.answeredAll(http.StatusOK) {
		t.Fatalf("with the disk full: %v (first error %v)", faulty, faulty.firstErr)
	}
	proctest.WaitFor(t, 20*time.Second, "sloguard_exporter_ndjson_errors_total to rise", func() bool { return errorsTotal() > 0 })
	ratio := p99Ratio(healthy, faulty)
	t.Logf("healthy: %v", healthy)
	t.Logf("disk full: %v; p99 ratio %.2f; ndjson errors %v, spans dropped %v", faulty, ratio, errorsTotal(), droppedTotal())
	if ratio >= 5 {
		t.Errorf("with the disk full, p99 is %.1fx the healthy p99 (%v vs %v): requests wait on the disk", ratio, faulty.p99(), healthy.p99())
	}
	if droppedTotal() == 0 {
		t.Errorf("spans were lost to the full disk but sloguard_exporter_ndjson_dropped_total is 0")
	}
	recsFull, _ := readTraces(t, tracesPath)
	var rep slo.Report
	data, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("with the disk full the report is not whole JSON: %v\n%s", err, data)
	}
	reportBefore := rep.TS

	// Recovery: free the space; the same process writes again.
	if err := os.Remove(filepath.Join(logs, "filler")); err != nil {
		t.Fatal(err)
	}
	spansAtRecovery := spansTotal()
	after := closedLoop(t, client, 4, time.Second, itemURL(base))
	if !after.answeredAll(http.StatusOK) {
		t.Fatalf("after the fault: %v", after)
	}
	proctest.WaitFor(t, 20*time.Second, "new lines in the trace log once space is free", func() bool {
		recs, _ := readTraces(t, tracesPath)
		return len(recs) > len(recsFull) && spansTotal() > spansAtRecovery
	})
	proctest.WaitFor(t, 20*time.Second, "a new report once space is free", func() bool {
		data, err := os.ReadFile(reportPath)
		if err != nil {
			return false
		}
		var r slo.Report
		return json.Unmarshal(data, &r) == nil && r.TS.After(reportBefore.Add(2*time.Second))
	})
	// The SLO store was on the full disk too: the samples it could not
	// write were kept, and every request is counted once it could.
	sent := float64(len(healthy.latencies) + len(faulty.latencies) + len(after.latencies))
	proctest.WaitFor(t, 20*time.Second, "the SLO store to count every request", func() bool {
		return report(t, base).SLOs["availability"].Total == sent
	})
	storeFailures := strings.Count(p.Output(), `msg="slo sample"`)
	t.Logf("%d sample flushes failed while the disk was full; after recovery the store counts all %v requests", storeFailures, sent)
	recs, st := readTraces(t, tracesPath)
	t.Logf("trace log after recovery: %d whole records (%d when the disk was full), torn last line %v", len(recs), len(recsFull), st.TornLastLine)
}
