package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/proctest"
)

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// The README's embedding example, built and run as a user would: from its
// own directory's spec, in a fresh working directory. It must serve a
// traced request, /metrics and the API, and leave the trace file, the
// report and the store behind after a clean stop.
func TestTheExampleServiceServesATracedRequestAndItsMetrics(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(t.TempDir(), "service")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	spec, err := os.ReadFile("slos.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "slos.yaml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	const key = "example-key-0123456789"
	p := proctest.Start(t, "example service", dir, []string{"DASHBOARD_KEY=" + key}, bin, "--addr", "127.0.0.1:0")
	var base string
	proctest.WaitFor(t, 60*time.Second, "the example to print where it listens", func() bool {
		if m := listening.FindStringSubmatch(p.Output()); m != nil {
			base = m[1]
			return true
		}
		if p.Exited() {
			t.Fatalf("the example exited:\n%s", p.Output())
		}
		return false
	})

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest(http.MethodGet, base+"/api/orders/42", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	if body := get(t, req, http.StatusOK); !strings.Contains(body, `"42"`) {
		t.Errorf("GET /api/orders/42 answered %q", body)
	}
	metrics, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if body := get(t, metrics, http.StatusOK); !strings.Contains(body, `http_route="/api/orders/{id}"`) {
		t.Errorf("/metrics has no series for the order route:\n%s", body)
	}
	noKey, _ := http.NewRequest(http.MethodGet, base+"/api/observability/slo", nil)
	get(t, noKey, http.StatusUnauthorized)
	withKey, _ := http.NewRequest(http.MethodGet, base+"/api/observability/slo", nil)
	withKey.Header.Set("X-Dash-Key", key)
	if body := get(t, withKey, http.StatusOK); !strings.Contains(body, `"availability"`) {
		t.Errorf("the SLO report has no availability SLO: %s", body)
	}

	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 30*time.Second); err != nil {
		t.Fatalf("the example did not stop cleanly: %v\n%s", err, p.Output())
	}
	if !spanNamed(t, filepath.Join(dir, "logs", "http_traces.ndjson"), "GET /api/orders/{id}", traceID) {
		t.Errorf("the trace file holds no span GET /api/orders/{id} in trace %s", traceID)
	}
	for _, f := range []string{"logs/slo_report.json", "data/sloguard.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("after a clean stop: %v", err)
		}
	}
}

func get(t *testing.T, req *http.Request, want int) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, b)
	}
	return string(b)
}

// spanNamed reports whether the NDJSON trace file holds a span of that name
// in that trace.
func spanNamed(t *testing.T, path, name, traceID string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var span map[string]any
		if json.Unmarshal(sc.Bytes(), &span) != nil {
			continue
		}
		if span["name"] == name && strings.Contains(sc.Text(), traceID) {
			return true
		}
	}
	return false
}

// The README shows this very file: a snippet that drifted from the code the
// tests run would be pasted wrong.
func TestTheReadmeShowsThisExampleVerbatim(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := "```go\n" + string(src) + "```\n"
	if !bytes.Contains(readme, []byte(block)) {
		t.Errorf("README.md does not show examples/service/main.go verbatim in a ```go block; paste the file again")
	}
}
