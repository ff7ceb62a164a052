package browsertest_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/mux"

	"github.com/sloguard/sloguard/api"
	"github.com/sloguard/sloguard/internal/browsertest"
	"github.com/sloguard/sloguard/slo"
)

var screenshotPath = flag.String("dashboard.screenshot", "", "write a full-page PNG screenshot of the dashboard, as served by the API with sample figures, to this file")

// startBrowser runs Debian's chromium headless for the test.
func startBrowser(t *testing.T) context.Context { return browsertest.Start(t) }

// newTab opens a tab of its own (with its own sessionStorage) for one test.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(browser)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(func() {
		cancel()
		cancelTab()
	})
	return ctx
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// waitFor waits until the JavaScript condition holds, or fails the test
// with the page's error banner.
func waitFor(t *testing.T, ctx context.Context, cond string, timeout time.Duration) {
	t.Helper()
	browsertest.WaitFor(t, ctx, cond, timeout, errorBanner)
}

// errorBanner is the text of the page's error banner.
const errorBanner = `document.getElementById('error').textContent`

// getJSON reads an API endpoint as a client would, for the expected values.
func getJSON(t *testing.T, base, path string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(api.KeyHeader, testKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// wantMS is the page's text for a latency the API may not have.
func wantMS(v *float64) string {
	if v == nil {
		return "—"
	}
	return browsertest.MS(*v)
}

func wantTime(ts *time.Time) string {
	if ts == nil {
		return "—"
	}
	return ts.UTC().Format("2006-01-02 15:04") + " UTC"
}

func jsonTime(t *testing.T, ts time.Time) string {
	t.Helper()
	b, err := json.Marshal(ts)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Trim(string(b), `"`)
}

type shownAlert struct {
	Alert    string `json:"alert"`
	SLO      string `json:"slo"`
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
}

const readAlerts = `Array.from(document.querySelectorAll('#alerts [data-alert]')).map((li) => ({
  alert: li.dataset.alert, slo: li.dataset.slo, severity: li.dataset.severity,
  summary: li.querySelector('[data-field="summary"]').textContent}))`

func checkFloat(t *testing.T, what string, shown *string, want *float64) {
	t.Helper()
	switch {
	case want == nil && shown == nil:
	case want == nil || shown == nil:
		t.Errorf("%s: page holds %v, API says %v", what, shown, want)
	default:
		got, err := strconv.ParseFloat(*shown, 64)
		if err != nil || got != *want {
			t.Errorf("%s: page holds %q, API says %v", what, *shown, *want)
		}
	}
}

func TestDashboardInBrowser(t *testing.T) {
	browser := startBrowser(t)
	eng := newSampleEngine()
	srv, err := api.New(api.Config{Engine: eng, Key: []byte(testKey)})
	if err != nil {
		t.Fatal(err)
	}
	router := mux.NewRouter()
	srv.Register(router)
	calls := &apiCalls{}
	ts := httptest.NewServer(calls.wrap(router))
	t.Cleanup(ts.Close)

	t.Run("without a key the page asks for one and calls no API", func(t *testing.T) {
		ctx := newTab(t, browser)
		do(t, ctx, chromedp.Navigate(ts.URL+api.PathDashboard), chromedp.WaitVisible(chromedp.ID("key-form")))
		waitFor(t, ctx, `document.body.dataset.state === 'locked'`, 10*time.Second)
		if browsertest.Eval[bool](t, ctx, `document.getElementById('key-error').hidden`) != true {
			t.Error("an error is shown before any key was tried")
		}
		if browsertest.Eval[bool](t, ctx, `document.getElementById('observability').hidden`) != true {
			t.Error("the observability card is shown without a key")
		}
		if got := calls.list(); len(got) != 0 {
			t.Errorf("the page called the API without a key: %v", got)
		}
	})

	t.Run("a key in the link unlocks the page, which shows the API's figures", func(t *testing.T) {
		ctx := newTab(t, browser)
		first, _ := eng.Report()
		do(t, ctx, chromedp.Navigate(ts.URL+api.PathDashboard+"#key="+url.QueryEscape(testKey)),
			chromedp.WaitVisible(chromedp.ID("observability")))
		waitFor(t, ctx, `document.body.dataset.state === 'ready'`, 20*time.Second)
		waitFor(t, ctx, `document.getElementById('report-ts').dataset.value === `+strconv.Quote(jsonTime(t, first.TS)), 10*time.Second)

		if loc := browsertest.Eval[string](t, ctx, `location.href`); strings.Contains(loc, "#") || strings.Contains(loc, testKey) {
			t.Errorf("the key is still in the URL: %s", loc)
		}
		if browsertest.Eval[bool](t, ctx, `getComputedStyle(document.getElementById('key-panel')).display === 'none'`) != true {
			t.Error("the key form is shown although the link carried the key")
		}
		if got := browsertest.Eval[string](t, ctx, `sessionStorage.getItem('sloguard.dashKey') || ''`); got != testKey {
			t.Errorf("sessionStorage holds %q, want the key", got)
		}
		if c := browsertest.Eval[string](t, ctx, `document.cookie`); c != "" {
			t.Errorf("the page set cookies %q", c)
		}

		// Run SLO Check: the engine evaluates and the page shows the fresh report.
		do(t, ctx, chromedp.Click(chromedp.ID("run-check")))
		waitFor(t, ctx, `document.getElementById('report-ts').dataset.value !== `+strconv.Quote(jsonTime(t, first.TS)), 20*time.Second)
		var rep slo.Report
		getJSON(t, ts.URL, api.PathReport, &rep)
		if eng.evaluated() != 1 || rep.TS.Equal(first.TS) {
			t.Fatalf("after Run SLO Check the engine evaluated %d times and serves the report of %s", eng.evaluated(), rep.TS)
		}
		waitFor(t, ctx, `document.getElementById('report-ts').dataset.value === `+strconv.Quote(jsonTime(t, rep.TS)), 10*time.Second)

		if got := browsertest.Eval[string](t, ctx, `document.getElementById('overall-status').dataset.value`); got != string(rep.OverallStatus) {
			t.Errorf("overall status shown %q, API says %q", got, rep.OverallStatus)
		}
		shown := browsertest.ReadSLOs(t, ctx)
		eachShownSLO(t, shown, rep, func(name string, got browsertest.SLOCard, want slo.SLOReport) {
			rem := want.ErrorBudget.RemainingPct
			if got.Budget.Text != browsertest.Fixed(rem, 2)+"%" {
				t.Errorf("%s: budget remaining shown %q, want %q", name, got.Budget.Text, browsertest.Fixed(rem, 2)+"%")
			}
			checkFloat(t, name+" budget remaining", got.Budget.Value, &rem)
			if w := browsertest.Hours(want.ErrorBudget); got.Hours.Text != w {
				t.Errorf("%s: hours to exhaustion shown %q, want %q", name, got.Hours.Text, w)
			}
			checkFloat(t, name+" hours to exhaustion", got.Hours.Value, want.ErrorBudget.HoursToExhaustion)
			if w := wantTime(want.ErrorBudget.ExhaustionAt); got.At.Text != w {
				t.Errorf("%s: exhaustion at shown %q, want %q", name, got.At.Text, w)
			}
			if len(got.Rates) != len(want.BurnRates) {
				t.Errorf("%s: %d burn rates shown, API has %d", name, len(got.Rates), len(want.BurnRates))
			}
			for w, rate := range want.BurnRates {
				g, ok := got.Rates[w]
				text := "—"
				if rate != nil {
					text = browsertest.Fixed(*rate, 2) + "×"
				}
				if !ok || g.Text != text {
					t.Errorf("%s: burn rate over %s shown %+v, want %q", name, w, g, text)
					continue
				}
				checkFloat(t, name+" burn rate "+w, g.Value, rate)
				c := want.Windows[w]
				if ev := browsertest.Count(c.Total-c.Good) + " / " + browsertest.Count(c.Total); got.WindowEvents[w] != ev {
					t.Errorf("%s: events over %s shown %q, want %q", name, w, got.WindowEvents[w], ev)
				}
			}
			var prev time.Duration
			for _, w := range got.Order {
				d, err := slo.ParseDuration(w)
				if err != nil || d <= prev {
					t.Errorf("%s: burn-rate windows shown in order %v, want shortest first", name, got.Order)
					break
				}
				prev = d
			}
		})

		alerts := browsertest.Eval[[]shownAlert](t, ctx, readAlerts)
		if len(alerts) != len(rep.Firing) || len(rep.Firing) == 0 {
			t.Fatalf("page lists %d firing alerts, API has %d", len(alerts), len(rep.Firing))
		}
		for i, a := range rep.Firing {
			if g := alerts[i]; g.Alert != a.Name || g.SLO != a.SLO || g.Severity != a.Severity || g.Summary != a.Summary {
				t.Errorf("alert %d shown %+v, API has %s on %s (%s): %s", i, g, a.Name, a.SLO, a.Severity, a.Summary)
			}
		}
		if got := browsertest.Eval[string](t, ctx, `document.getElementById('alerts-count').textContent`); got != strconv.Itoa(len(rep.Firing)) {
			t.Errorf("alert count shown %q, want %d", got, len(rep.Firing))
		}

		// View p95 (24h): the page shows the API's percentiles.
		do(t, ctx, chromedp.Click(chromedp.ID("view-p95")), chromedp.WaitVisible(chromedp.ID("latency-stats")))
		var sum slo.LatencySummary
		getJSON(t, ts.URL, api.PathLatency+"?window=24h", &sum)
		for _, c := range []struct {
			id   string
			want *float64
		}{{"latency-p50", sum.P50MS}, {"latency-p95", sum.P95MS}, {"latency-p99", sum.P99MS}} {
			got := browsertest.ReadField(t, ctx, c.id)
			if got.Text != wantMS(c.want) {
				t.Errorf("%s shown %q, want %q", c.id, got.Text, wantMS(c.want))
			}
			checkFloat(t, c.id, got.Value, c.want)
		}
		if got := browsertest.Eval[string](t, ctx, `document.getElementById('latency-count').textContent`); got != browsertest.Count(float64(sum.Count)) {
			t.Errorf("request count shown %q, want %q", got, browsertest.Count(float64(sum.Count)))
		}
		if got := browsertest.Eval[string](t, ctx, `document.getElementById('latency-window').textContent`); got != sum.Window {
			t.Errorf("latency window shown %q, want %q", got, sum.Window)
		}

		// The sparkline has one point per recent request, and its highest
		// point is the slowest request.
		points := browsertest.Eval[[][2]float64](t, ctx, `Array.from(document.getElementById('spark-line').points).map((p) => [p.x, p.y])`)
		if len(points) != len(sum.Recent60) {
			t.Fatalf("sparkline has %d points, recent_60 has %d", len(points), len(sum.Recent60))
		}
		slowest, top := 0, 0
		for i := range points {
			if i > 0 && points[i][0] <= points[i-1][0] {
				t.Errorf("sparkline x not increasing at point %d", i)
			}
			if sum.Recent60[i] > sum.Recent60[slowest] {
				slowest = i
			}
			if points[i][1] < points[top][1] {
				top = i
			}
		}
		if top != slowest {
			t.Errorf("the sparkline peaks at point %d, the slowest request is %d", top, slowest)
		}

		screenshot(t, ctx, *screenshotPath)

		// The sparkline is live: the next poll (every 10s) shows new data.
		eng.setRecent(45)
		waitFor(t, ctx, `document.getElementById('spark-line').points.numberOfItems === 45 && document.getElementById('sparkline').dataset.points === '45'`, 30*time.Second)
	})

	t.Run("a wrong key shows the key form again with an error", func(t *testing.T) {
		ctx := newTab(t, browser)
		do(t, ctx, chromedp.Navigate(ts.URL+api.PathDashboard+"#key=not-the-key"))
		waitFor(t, ctx, `document.body.dataset.state === 'locked' && !document.getElementById('key-error').hidden`, 20*time.Second)
		do(t, ctx, chromedp.WaitVisible(chromedp.ID("key-form")))
		msg := browsertest.Eval[string](t, ctx, `document.getElementById('key-error').textContent`)
		if !strings.Contains(msg, "refused") || !strings.Contains(msg, "wrong dashboard key") {
			t.Errorf("key error shown %q, want it to say the key was refused and why", msg)
		}
		if strings.Contains(msg, "not-the-key") {
			t.Errorf("the error repeats the key: %q", msg)
		}
		if browsertest.Eval[bool](t, ctx, `document.getElementById('observability').hidden`) != true {
			t.Error("the observability card stays shown after a 401")
		}
		if got := browsertest.Eval[string](t, ctx, `sessionStorage.getItem('sloguard.dashKey') || ''`); got != "" {
			t.Errorf("the refused key is kept in sessionStorage: %q", got)
		}
		if loc := browsertest.Eval[string](t, ctx, `location.href`); strings.Contains(loc, "not-the-key") {
			t.Errorf("the key is still in the URL: %s", loc)
		}

		// Entering the right key in the form unlocks the page.
		do(t, ctx, chromedp.SendKeys(chromedp.ID("key-input"), testKey), chromedp.Click(chromedp.ID("key-submit")))
		waitFor(t, ctx, `document.body.dataset.state === 'ready' && document.querySelectorAll('#slos [data-slo]').length > 0`, 20*time.Second)
		if browsertest.Eval[bool](t, ctx, `document.getElementById('key-panel').hidden`) != true {
			t.Error("the key form stays shown after the right key")
		}
	})
}
