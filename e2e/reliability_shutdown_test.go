package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/proctest"
)

// SIGINT with the Collector down: serve still stops cleanly, exit 0, as
// the runbook says, and the export that could not be made at the end is
// logged, not hidden.
func TestSIGINTWithTheCollectorDownExits0AndLogsTheLostFlush(t *testing.T) {
	dir := t.TempDir()
	down := fmt.Sprintf("http://127.0.0.1:%d", proctest.FreePort(t)) // nothing listens there
	env := []string{
		"DASHBOARD_KEY=" + testKey,
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + down,
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_EXPORTER_OTLP_TIMEOUT=1000",
	}
	p, base := proctest.Serve(t, dir, env, "--slo-file", writeSpec(t, dir), "--sample-interval", "1s")
	for range 5 {
		resp, err := http.Get(base + "/api/items/1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := p.Wait(t, 60*time.Second)
	out := p.Output()
	if code := exitStatus(t, err); code != 0 {
		t.Errorf("serve exited %d after SIGINT with the Collector down, want 0\n%s", code, out)
	}
	if !strings.Contains(out, "stopped") {
		t.Errorf("no 'stopped' line:\n%s", out)
	}
	var flush string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "last export") {
			flush = l
		}
	}
	if flush == "" || !strings.Contains(flush, "level=ERROR") {
		t.Errorf("the failed last export is not logged as an error:\n%s", out)
	}
}
