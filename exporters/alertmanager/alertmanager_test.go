package alertmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/delivery/deliverytest"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/internal/testbin"
	"github.com/sloguard/sloguard/slo"
)

// amConfig routes every alert to a receiver that notifies no one: the
// tests read the alerts back through the API.
const amConfig = `route:
  receiver: nobody
  group_by: [alertname, slo]
receivers:
  - name: nobody
`

// startAlertmanager runs a real Alertmanager on 127.0.0.1:port, without
// clustering, with the extra flags given, and returns its base URL once it
// answers /-/ready with ready (200 unless extra asks for authentication).
func startAlertmanager(t *testing.T, port int, ready int, extra ...string) string {
	t.Helper()
	bin := testbin.Path(t, "alertmanager")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte(amConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{
		"--config.file=" + cfg,
		"--storage.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--cluster.listen-address=",
		"--log.level=debug",
	}
	proctest.Start(t, "alertmanager", dir, nil, bin, append(args, extra...)...)
	base := "http://" + addr
	proctest.WaitHTTP(t, 60*time.Second, base+"/-/ready", ready)
	return base
}

// gettableAlert is what GET /api/v2/alerts returns of an alert.
type gettableAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

// listAlerts returns the alerts Alertmanager holds for the SLO
// "availability" (resolved ones are not listed), or an error.
func listAlerts(base string) ([]gettableAlert, error) {
	q := url.Values{"filter": {`slo="availability"`}}
	resp, err := http.Get(base + "/api/v2/alerts?" + q.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v2/alerts: %s", resp.Status)
	}
	var out []gettableAlert
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

// waitActive waits until Alertmanager holds exactly one active alert for
// the SLO and returns it.
func waitActive(t *testing.T, base string) gettableAlert {
	t.Helper()
	var got gettableAlert
	proctest.WaitFor(t, 30*time.Second, "Alertmanager to list the alert as active", func() bool {
		as, err := listAlerts(base)
		if err != nil || len(as) != 1 || as[0].Status.State != "active" {
			return false
		}
		got = as[0]
		return true
	})
	return got
}

// wantLabels is the label set of the fast-burn page of testSpec, as the
// Prometheus rules of the same SLO label it.
var wantLabels = map[string]string{
	"alertname":    "SLOErrorBudgetBurn",
	"slo":          "availability",
	"service":      "checkout",
	"severity":     "page",
	"long_window":  "1h",
	"short_window": "5m",
	"team":         "payments",
}

func TestAlertmanagerShowsTheAlertKeepsItAliveAndResolvesIt(t *testing.T) {
	base := startAlertmanager(t, proctest.FreePort(t), http.StatusOK)
	meter := deliverytest.NewMeter(t)
	log := &deliverytest.Log{}
	s, err := New(WithURL(base), WithResendInterval(500*time.Millisecond),
		WithMeterProvider(meter.Provider), WithLogger(log.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	firing, resolved := burnAlert(t)
	ctx := context.Background()

	if err := s.Send(ctx, []slo.Alert{firing}, []slo.Alert{firing}); err != nil {
		t.Fatalf("Send(firing) = %v", err)
	}
	got := waitActive(t, base)
	if !maps.Equal(got.Labels, wantLabels) {
		t.Errorf("labels in Alertmanager\n got %v\nwant %v", got.Labels, wantLabels)
	}
	if got.Annotations["summary"] != firing.Summary {
		t.Errorf("summary %q, want the alert's %q", got.Annotations["summary"], firing.Summary)
	}
	if got.Annotations["runbook"] != "RUNBOOK.md#sloerrorbudgetburn" {
		t.Errorf("runbook %q", got.Annotations["runbook"])
	}
	if got.Annotations["burn_rate"] != "20" {
		t.Errorf("burn_rate %q, want 20", got.Annotations["burn_rate"])
	}
	if !got.StartsAt.Equal(firing.StartsAt) {
		t.Errorf("startsAt %v, want the alert's %v", got.StartsAt, firing.StartsAt)
	}

	// With no further Send, the sink re-posts the alert and pushes its end
	// further out: Alertmanager would resolve it otherwise.
	firstEnd := got.EndsAt
	proctest.WaitFor(t, 30*time.Second, "the re-sent alert to end later than "+firstEnd.String(), func() bool {
		as, err := listAlerts(base)
		return err == nil && len(as) == 1 && as[0].EndsAt.After(firstEnd)
	})

	if err := s.Send(ctx, []slo.Alert{resolved}, nil); err != nil {
		t.Fatalf("Send(resolved) = %v", err)
	}
	proctest.WaitFor(t, 30*time.Second, "Alertmanager to stop listing the resolved alert", func() bool {
		as, err := listAlerts(base)
		return err == nil && len(as) == 0
	})
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}
	c := meter.Counts(t, SinkName)
	if c.Sent < 3 || c.Failed != 0 || c.Dropped != 0 {
		t.Errorf("counters %+v, want at least 3 sent (firing, a re-send, resolved) and none failed or dropped", c)
	}
}

func TestAlertmanagerStartedLaterStillGetsTheAlert(t *testing.T) {
	// Skip before queueing an alert that no server would ever take: the
	// sink's Shutdown waits for the queue, and a skip below would hang it.
	testbin.Path(t, "alertmanager")
	port := proctest.FreePort(t)
	meter := deliverytest.NewMeter(t)
	log := &deliverytest.Log{}
	s, err := New(WithURL(fmt.Sprintf("http://127.0.0.1:%d", port)),
		WithRetryBackoff(20*time.Millisecond, 200*time.Millisecond),
		WithMeterProvider(meter.Provider), WithLogger(log.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	firing, _ := burnAlert(t)
	if err := s.Send(context.Background(), []slo.Alert{firing}, []slo.Alert{firing}); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	proctest.WaitFor(t, 30*time.Second, "two failed attempts while Alertmanager is down", func() bool {
		return meter.Counts(t, SinkName).Failed >= 2
	})

	base := startAlertmanager(t, port, http.StatusOK)
	got := waitActive(t, base)
	if !maps.Equal(got.Labels, wantLabels) {
		t.Errorf("labels in Alertmanager\n got %v\nwant %v", got.Labels, wantLabels)
	}
	proctest.WaitFor(t, 30*time.Second, "the recovery to be logged", func() bool {
		return log.Count("alert delivery recovered") == 1
	})
	if n := log.Count("alert delivery failing"); n != 1 {
		t.Errorf("%d failure warnings for one outage, want 1:\n%s", n, log)
	}
	if c := meter.Counts(t, SinkName); c.Sent < 1 || c.Dropped != 0 {
		t.Errorf("counters %+v, want the alert sent and none dropped", c)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown() = %v", err)
	}
}
