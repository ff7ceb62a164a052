package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/loadgen"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
)

// A 3-hour window scales the page tier's windows to 15s and 1.25s, so a
// page can fire and resolve within a test.
const pipelineSpec = `version: sloguard/v1
service: pipeline-test
slos:
  - name: availability
    objective: 99
    window: 3h
    min_events: 50
    sli:
      availability:
        routes: ["/api/items/{id}", /api/payments, /webhooks/stripe]
`

const testKey = "e2e-test-key-0123456789"

func readAlerts(t *testing.T, path string) []slo.Alert {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []slo.Alert
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var a slo.Alert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("alerts file line %q: %v", sc.Text(), err)
		}
		out = append(out, a)
	}
	return out
}

func hasAlert(alerts []slo.Alert, state, name, severity string) bool {
	for _, a := range alerts {
		if a.State == state && a.Name == name && a.Severity == severity && a.SLO == "availability" {
			return true
		}
	}
	return false
}

func report(t *testing.T, base string) slo.Report {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/observability/slo", nil)
	req.Header.Set("X-Dash-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r slo.Report
	if resp.StatusCode != http.StatusOK {
		return r
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// checkTotal runs `sloguard check` on the store and returns the
// availability SLO's total over its window.
func checkTotal(t *testing.T, dir, specPath string) float64 {
	t.Helper()
	cmd := exec.Command(proctest.Sloguard(t), "check", "--data-dir", filepath.Join(dir, "data"), "--slo-file", specPath)
	out, err := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code == 3 || (err != nil && code < 0) {
		t.Fatalf("check: %v\n%s", err, out)
	}
	var r slo.Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("check output %q: %v", out, err)
	}
	return r.SLOs["availability"].Total
}

func answered(s loadgen.Summary) float64 {
	n := 0
	for code, c := range s.ByStatus {
		if code != "error" && code != "cancelled" {
			n += c
		}
	}
	return float64(n)
}

// The acceptance run: serve with 1s sampling and evaluation, errors
// injected by the load generator page, the page resolves once errors stop,
// every answered request is counted, and a kill -9 loses no history that
// reached the store.
func TestPagesOnInjectedErrorsResolvesAndKeepsHistoryAcrossKill9(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "slo.yaml")
	if err := os.WriteFile(specPath, []byte(pipelineSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"DASHBOARD_KEY=" + testKey, "WEBHOOK_AUTHORIZATION=Bearer hook-secret"}
	hook := newWebhookRecorder(t)
	args := []string{"--demo-faults", "--slo-file", specPath, "--sample-interval", "1s", "--eval-interval", "1s", "--webhook-url", hook.URL}
	p, base := proctest.Serve(t, dir, env, args...)
	alertsPath := filepath.Join(dir, "logs", "production_alerts.ndjson")
	ctx := proctest.Context(t)

	bad, err := loadgen.Run(ctx, loadgen.Config{Target: base, RPS: 80, Duration: 18 * time.Second, ErrorRate: 0.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	proctest.WaitFor(t, 30*time.Second, "a page for availability in the alerts file", func() bool {
		return hasAlert(readAlerts(t, alertsPath), "firing", "SLOErrorBudgetBurn", "page")
	})
	// The webhook sink got the same page, with the credential from the
	// environment.
	proctest.WaitFor(t, 15*time.Second, "the page at the webhook", func() bool {
		return hook.saw("firing", "SLOErrorBudgetBurn", "page")
	})
	if got := hook.authorization(); got != "Bearer hook-secret" {
		t.Errorf("webhook Authorization header %q, want the one from WEBHOOK_AUTHORIZATION", got)
	}
	// check --server asks the running serve to evaluate now.
	cmd := exec.Command(proctest.Sloguard(t), "check", "--server", base)
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Errorf("check --server exit status %d during the errors, want 2 (CRITICAL)", code)
	}
	var fresh slo.Report
	if err := json.Unmarshal(out, &fresh); err != nil || fresh.OverallStatus != slo.StatusCritical {
		t.Errorf("check --server printed %q (%v), want a CRITICAL report", out, err)
	}
	good, err := loadgen.Run(ctx, loadgen.Config{Target: base, RPS: 80, Duration: 5 * time.Second, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	proctest.WaitFor(t, 30*time.Second, "the page to resolve", func() bool {
		return hasAlert(readAlerts(t, alertsPath), "resolved", "SLOErrorBudgetBurn", "page")
	})
	proctest.WaitFor(t, 15*time.Second, "the resolved page at the webhook", func() bool {
		return hook.saw("resolved", "SLOErrorBudgetBurn", "page")
	})
	// A firing alert is written once, not at every evaluation.
	firing := 0
	for _, a := range readAlerts(t, alertsPath) {
		if a.State == "firing" && a.Name == "SLOErrorBudgetBurn" && a.Severity == "page" && a.LongWindow == "15s" {
			firing++
		}
	}
	if firing != 1 {
		t.Errorf("the 15s/1.25s page was written %d times as firing, want once", firing)
	}

	sent := answered(bad) + answered(good)
	proctest.WaitFor(t, 15*time.Second, "the report to count every answered request", func() bool {
		r := report(t, base)
		return r.SLOs["availability"].Total == sent
	})
	r := report(t, base)
	if got, want := r.SLOs["availability"].Bad, float64(bad.ByStatus["500"]); got != want {
		t.Errorf("report counts %v bad events, the load generator saw %v 500s", got, want)
	}

	// kill -9, then restart on the same data: what the store held survives.
	before := checkTotal(t, dir, specPath)
	if before != sent {
		t.Fatalf("store holds %v events before the kill, want %v", before, sent)
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.Wait(t, 10*time.Second)
	after := checkTotal(t, dir, specPath)
	if after != before {
		t.Errorf("after kill -9 the store holds %v events, before it %v", after, before)
	}
	_, base2 := proctest.Serve(t, dir, env, args...)
	proctest.WaitFor(t, 15*time.Second, "the restarted serve to report the old history", func() bool {
		return report(t, base2).SLOs["availability"].Total >= before
	})
	// The traces file holds whole lines (a torn last one at most).
	f, err := os.Open(filepath.Join(dir, "logs", "http_traces.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	for i, l := range lines {
		if !json.Valid([]byte(l)) && i != len(lines)-1 {
			t.Fatalf("traces line %d of %d is not whole JSON: %q", i+1, len(lines), l)
		}
	}
}

// webhookRecorder is the receiving end of serve's --webhook-url.
type webhookRecorder struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []slo.Alert
	auth   string
}

func newWebhookRecorder(t *testing.T) *webhookRecorder {
	w := &webhookRecorder{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var body struct {
			Changed []slo.Alert `json:"changed"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		w.alerts = append(w.alerts, body.Changed...)
		w.auth = r.Header.Get("Authorization")
		w.mu.Unlock()
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *webhookRecorder) saw(state, name, severity string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return hasAlert(w.alerts, state, name, severity)
}

func (w *webhookRecorder) authorization() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.auth
}
