package browsertest_test

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	slospec "github.com/sloguard/sloguard/slo/spec"

	"github.com/chromedp/chromedp"

	"github.com/sloguard/sloguard/internal/browsertest"
	"github.com/sloguard/sloguard/internal/loadgen"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/internal/testbin"
	"github.com/sloguard/sloguard/slo"
)

var dashScreenshot = flag.String("serve.screenshot", "", "write a full-page PNG screenshot of the dashboard served by sloguard serve to this file")

const dashKey = "e2e-dashboard-key-0123456789abcdef"

// dashBrowser starts chromium headless with a deadline for the test's
// actions; closing it at the end waits for its process and chromedp's
// goroutines, so the package's leak check finds none of them.
func dashBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(browsertest.Start(t), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dashWait waits until the JavaScript condition holds; on timeout it fails
// naming the condition and the error banner the page shows, if any.
func dashWait(t *testing.T, ctx context.Context, cond string, timeout time.Duration) {
	t.Helper()
	browsertest.WaitFor(t, ctx, cond, timeout, `document.getElementById('error').textContent`)
}

// dashGet reads an API endpoint with the key, as a client of the API would.
func dashGet(t *testing.T, c *http.Client, base, path string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Dash-Key", dashKey)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.NewDecoder(res.Body).Decode(&e)
		t.Fatalf("GET %s: %s: %s", path, res.Status, e.Error)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// The acceptance run for the dashboard: the real `sloguard serve`
// with fast SLOs, real load with injected errors and slow requests, and
// chromium opening the link with the key, clicking both buttons and showing
// the figures the API serves.
func TestDashboardBrowserShowsWhatServeMeasured(t *testing.T) {
	testbin.Path(t, "chromium") // skip before building anything when it is missing

	dir := t.TempDir()
	specData, err := os.ReadFile(filepath.Join("..", "..", "examples", "fast-slos.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	specPath := filepath.Join(dir, "fast-slos.yaml")
	if err := os.WriteFile(specPath, specData, 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := slospec.Parse(specPath, specData)
	if err != nil {
		t.Fatal(err)
	}
	objective := map[string]float64{}
	longest := time.Duration(0)
	for _, s := range spec.SLOs {
		objective[s.Name] = s.Objective
		longest = max(longest, s.Window)
	}
	sloWindow := slo.WindowName(longest)

	_, base := proctest.Serve(t, dir, []string{"DASHBOARD_KEY=" + dashKey},
		"--demo-faults", "--sample-interval", "1s", "--eval-interval", "1s", "--slo-file", specPath)
	api := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(api.CloseIdleConnections)

	// Two loads at once: a fast majority with a few injected errors and 10%
	// of requests slowed to 250ms (under the 400ms latency threshold, where
	// p95 lands), and a smaller one whose slow requests take 600ms (over
	// it), so every SLO has something to show.
	const fastSlowMS, overSlowMS = 250, 600
	loads := []loadgen.Config{
		{Target: base, RPS: 40, Duration: 6 * time.Second, ErrorRate: 0.02, SlowRate: 0.1, SlowMS: fastSlowMS, Seed: 11},
		{Target: base, RPS: 10, Duration: 6 * time.Second, SlowRate: 0.1, SlowMS: overSlowMS, Seed: 12},
	}
	loadCtx, stopLoad := context.WithCancel(context.Background())
	sums := make([]loadgen.Summary, len(loads))
	errs := make([]error, len(loads))
	var wg sync.WaitGroup
	for i, cfg := range loads {
		c := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
		cfg.Client = c
		wg.Go(func() {
			defer c.CloseIdleConnections()
			sums[i], errs[i] = loadgen.Run(loadCtx, cfg)
		})
	}
	// Registered after the server, so it runs before the server is killed.
	t.Cleanup(func() {
		stopLoad()
		wg.Wait()
	})

	// The page opens while the load runs, as an operator would watch it.
	ctx := dashBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/dashboard#key="+url.QueryEscape(dashKey)),
		chromedp.WaitVisible(chromedp.ID("observability"))); err != nil {
		t.Fatal(err)
	}
	dashWait(t, ctx, `document.body.dataset.state === 'ready' && document.querySelectorAll('#slos [data-slo]').length === `+strconv.Itoa(len(spec.SLOs)), 20*time.Second)
	if loc := browsertest.Eval[string](t, ctx, `location.href`); strings.Contains(loc, dashKey) {
		t.Errorf("the key is still in the address bar: %s", loc)
	}

	wg.Wait()
	var answered, serverErrors, overThreshold float64
	for i, s := range sums {
		if errs[i] != nil {
			t.Fatalf("load %d: %v", i, errs[i])
		}
		t.Logf("load %d: %s", i, strings.TrimSpace(s.String()))
		for code, n := range s.ByStatus {
			if code == "error" || code == "cancelled" {
				t.Fatalf("load %d: %d requests got no answer", i, n)
			}
			answered += float64(n)
			if strings.HasPrefix(code, "5") {
				serverErrors += float64(n)
			}
		}
	}
	overThreshold = float64(sums[1].Injected.Slow)
	if serverErrors == 0 || sums[0].Injected.Slow == 0 || overThreshold == 0 {
		t.Fatalf("the load injected %v server errors, %d requests of %dms and %v of %dms: want some of each",
			serverErrors, sums[0].Injected.Slow, fastSlowMS, overThreshold, overSlowMS)
	}

	// Every answered request reaches the store within a sample or two; once
	// the SLO window counts them all they stay put (the window is 3h and the
	// page's own API calls are on no SLO's routes), so every figure derived
	// from the window's counts is the same in every report from now on.
	proctest.WaitFor(t, 20*time.Second, "the SLO report to count every answered request", func() bool {
		var rep slo.Report
		dashGet(t, api, base, "/api/observability/slo", &rep)
		return rep.SLOs["availability"].Total == answered && rep.SLOs["latency_p95"].Total == answered
	})

	// Run SLO Check: the page shows the report its POST returned. Another
	// evaluation runs every second, so GET /api/observability/slo serves a
	// later report by the time the test asks; polling it for the page's
	// timestamp would race the scheduler. The sound comparison is on what
	// both reports derive from the SLO window's counts alone — status,
	// budget remaining and burned, hours to exhaustion, events, the window's
	// own burn rate — which no longer change. The short windows' burn rates
	// and the exhaustion time move with the clock and are left out.
	before, err := time.Parse(time.RFC3339Nano, browsertest.ReadField(t, ctx, "report-ts").Raw(t, "report timestamp"))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("run-check"))); err != nil {
		t.Fatal(err)
	}
	dashWait(t, ctx, `document.getElementById('status-line').textContent.startsWith('SLO check run at') && !document.getElementById('run-check').disabled`, 20*time.Second)
	shownTS, err := time.Parse(time.RFC3339Nano, browsertest.ReadField(t, ctx, "report-ts").Raw(t, "report timestamp"))
	if err != nil {
		t.Fatal(err)
	}
	if !shownTS.After(before) {
		t.Errorf("after Run SLO Check the page shows the report of %s, not newer than the one before (%s)", shownTS, before)
	}
	shown := browsertest.ReadSLOs(t, ctx)
	overall := browsertest.ReadField(t, ctx, "overall-status")

	var rep slo.Report
	dashGet(t, api, base, "/api/observability/slo", &rep)
	if rep.TS.Before(shownTS) {
		t.Fatalf("the API serves a report of %s, older than the page's %s", rep.TS, shownTS)
	}
	if overall.Value == nil || *overall.Value != string(rep.OverallStatus) {
		t.Errorf("overall status shown %+v, API says %s", overall, rep.OverallStatus)
	}
	eachShownSLO(t, shown, rep, func(name string, got browsertest.SLOCard, want slo.SLOReport) {
		b := want.ErrorBudget
		if v := got.Budget.Number(t, name+" budget remaining"); v != b.RemainingPct || got.Budget.Text != browsertest.Fixed(b.RemainingPct, 2)+"%" {
			t.Errorf("%s: budget remaining shown %q (%v), API says %v", name, got.Budget.Text, v, b.RemainingPct)
		}
		if v := got.BurnPerDay.Number(t, name+" burned in 24h"); v != b.BurnPerDayPct || got.BurnPerDay.Text != browsertest.Fixed(b.BurnPerDayPct, 2)+"% of budget" {
			t.Errorf("%s: burned in 24h shown %q (%v), API says %v", name, got.BurnPerDay.Text, v, b.BurnPerDayPct)
		}
		if got.Hours.Text != browsertest.Hours(b) {
			t.Errorf("%s: exhausted in shown %q, API's budget says %q", name, got.Hours.Text, browsertest.Hours(b))
		}
		if v := got.Events.Number(t, name+" bad events"); v != want.Bad || got.Events.Text != browsertest.Count(want.Bad)+" / "+browsertest.Count(want.Total) {
			t.Errorf("%s: bad / total shown %q, API says %v / %v", name, got.Events.Text, want.Bad, want.Total)
		}
		rate, ok := got.Rates[sloWindow]
		wantRate := want.BurnRates[sloWindow]
		if !ok || wantRate == nil || rate.Number(t, name+" burn rate over "+sloWindow) != *wantRate || rate.Text != browsertest.Fixed(*wantRate, 2)+"×" {
			t.Errorf("%s: burn rate over %s shown %+v, API says %v", name, sloWindow, rate, wantRate)
		}
	})

	// The same figures from the client's side of the load: every answered
	// request is an event of both request SLOs, each 5xx a bad one of
	// availability, each 600ms request a bad one of latency_p95.
	if got := shown["availability"].Events.Text; got != browsertest.Count(serverErrors)+" / "+browsertest.Count(answered) {
		t.Errorf("availability bad / total shown %q, the load saw %v server errors in %v answers", got, serverErrors, answered)
	}
	if serverErrors/answered > 1-objective["availability"] {
		if s := shown["availability"]; s.Status.Text != string(slo.StatusCritical) || s.Hours.Text != "exhausted" {
			t.Errorf("availability lost %v of %v requests, over its budget, and shows %q, %q", serverErrors, answered, s.Status.Text, s.Hours.Text)
		}
	}
	lat := shown["latency_p95"]
	if bad := lat.Events.Number(t, "latency_p95 bad events"); bad < overThreshold || !strings.HasSuffix(lat.Events.Text, " / "+browsertest.Count(answered)) {
		t.Errorf("latency_p95 bad / total shown %q, the load sent %v requests of %dms in %v answers", lat.Events.Text, overThreshold, overSlowMS, answered)
	}

	// View p95: the page asks the latency API with no window, so the server
	// picks 24h, or the longest SLO window (3h here) as it keeps no more.
	// Every request the server answers is on the latency view's routes,
	// the page's and the test's own API calls too, so the API's figures can
	// move between the page's read and the test's: with the same count they
	// must be the same, otherwise the p95 may move by a bucket of the
	// store's histogram (0.54%) either side.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("view-p95"))); err != nil {
		t.Fatal(err)
	}
	dashWait(t, ctx, `!document.getElementById('latency-stats').hidden && !document.getElementById('view-p95').disabled && document.getElementById('latency-p95').dataset.value !== undefined`, 20*time.Second)
	p95 := browsertest.ReadField(t, ctx, "latency-p95")
	count := browsertest.ReadField(t, ctx, "latency-count")
	shownWindow := browsertest.Eval[string](t, ctx, `document.getElementById('latency-window').textContent`)
	points := browsertest.Eval[int](t, ctx, `document.getElementById('spark-line').points.numberOfItems`)
	pointsAttr := browsertest.Eval[string](t, ctx, `document.getElementById('sparkline').dataset.points`)
	var sum slo.LatencySummary
	dashGet(t, api, base, "/api/observability/latency", &sum)

	wantWindow := slo.WindowName(min(24*time.Hour, longest))
	if sum.Window != wantWindow || shownWindow != sum.Window {
		t.Errorf("latency window shown %q, API says %q, want %q", shownWindow, sum.Window, wantWindow)
	}
	if sum.P95MS == nil {
		t.Fatalf("the API has no p95 after %v requests", answered)
	}
	shownP95 := p95.Number(t, "p95")
	shownCount := count.Number(t, "request count")
	if p95.Text != browsertest.MS(shownP95) || count.Text != browsertest.Count(shownCount) {
		t.Errorf("p95 %q and count %q shown for values %v and %v", p95.Text, count.Text, shownP95, shownCount)
	}
	apiCount := float64(sum.Count)
	switch {
	case shownCount < answered || shownCount > apiCount || apiCount-shownCount > 20:
		t.Errorf("the page counts %v requests, the API %v a moment later, the load alone sent %v", shownCount, apiCount, answered)
	case shownCount == apiCount && (shownP95 != *sum.P95MS || p95.Text != browsertest.MS(*sum.P95MS)):
		t.Errorf("p95 shown %q (%v), API says %v over the same %v requests", p95.Text, shownP95, *sum.P95MS, apiCount)
	case math.Abs(shownP95-*sum.P95MS) > 0.011**sum.P95MS:
		t.Errorf("p95 shown %q (%v), API says %v over %v requests then %v", p95.Text, shownP95, *sum.P95MS, shownCount, apiCount)
	}
	// Over 5% of the requests took at least 250ms, so p95 cannot be less
	// (but for the histogram's half-bucket).
	if shownP95 < fastSlowMS*(1-0.0054) {
		t.Errorf("p95 shown %v ms, but %d of %v requests slept %dms or more", shownP95, sums[0].Injected.Slow+sums[1].Injected.Slow, answered, fastSlowMS)
	}

	// The sparkline has a point per recent request: the last 60, as more
	// than 60 were answered.
	if points != len(sum.Recent60) || pointsAttr != strconv.Itoa(points) || len(sum.Recent60) != min(60, int(apiCount)) {
		t.Errorf("the sparkline has %d points (data-points %q), the API's recent_60 %d, of %v requests", points, pointsAttr, len(sum.Recent60), apiCount)
	}
	if msg := browsertest.Eval[string](t, ctx, `document.getElementById('error').hidden ? '' : document.getElementById('error').textContent`); msg != "" {
		t.Errorf("the page shows an error: %s", msg)
	}

	screenshot(t, ctx, *dashScreenshot)
}
