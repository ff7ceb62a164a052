package browsertest_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sloguard/sloguard/internal/apitest"
	"github.com/sloguard/sloguard/internal/browsertest"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
)

// TestMain fails the package when a test leaves goroutines behind: the
// browser, chromedp's readers and the processes the tests start.
func TestMain(m *testing.M) { proctest.Main(m) }

// testKey looks like a generated dashboard key.
const testKey = "dk_7Qm2vX9pL4sN8wR1tY6zB3cF5hJ0kA"

// sampleEngine is the engine behind the API in the dashboard test: its
// reports are apitest's figures, a new one on every evaluation, and its
// latency view has as many recent requests as the test asks for.
type sampleEngine struct {
	mu          sync.Mutex
	report      slo.Report
	evaluations int
	latency     slo.LatencySummary
}

func newSampleEngine() *sampleEngine {
	return &sampleEngine{report: apitest.SampleReport(0), latency: apitest.SampleLatency(60)}
}

func (e *sampleEngine) Report() (slo.Report, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.report, true
}

func (e *sampleEngine) Evaluate(context.Context) (slo.Report, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evaluations++
	e.report = apitest.SampleReport(e.evaluations)
	return e.report, nil
}

func (e *sampleEngine) Latency(_ context.Context, window time.Duration, route string) (slo.LatencySummary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.latency
	s.Window, s.Route = slo.WindowName(window), route
	s.Recent60 = append([]float64(nil), e.latency.Recent60...)
	return s, nil
}

// setRecent makes the latency view hold n recent requests.
func (e *sampleEngine) setRecent(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = apitest.SampleLatency(n)
}

func (e *sampleEngine) evaluated() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.evaluations
}

// apiCalls records the API requests the page makes (the page itself and
// its assets are not API requests).
type apiCalls struct {
	mu    sync.Mutex
	calls []string
}

func (c *apiCalls) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			c.mu.Lock()
			c.calls = append(c.calls, r.Method+" "+r.URL.Path)
			c.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (c *apiCalls) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// eachShownSLO checks that the page shows exactly the report's SLOs, each
// with its status, and hands every shown card and its report to check for
// the figures a test compares.
func eachShownSLO(t *testing.T, shown map[string]browsertest.SLOCard, rep slo.Report, check func(name string, got browsertest.SLOCard, want slo.SLOReport)) {
	t.Helper()
	if len(shown) != len(rep.SLOs) {
		t.Errorf("the page shows %d SLOs, the API has %d", len(shown), len(rep.SLOs))
	}
	for name, want := range rep.SLOs {
		got, ok := shown[name]
		if !ok {
			t.Errorf("SLO %s is not shown", name)
			continue
		}
		if got.Status.Value == nil || *got.Status.Value != string(want.Status) || got.Status.Text != strings.ReplaceAll(string(want.Status), "_", " ") {
			t.Errorf("%s: status shown %+v, API says %s", name, got.Status, want.Status)
		}
		check(name, got, want)
	}
}

// screenshot writes a full-page PNG of the tab to file ("" for none): the
// -dashboard.screenshot and -serve.screenshot flags, to look at the page.
func screenshot(t *testing.T, ctx context.Context, file string) {
	t.Helper()
	if file == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
