// Package browsertest starts the headless Chromium the dashboard tests drive
// with chromedp: Debian's chromium package, found like every other real
// tool (internal/testbin), with the flags a closed network needs.
//
// It is a Go module of its own, holding the dashboard's browser tests too
// (the page against the API with sample figures, and against a running
// `sloguard serve`), so that chromedp is required by this module alone and
// never by the library's go.mod. scripts/test runs its tests with -race;
// by hand: cd internal/browsertest && go test -race ./...
//
// Start gives each test a browser of its own; the helpers only read the
// page through the context they are given, so tests may run in parallel.
package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sloguard/sloguard/internal/testbin"
)

// Start runs chromium headless for the test and returns the browser's
// context; the browser is closed, and chromedp's goroutines gone, when the
// test ends. The network flags keep it from calling home, which a closed
// network refuses.
func Start(t *testing.T) context.Context {
	t.Helper()
	chromium := testbin.Path(t, "chromium")
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first action starts the browser, on a context without a deadline:
	// a deadline on it would end the browser when it passes.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return browser
}

// Eval evaluates the JavaScript expression js in the page and returns its
// value, failing the test when it cannot.
func Eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// WaitFor polls the JavaScript condition cond until it holds. On timeout it
// fails the test naming the condition and, to say why, the value of the
// expression explain (the page's error banner, say; "" for none).
func WaitFor(t *testing.T, ctx context.Context, cond string, timeout time.Duration, explain string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err == nil {
		return
	}
	if explain == "" {
		t.Fatalf("waiting for %s: %v", cond, err)
	}
	why, _ := chromedp.Run(ctx, chromedp.Evaluate[string](explain))
	t.Fatalf("waiting for %s: %v (%s: %q)", cond, err, explain, why)
}
