package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/internal/loadgen"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
)

// fleetRoutes are the demo routes loadgen sends to. The availability SLO
// reads these only: Prometheus' own scrapes of /metrics are requests too,
// and they are not the service's users.
var fleetRoutes = []string{"/api/items/{id}", "/api/payments", "/webhooks/stripe"}

// fleetSpec is a 99% availability SLO over 6 days: the shortest window
// whose burn-rate alert windows (1m/12m, 6m/72m, 24m/288m, 72m/864m) are
// all long enough for Prometheus rules, since every test event is in the
// last minutes of all of them.
func fleetSpec() string {
	quoted := make([]string, len(fleetRoutes))
	for i, r := range fleetRoutes {
		quoted[i] = strconv.Quote(r)
	}
	return `version: sloguard/v1
service: shop
slos:
  - name: availability
    description: Demo requests answered without a server error
    objective: 99
    window: 6d
    min_events: 20
    sli:
      availability:
        routes: [` + strings.Join(quoted, ", ") + `]
`
}

const (
	fleetObjective = 0.99
	fleetWindow    = 6 * slo.Day
	fleetRPS       = 20.0
	fleetLoad      = 30 * time.Second
)

// fleetErrorRates are the shares of requests each replica is asked to fail.
var fleetErrorRates = []float64{0, 0.05, 0.20}

// fleetEnv keeps the replicas from exporting anywhere but /metrics.
var fleetEnv = []string{"OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none"}

// fleetRun is the outcome of one sloguard command.
type fleetRun struct {
	stdout, stderr string
	code           int
}

func runFleetSloguard(t *testing.T, dir string, args ...string) fleetRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, proctest.Sloguard(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), fleetEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := fleetRun{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("sloguard %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// report parses the JSON report a check printed.
func (r fleetRun) report(t *testing.T) slo.Report {
	t.Helper()
	var rep slo.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("check printed no report (exit %d): %v\nstdout:\n%s\nstderr:\n%s", r.code, err, r.stdout, r.stderr)
	}
	return rep
}

// fleetServed is what the load generators saw the fleet answer.
type fleetServed struct {
	total, bad float64
	elapsed    time.Duration
}

// fleetBurnAlerts returns the burn-rate alerts of firing as "severity long/short".
func fleetBurnAlerts(firing []slo.Alert) []string {
	var out []string
	for _, a := range firing {
		if a.Name == slo.AlertErrorBudgetBurn && a.SLO == "availability" {
			out = append(out, a.Severity+" "+a.LongWindow+"/"+a.ShortWindow)
		}
	}
	slices.Sort(out)
	return out
}

// TestFleetSLOsFromPrometheus runs three replicas of sloguard serve under
// load with different error rates, a real Prometheus scraping them and
// evaluating the rules sloguard generates, and checks that sloguard check
// and serve with --source prometheus see the fleet as it was served, fire
// the burn-rate alerts Prometheus fires, and survive Prometheus going away.
func TestFleetSLOsFromPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts Prometheus and four sloguard processes")
	}
	began := time.Now()
	phase := began
	logPhase := func(what string) {
		t.Logf("%-55s %6.1fs (total %6.1fs)", what, time.Since(phase).Seconds(), time.Since(began).Seconds())
		phase = time.Now()
	}
	proctest.Sloguard(t)
	logPhase("built sloguard")

	work := t.TempDir()
	specFile := filepath.Join(work, "slo.yaml")
	if err := os.WriteFile(specFile, []byte(fleetSpec()), 0o644); err != nil {
		t.Fatal(err)
	}
	rulesFile := filepath.Join(work, "rules.yml")
	if r := runFleetSloguard(t, work, "rules", "--slo-file", specFile, "--out", rulesFile); r.code != 0 {
		t.Fatalf("sloguard rules exited %d:\n%s", r.code, r.stderr)
	}
	if st, err := os.Stat(rulesFile); err != nil || st.Size() == 0 {
		t.Fatalf("sloguard rules wrote no rule file: %v", err)
	}

	var bases, targets []string
	for range fleetErrorRates {
		_, base := proctest.Serve(t, t.TempDir(), fleetEnv,
			"--demo-faults", "--sample-interval", "1s", "--eval-interval", "2s", "--slo-file", specFile)
		bases = append(bases, base)
		targets = append(targets, strings.TrimPrefix(base, "http://"))
	}
	prom := startFleetPrometheus(t, targets, rulesFile)
	proctest.WaitFor(t, 60*time.Second, "Prometheus to scrape the three replicas", func() bool {
		v, ok := prom.scalar(`count(up{job="fleet"} == 1)`)
		return ok && v == 3
	})
	logPhase("replicas and Prometheus up")

	got := sendFleetLoad(t, bases)
	logPhase(fmt.Sprintf("load sent (%.0f requests, %.0f 5xx)", got.total, got.bad))

	// Prometheus holds exactly what was served once it scraped the
	// replicas after the load: the counters, summed over the replicas.
	countSeries := httpmetrics.PrometheusMetricName(httpmetrics.DurationMetric, "s", httpmetrics.MetricHistogram) + "_count"
	routeLabel := httpmetrics.PrometheusLabelName(slo.RouteAttr)
	statusLabel := httpmetrics.PrometheusLabelName(slo.StatusCodeAttr)
	routeRE := strings.Join(fleetRoutes, "|")
	routeRE = strings.NewReplacer("{", `\\{`, "}", `\\}`).Replace(routeRE)
	rawTotal := fmt.Sprintf(`sum(%s{job="fleet",%s=~"%s"})`, countSeries, routeLabel, routeRE)
	rawBad := fmt.Sprintf(`sum(%s{job="fleet",%s=~"%s",%s=~"5.."})`, countSeries, routeLabel, routeRE, statusLabel)
	proctest.WaitFor(t, 30*time.Second, "Prometheus to scrape the last requests", func() bool {
		total, _ := prom.scalar(rawTotal)
		bad, _ := prom.scalar(rawBad)
		return total == got.total && bad == got.bad
	})
	logPhase("Prometheus scraped every request")

	// increase() sees a counter only at its scrapes: it is extrapolated to
	// the window's end (up to one scrape interval's worth of requests), and
	// a series counts from its first scrape, so the requests a series
	// counted before it was first scraped are lost but for extrapolation
	// (at least one request, the one that created it, for a slow series).
	scrape := time.Second
	series := func(q string) float64 {
		n, ok := prom.scalar(q)
		if !ok {
			t.Fatalf("no series for %s", q)
		}
		return n
	}
	tolTotal := got.total/got.elapsed.Seconds()*scrape.Seconds() + series("count("+rawTotal[len("sum("):])
	tolBad := got.bad/got.elapsed.Seconds()*scrape.Seconds() + series("count("+rawBad[len("sum("):])

	t.Run("check's fleet counts are what the replicas served", func(t *testing.T) {
		r := runFleetSloguard(t, work, "check", "--source", "prometheus", "--prometheus-url", prom.URL, "--slo-file", specFile)
		rep := r.report(t)
		// 8% of bad requests against a 1% budget: exhausted, CRITICAL.
		if r.code != 2 || rep.OverallStatus != slo.StatusCritical {
			t.Errorf("check exited %d with status %s, want 2 and CRITICAL (a budget of 1%% and %.1f%% of errors)\n%s", r.code, rep.OverallStatus, 100*got.bad/got.total, r.stderr)
		}
		if rep.Source != "prometheus" || rep.Error != "" {
			t.Errorf("report source %q, error %q; want prometheus and none", rep.Source, rep.Error)
		}
		a, ok := rep.SLOs["availability"]
		if !ok {
			t.Fatalf("no availability SLO in the report: %s", r.stdout)
		}
		t.Logf("served %.0f requests, %.0f 5xx; check counts %.1f, %.1f bad (tolerance %.1f, %.1f)", got.total, got.bad, a.Total, a.Bad, tolTotal, tolBad)
		if math.Abs(a.Total-got.total) > tolTotal || math.Abs(a.Bad-got.bad) > tolBad {
			t.Errorf("check counts %.1f requests, %.1f bad; the replicas served %.0f, %.0f bad (tolerance %.1f, %.1f)", a.Total, a.Bad, got.total, got.bad, tolTotal, tolBad)
		}
		if math.Abs(a.Good+a.Bad-a.Total) > 1e-6 {
			t.Errorf("good %.1f + bad %.1f is not total %.1f", a.Good, a.Bad, a.Total)
		}
	})
	logPhase("fleet counts checked")

	t.Run("check fires the burn-rate alerts Prometheus fires", func(t *testing.T) {
		// The alerts that must fire follow from what was served: every
		// event is in every window but the shortest one or two, so the burn
		// rate of each window pair is the fleet's bad share over the budget.
		burn := got.bad / got.total / (1 - fleetObjective)
		var want []string
		for _, bw := range slo.AlertWindows(fleetWindow) {
			if math.Abs(burn-bw.Factor) < 1 {
				t.Fatalf("burn rate %.2f is too close to the factor %g of %s/%s to tell", burn, bw.Factor, slo.WindowName(bw.Long), slo.WindowName(bw.Short))
			}
			if burn > bw.Factor {
				want = append(want, bw.Severity+" "+slo.WindowName(bw.Long)+"/"+slo.WindowName(bw.Short))
			}
		}
		slices.Sort(want)
		if len(want) == 0 || len(want) == len(slo.AlertWindows(fleetWindow)) {
			t.Fatalf("burn rate %.2f fires %v: the scenario must fire some window pairs and not others", burn, want)
		}
		var fromCheck, fromProm []string
		proctest.WaitFor(t, 90*time.Second, fmt.Sprintf("check and Prometheus to fire %v", want), func() bool {
			fromCheck = fleetBurnAlerts(runFleetSloguard(t, work, "check", "--source", "prometheus", "--prometheus-url", prom.URL, "--slo-file", specFile).report(t).Firing)
			series, err := prom.query(`ALERTS{alertname="SLOErrorBudgetBurn",alertstate="firing",slo="availability"}`)
			if err != nil {
				t.Fatal(err)
			}
			fromProm = fromProm[:0]
			for _, s := range series {
				fromProm = append(fromProm, s.Labels["severity"]+" "+s.Labels["long_window"]+"/"+s.Labels["short_window"])
			}
			slices.Sort(fromProm)
			return slices.Equal(fromCheck, want) && slices.Equal(fromProm, want)
		})
		t.Logf("burn rate %.2f: check and Prometheus both fire %v", burn, want)
	})
	logPhase("burn-rate alerts compared")

	t.Run("serve with a Prometheus source reports UNKNOWN while Prometheus is down and recovers", func(t *testing.T) {
		dir := t.TempDir()
		watcher, base := proctest.Serve(t, dir, fleetEnv, "--source", "prometheus", "--prometheus-url", prom.URL,
			"--slo-file", specFile, "--sample-interval", "1s", "--eval-interval", "2s")
		reportPath := filepath.Join(dir, demo.ReportPath)
		var rep slo.Report
		readReport := func() bool {
			data, err := os.ReadFile(reportPath)
			if err != nil {
				return false
			}
			rep = slo.Report{}
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatalf("%s is not a report: %v", reportPath, err)
			}
			return true
		}
		healthy := func() bool {
			a := rep.SLOs["availability"]
			return rep.Source == "prometheus" && rep.Error == "" && a.Status != slo.StatusUnknown && a.Total > 0
		}
		proctest.WaitFor(t, 60*time.Second, "serve's report from Prometheus", func() bool { return readReport() && healthy() })
		if a := rep.SLOs["availability"]; math.Abs(a.Total-got.total) > tolTotal || math.Abs(a.Bad-got.bad) > tolBad {
			t.Errorf("serve counts %.1f requests, %.1f bad; the replicas served %.0f, %.0f bad", a.Total, a.Bad, got.total, got.bad)
		}

		prom.stop()
		down := runFleetSloguard(t, work, "check", "--source", "prometheus", "--prometheus-url", prom.URL, "--slo-file", specFile)
		if down.code != 3 {
			t.Errorf("check with Prometheus stopped exited %d, want 3\n%s", down.code, down.stderr)
		}
		for _, w := range []string{prom.URL, "connection refused"} {
			if !strings.Contains(down.stderr, w) {
				t.Errorf("check's error does not say %q:\n%s", w, down.stderr)
			}
		}

		proctest.WaitFor(t, 60*time.Second, "serve's report to say UNKNOWN", func() bool {
			return readReport() && rep.Error != "" && rep.SLOs["availability"].Status == slo.StatusUnknown
		})
		if !strings.Contains(rep.Error, prom.URL) || !strings.Contains(rep.Error, "connection refused") {
			t.Errorf("the report's error %q does not say which Prometheus could not be reached and why", rep.Error)
		}
		if watcher.Exited() {
			t.Fatal("serve exited when Prometheus stopped")
		}
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			t.Fatalf("serve stopped answering when Prometheus stopped: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/healthz answered %s while Prometheus was down", resp.Status)
		}

		prom.start()
		proctest.WaitFor(t, 90*time.Second, "serve's report to recover", func() bool { return readReport() && healthy() })
		if a := rep.SLOs["availability"]; math.Abs(a.Total-got.total) > tolTotal {
			t.Errorf("after Prometheus restarted serve counts %.1f requests, the replicas served %.0f", a.Total, got.total)
		}
	})
	logPhase("Prometheus outage and recovery")
}

// sendFleetLoad runs loadgen against every replica at once, each with its
// error rate, and returns what they answered.
func sendFleetLoad(t *testing.T, bases []string) fleetServed {
	t.Helper()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sum  fleetServed
		errs []error
	)
	for i, base := range bases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 16, MaxConnsPerHost: 16}
			defer tr.CloseIdleConnections()
			s, err := loadgen.Run(context.Background(), loadgen.Config{
				Target: base, RPS: fleetRPS, Duration: fleetLoad, ErrorRate: fleetErrorRates[i],
				Seed: uint64(i + 1), Client: &http.Client{Transport: tr, Timeout: 15 * time.Second},
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("replica %d: %w", i, err))
				return
			}
			for status, n := range s.ByStatus {
				code, err := strconv.Atoi(status)
				if err != nil {
					// a request that got no answer may or may not have
					// been counted: the expectation would be a guess.
					errs = append(errs, fmt.Errorf("replica %d: %d requests ended with %q", i, n, status))
					continue
				}
				sum.total += float64(n)
				if code >= 500 {
					sum.bad += float64(n)
				}
			}
			sum.elapsed = max(sum.elapsed, s.Elapsed)
			t.Logf("replica %d (error rate %.0f%%): %s", i, 100*fleetErrorRates[i], strings.ReplaceAll(strings.TrimSpace(s.String()), "\n", "; "))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return sum
}
