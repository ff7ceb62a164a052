// Package loadgen drives load at the demo routes of a sloguard service, with
// faults injected through the --demo-faults query parameters, and reports
// what the client saw. sloguard loadgen, the README demo and the end-to-end
// tests use it.
//
// Concurrency: Run is safe to call from several goroutines with different
// configs; one run uses Config.Concurrency workers and stops by itself.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Config says what load to send.
type Config struct {
	Target      string        // base URL of the service, e.g. http://127.0.0.1:8080
	RPS         float64       // requests per second (open loop)
	Duration    time.Duration // how long to send
	Concurrency int           // requests in flight at most (default 16)
	ErrorRate   float64       // share of requests asking for ?simulate=error
	SlowRate    float64       // share of requests asking for ?simulate=slow
	SlowMS      int           // the delay of slow requests, in ms
	Timeout     time.Duration // per request (default 15s)
	Seed        uint64        // for the request mix; 0 picks one
	// Progress, when set, gets one line a second while the run lasts.
	Progress io.Writer
	Client   *http.Client
}

// Validate checks the config and fills in defaults.
func (c *Config) Validate() error {
	u, err := url.Parse(c.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("loadgen: --target %q: want an http(s) URL such as http://127.0.0.1:8080", c.Target)
	}
	c.Target = strings.TrimRight(c.Target, "/")
	switch {
	case !(c.RPS > 0) || c.RPS > 100000:
		return fmt.Errorf("loadgen: --rps %v: want a number in (0, 100000]", c.RPS)
	case c.Duration <= 0:
		return fmt.Errorf("loadgen: --duration %v: want a positive duration", c.Duration)
	case c.ErrorRate < 0 || c.ErrorRate > 1 || math.IsNaN(c.ErrorRate):
		return fmt.Errorf("loadgen: --error-rate %v: want a share between 0 and 1", c.ErrorRate)
	case c.SlowRate < 0 || c.SlowRate > 1 || math.IsNaN(c.SlowRate):
		return fmt.Errorf("loadgen: --slow-rate %v: want a share between 0 and 1", c.SlowRate)
	case c.ErrorRate+c.SlowRate > 1:
		return fmt.Errorf("loadgen: --error-rate %v + --slow-rate %v exceed 1", c.ErrorRate, c.SlowRate)
	case c.SlowRate > 0 && c.SlowMS <= 0:
		return fmt.Errorf("loadgen: --slow-rate needs --slow-ms > 0")
	case c.SlowMS < 0 || c.SlowMS > 10000:
		return fmt.Errorf("loadgen: --slow-ms %d: want 0 to 10000", c.SlowMS)
	case c.Concurrency < 0:
		return fmt.Errorf("loadgen: --concurrency %d: want a positive number", c.Concurrency)
	}
	if c.Concurrency == 0 {
		c.Concurrency = 16
	}
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.Timeout, Transport: &http.Transport{
			MaxIdleConnsPerHost: c.Concurrency, MaxConnsPerHost: c.Concurrency,
		}}
	}
	return nil
}

// Summary is what a run saw, from the client's side.
type Summary struct {
	Sent     int            `json:"sent"`
	ByStatus map[string]int `json:"by_status"` // "200", "500", ... and "error" for transport errors
	// Skipped counts requests not sent because Concurrency requests were
	// already in flight (the service is slower than the asked rate).
	Skipped  int           `json:"skipped"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	P50MS    float64       `json:"p50_ms"`
	P95MS    float64       `json:"p95_ms"`
	P99MS    float64       `json:"p99_ms"`
	Injected struct {
		Errors int `json:"errors"`
		Slow   int `json:"slow"`
	} `json:"injected"`
	// Honoured counts the injected faults the server carried out: a 5xx
	// answer to ?simulate=error, an answer no sooner than --slow-ms to
	// ?simulate=slow. A server started without --demo-faults honours none.
	Honoured struct {
		Errors int `json:"errors"`
		Slow   int `json:"slow"`
	} `json:"honoured"`
	// Warnings say what went other than asked: faults not honoured,
	// requests that reached no server. sloguard loadgen exits 1 with any.
	Warnings []string `json:"warnings,omitempty"`
}

// warnings compares what was asked with what happened.
func (s Summary) warnings(target string) []string {
	var w []string
	if n := s.ByStatus["error"]; n > 0 {
		w = append(w, fmt.Sprintf("%d of %d requests got no answer (connection refused, reset or timed out): is the service listening at %s?", n, s.Sent, target))
	}
	answered := func(injected, honoured int) bool { return injected > 0 && honoured < injected-s.ByStatus["error"] }
	if answered(s.Injected.Errors, s.Honoured.Errors) {
		w = append(w, fmt.Sprintf("%d of %d injected errors were not honoured (answered without a 5xx): start serve with --demo-faults", s.Injected.Errors-s.Honoured.Errors, s.Injected.Errors))
	}
	if answered(s.Injected.Slow, s.Honoured.Slow) {
		w = append(w, fmt.Sprintf("%d of %d injected slow requests were not honoured (answered sooner than asked): start serve with --demo-faults", s.Injected.Slow-s.Honoured.Slow, s.Injected.Slow))
	}
	return w
}

// String formats the summary for people.
func (s Summary) String() string {
	var b strings.Builder
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Sent) / s.Elapsed.Seconds()
	}
	fmt.Fprintf(&b, "sent %d requests in %s (%.1f/s), skipped %d\n", s.Sent, s.Elapsed.Round(time.Millisecond), rate, s.Skipped)
	codes := make([]string, 0, len(s.ByStatus))
	for c := range s.ByStatus {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	fmt.Fprintf(&b, "by status:")
	for _, c := range codes {
		fmt.Fprintf(&b, " %s=%d", c, s.ByStatus[c])
	}
	fmt.Fprintf(&b, "\ninjected: %d errors (%d honoured), %d slow (%d honoured)\n", s.Injected.Errors, s.Honoured.Errors, s.Injected.Slow, s.Honoured.Slow)
	fmt.Fprintf(&b, "latency (client): p50 %.2fms  p95 %.2fms  p99 %.2fms\n", s.P50MS, s.P95MS, s.P99MS)
	for _, w := range s.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

type job struct {
	method, path, body string
	webhook            bool
	kind               int // 0 plain, 1 error, 2 slow
}

type result struct {
	status string
	dur    time.Duration
	kind   int
}

// Run sends the load and returns the summary. It stops at the end of the
// duration or when ctx is cancelled (returning what it saw, and ctx's error).
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5deece66d))
	jobs := make(chan job, cfg.Concurrency)
	results := make(chan result, 4*cfg.Concurrency)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- do(ctx, cfg, j)
			}
		}()
	}
	var sum Summary
	sum.ByStatus = map[string]int{}
	var durs []float64
	collected := make(chan struct{})
	var mu sync.Mutex
	go func() {
		defer close(collected)
		for r := range results {
			mu.Lock()
			sum.ByStatus[r.status]++
			switch {
			case r.kind == 1 && strings.HasPrefix(r.status, "5"):
				sum.Honoured.Errors++
			case r.kind == 2 && r.status != "error" && r.dur >= time.Duration(cfg.SlowMS)*time.Millisecond:
				sum.Honoured.Slow++
			}
			durs = append(durs, float64(r.dur)/float64(time.Millisecond))
			mu.Unlock()
		}
	}()

	start := time.Now()
	interval := time.Duration(float64(time.Second) / cfg.RPS)
	total := int(math.Round(cfg.RPS * cfg.Duration.Seconds()))
	progress := time.NewTicker(time.Second)
	defer progress.Stop()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var err error
loop:
	for i := 0; i < total; i++ {
		// open loop: request i is due at start + i*interval.
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			timer.Reset(wait)
			for waiting := true; waiting; {
				select {
				case <-ctx.Done():
					err = ctx.Err()
					break loop
				case <-progress.C:
					printProgress(cfg.Progress, &mu, &sum, start)
				case <-timer.C:
					waiting = false
				}
			}
		}
		j := pick(rng, cfg)
		select {
		case jobs <- j:
			sum.Sent++
			switch j.kind {
			case 1:
				sum.Injected.Errors++
			case 2:
				sum.Injected.Slow++
			}
		default:
			sum.Skipped++
		}
	}
	close(jobs)
	wg.Wait()
	close(results)
	<-collected
	sum.Elapsed = time.Since(start)
	slices.Sort(durs)
	sum.P50MS, sum.P95MS, sum.P99MS = quantile(durs, 0.50), quantile(durs, 0.95), quantile(durs, 0.99)
	sum.Warnings = sum.warnings(cfg.Target)
	return sum, err
}

func printProgress(w io.Writer, mu *sync.Mutex, s *Summary, start time.Time) {
	if w == nil {
		return
	}
	mu.Lock()
	done, bad := 0, 0
	for c, n := range s.ByStatus {
		done += n
		if c == "error" || strings.HasPrefix(c, "5") {
			bad += n
		}
	}
	mu.Unlock()
	fmt.Fprintf(w, "loadgen: %5.1fs sent %d answered %d (5xx or error %d)\n", time.Since(start).Seconds(), s.Sent, done, bad)
}

// quantile is the nearest-rank quantile of sorted values.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// pick chooses the next request: 60% item reads, 25% payments, 15% webhooks.
func pick(rng *rand.Rand, cfg Config) job {
	var j job
	switch r := rng.Float64(); {
	case r < 0.60:
		j = job{method: http.MethodGet, path: fmt.Sprintf("/api/items/%d", rng.IntN(1000))}
	case r < 0.85:
		j = job{method: http.MethodPost, path: "/api/payments", body: fmt.Sprintf(`{"amount_cents":%d,"currency":"EUR"}`, 100+rng.IntN(10000))}
	default:
		j = job{method: http.MethodPost, path: "/webhooks/stripe", body: fmt.Sprintf(`{"type":"charge.succeeded","id":"evt_%d"}`, rng.Int64()), webhook: true}
	}
	switch f := rng.Float64(); {
	case f < cfg.ErrorRate:
		j.kind = 1
		j.path += "?simulate=error"
	case f < cfg.ErrorRate+cfg.SlowRate:
		j.kind = 2
		j.path += fmt.Sprintf("?simulate=slow&ms=%d", cfg.SlowMS)
	}
	return j
}

func do(ctx context.Context, cfg Config, j job) result {
	var body io.Reader
	if j.body != "" {
		body = strings.NewReader(j.body)
	}
	req, err := http.NewRequestWithContext(ctx, j.method, cfg.Target+j.path, body)
	if err != nil {
		return result{status: "error", kind: j.kind}
	}
	if j.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if j.webhook {
		req.Header.Set("Stripe-Signature", "t=1,v1=loadgen")
	}
	start := time.Now()
	resp, err := cfg.Client.Do(req)
	if err != nil {
		status := "error"
		if errors.Is(err, context.Canceled) {
			status = "cancelled"
		}
		return result{status: status, dur: time.Since(start), kind: j.kind}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return result{status: fmt.Sprint(resp.StatusCode), dur: time.Since(start), kind: j.kind}
}
