package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/internal/testbin"
)

// fleetPrometheus is a real Prometheus scraping the fleet every second and
// evaluating the generated rules every second. It can be stopped and
// started again on the same port and storage.
type fleetPrometheus struct {
	t    *testing.T
	bin  string
	dir  string
	port int
	URL  string
	proc *proctest.Proc
}

// startFleetPrometheus writes a config scraping targets (host:port) as job
// "fleet" and loading ruleFile, and starts Prometheus on a free port.
func startFleetPrometheus(t *testing.T, targets []string, ruleFile string) *fleetPrometheus {
	t.Helper()
	p := &fleetPrometheus{t: t, bin: testbin.Path(t, "prometheus"), dir: t.TempDir(), port: proctest.FreePort(t)}
	p.URL = fmt.Sprintf("http://127.0.0.1:%d", p.port)
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = strconv.Quote(tg)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: fleet
    static_configs:
      - targets: [%s]
`, ruleFile, strings.Join(quoted, ", "))
	if err := os.WriteFile(filepath.Join(p.dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p.start()
	return p
}

func (p *fleetPrometheus) start() {
	p.t.Helper()
	p.proc = proctest.Start(p.t, "prometheus", p.dir, nil, p.bin,
		"--config.file="+filepath.Join(p.dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(p.dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", p.port),
		"--log.level=warn")
	proctest.WaitHTTP(p.t, 90*time.Second, p.URL+"/-/ready", http.StatusOK)
}

// stop stops Prometheus the way an operator does (SIGTERM) and waits.
func (p *fleetPrometheus) stop() {
	p.t.Helper()
	if err := p.proc.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	if err := p.proc.Wait(p.t, 60*time.Second); err != nil {
		p.t.Logf("prometheus exited: %v", err)
	}
}

// fleetSeries is one series of an instant query's answer.
type fleetSeries = proctest.Series

// query runs an instant query now.
func (p *fleetPrometheus) query(q string) ([]fleetSeries, error) {
	return proctest.QueryPrometheus(nil, p.URL, q)
}

// scalar runs a query expected to return at most one series; ok is false
// when it returns none.
func (p *fleetPrometheus) scalar(q string) (v float64, ok bool) {
	p.t.Helper()
	s, err := p.query(q)
	if err != nil {
		p.t.Fatal(err)
	}
	if len(s) == 0 {
		return 0, false
	}
	return s[0].Value, true
}
