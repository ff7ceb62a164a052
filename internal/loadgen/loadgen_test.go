package loadgen_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"go.uber.org/goleak"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/internal/loadgen"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func demoServer(t *testing.T) *httptest.Server { return demoServerFaults(t, true) }

func demoServerFaults(t *testing.T, faults bool) *httptest.Server {
	t.Helper()
	app, err := demo.New(demo.Config{Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	app.Register(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func TestRunSendsTheAskedLoadAndCountsInjectedFaults(t *testing.T) {
	srv := demoServer(t)
	var progress bytes.Buffer
	cfg := loadgen.Config{
		Target: srv.URL, RPS: 400, Duration: 1500 * time.Millisecond, Concurrency: 32,
		ErrorRate: 0.2, SlowRate: 0.05, SlowMS: 20, Seed: 7, Progress: &progress,
	}
	sum, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent+sum.Skipped != 600 {
		t.Fatalf("sent %d + skipped %d, want 600 requests scheduled", sum.Sent, sum.Skipped)
	}
	answered := 0
	for _, n := range sum.ByStatus {
		answered += n
	}
	if answered != sum.Sent {
		t.Errorf("%d answers for %d requests sent: %v", answered, sum.Sent, sum.ByStatus)
	}
	if sum.ByStatus["500"] != sum.Injected.Errors {
		t.Errorf("500s %d, want one per injected error (%d)", sum.ByStatus["500"], sum.Injected.Errors)
	}
	if share := float64(sum.Injected.Errors) / float64(sum.Sent); share < 0.12 || share > 0.28 {
		t.Errorf("injected error share %.3f, want about 0.2", share)
	}
	if sum.ByStatus["error"] != 0 {
		t.Errorf("%d transport errors", sum.ByStatus["error"])
	}
	if sum.Honoured.Errors != sum.Injected.Errors || sum.Honoured.Slow != sum.Injected.Slow || len(sum.Warnings) != 0 {
		t.Errorf("honoured %+v of injected %+v, warnings %q: want every fault honoured and no warning", sum.Honoured, sum.Injected, sum.Warnings)
	}
	if sum.Injected.Slow > 0 && sum.P99MS < 20 {
		t.Errorf("p99 %.2fms with %d requests slowed by 20ms", sum.P99MS, sum.Injected.Slow)
	}
	if !(sum.P50MS <= sum.P95MS && sum.P95MS <= sum.P99MS) {
		t.Errorf("quantiles out of order: %v %v %v", sum.P50MS, sum.P95MS, sum.P99MS)
	}
	if !strings.Contains(progress.String(), "loadgen:") {
		t.Errorf("no progress line during a 1.5s run: %q", progress.String())
	}
	if !strings.Contains(sum.String(), "p95") {
		t.Errorf("summary %q lacks the latency line", sum.String())
	}
}

// What loadgen was asked and what happened must agree, or it says so.
func TestRunWarnsWhenTheLoadDidNotDoWhatWasAsked(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens at its address any more
	for _, tc := range []struct {
		name   string
		target string
		cfg    loadgen.Config
		want   []string
	}{
		{"injected faults a server without --demo-faults ignores", demoServerFaults(t, false).URL,
			loadgen.Config{ErrorRate: 0.3, SlowRate: 0.1, SlowMS: 5000}, // an ignored slow request is far from 5s
			[]string{"injected errors were not honoured (answered without a 5xx): start serve with --demo-faults",
				"injected slow requests were not honoured"}},
		{"a server that is not listening", closed.URL,
			loadgen.Config{},
			[]string{"requests got no answer", "is the service listening at " + closed.URL}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Target, cfg.RPS, cfg.Duration, cfg.Seed = tc.target, 200, 250*time.Millisecond, 3
			sum, err := loadgen.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(sum.Warnings, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("warnings %q lack %q", sum.Warnings, w)
				}
			}
			if !strings.Contains(sum.String(), "warning: ") {
				t.Errorf("the summary shows no warning:\n%s", sum.String())
			}
		})
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	srv := demoServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	sum, err := loadgen.Run(ctx, loadgen.Config{Target: srv.URL, RPS: 100, Duration: time.Hour})
	if err == nil {
		t.Fatal("no error from a cancelled run")
	}
	if sum.Sent == 0 || sum.Sent > 100 {
		t.Errorf("sent %d requests in 300ms at 100/s", sum.Sent)
	}
}

func TestBadConfigsAreRefusedWithTheFlagNamed(t *testing.T) {
	ok := loadgen.Config{Target: "http://127.0.0.1:1", RPS: 1, Duration: time.Second}
	tests := []struct {
		name string
		edit func(*loadgen.Config)
		want string
	}{
		{"a target that is not a URL", func(c *loadgen.Config) { c.Target = "localhost:8080" }, "--target"},
		{"a zero rate", func(c *loadgen.Config) { c.RPS = 0 }, "--rps"},
		{"a negative duration", func(c *loadgen.Config) { c.Duration = -time.Second }, "--duration"},
		{"an error rate above one", func(c *loadgen.Config) { c.ErrorRate = 1.5 }, "--error-rate"},
		{"slow requests without a delay", func(c *loadgen.Config) { c.SlowRate = 0.1 }, "--slow-ms"},
		{"shares adding up past one", func(c *loadgen.Config) { c.ErrorRate, c.SlowRate, c.SlowMS = 0.6, 0.6, 5 }, "exceed 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
