package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/api"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
)

// keyedGet sends method url with the X-Dash-Key values given (none when
// keys is empty) through client.
func keyedGet(t *testing.T, client *http.Client, method, url string, keys ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		req.Header.Add(api.KeyHeader, k)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// clientFrom is a client whose connections come from the loopback address
// ip: the rate limit counts failures per client address.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// hugeHeader sends a request whose X-Dash-Key header is size bytes and
// returns the status of the answer.
func hugeHeader(t *testing.T, base string, size int) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	// The server answers before it has read it all: write from a goroutine.
	go func() {
		var b bytes.Buffer
		b.WriteString("GET " + api.PathReport + " HTTP/1.1\r\nHost: sloguard\r\n" + api.KeyHeader + ": ")
		b.Write(bytes.Repeat([]byte{'k'}, size))
		b.WriteString("\r\n\r\n")
		_, _ = conn.Write(b.Bytes())
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("a %d-byte header got no answer: %v", size, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The dashboard key: wrong, missing, empty, repeated, non-ASCII and
// oversized keys are refused, a client guessing keys is locked out while
// others are not, the server keeps serving, and neither the key nor the
// wrong guesses appear in any log, span, metric, report or store file.
func TestDashboardKeyRefusesBadKeysAndNeverLeaks(t *testing.T) {
	dir := t.TempDir()
	rb := make([]byte, 16)
	if _, err := rand.Read(rb); err != nil {
		t.Fatal(err)
	}
	key := "dk-" + hex.EncodeToString(rb)
	// A guess that shares all but the last character with the key, and one
	// that shares nothing.
	prefixGuess := key[:len(key)-1] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", key[len(key)-1])+1)%16])
	wrongGuess := "wg-" + strings.Repeat("5a", 16)
	secrets := []string{key, prefixGuess, wrongGuess}

	p, base := proctest.Serve(t, dir, []string{"DASHBOARD_KEY=" + key}, "--sample-interval", "1s", "--eval-interval", "1s")
	client := clientFrom(t, "127.0.0.1")
	reportURL := base + api.PathReport

	for _, c := range []struct {
		name   string
		method string
		url    string
	}{
		{"the report", http.MethodGet, reportURL},
		{"a latency summary", http.MethodGet, base + api.PathLatency + "?window=1h"},
		{"an evaluation", http.MethodPost, base + api.PathCheck},
	} {
		if code, body := keyedGet(t, client, c.method, c.url, key); code != http.StatusOK {
			t.Errorf("%s with the right key: %d %s", c.name, code, body)
		}
	}

	refused := []struct {
		name string
		keys []string
	}{
		{"no key", nil},
		{"an empty key", []string{""}},
		{"a wrong key", []string{wrongGuess}},
		{"the key but its last character", []string{prefixGuess}},
		{"the key twice", []string{key, key}},
		{"a non-ASCII key", []string{"clé-ünïcødé-🔑-" + key[4:]}},
		{"a key of Latin-1 bytes", []string{"\xe9\xe8\xff" + key}},
	}
	for _, c := range refused {
		code, body := keyedGet(t, client, http.MethodGet, reportURL, c.keys...)
		if code != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", c.name, code, body)
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s: the answer holds a key: %s", c.name, body)
			}
		}
	}
	if code := hugeHeader(t, base, 1<<20); code != http.StatusRequestHeaderFieldsTooLarge && code != http.StatusUnauthorized {
		t.Errorf("a 1 MiB key: %d, want 431 or 401", code)
	}
	proctest.WaitHTTP(t, 5*time.Second, base+"/healthz", http.StatusOK)

	// Brute force from another address: locked out after the burst of
	// failures, the right key included, while 127.0.0.1 is not.
	attacker := clientFrom(t, "127.0.0.2")
	var codes []int
	for range 30 {
		code, _ := keyedGet(t, attacker, http.MethodGet, reportURL, wrongGuess)
		codes = append(codes, code)
	}
	first429 := slices.Index(codes, http.StatusTooManyRequests)
	if first429 < 1 || first429 > api.DefaultAuthFailures {
		t.Fatalf("30 wrong keys from one address got %v; want 401 for at most the first %d, then 429", codes, api.DefaultAuthFailures)
	}
	for i, c := range codes[first429:] {
		if c != http.StatusTooManyRequests {
			t.Errorf("attempt %d after the lock-out got %d, want 429", first429+i+1, c)
		}
	}
	if code, _ := keyedGet(t, attacker, http.MethodGet, reportURL, key); code != http.StatusTooManyRequests {
		t.Errorf("the right key from the locked-out address got %d, want 429: a locked-out client learns nothing", code)
	}
	if code, body := keyedGet(t, client, http.MethodGet, reportURL, key); code != http.StatusOK {
		t.Errorf("the right key from another address during the lock-out: %d %s", code, body)
	}

	// The key where it must not be: in a query string, a header other than
	// X-Dash-Key, and X-Dash-Key on a route that does not need it.
	req, _ := http.NewRequest(http.MethodGet, base+"/api/items/42?dash_key="+key+"&X-Dash-Key="+prefixGuess, nil)
	req.Header.Set("User-Agent", "curl "+key)
	req.Header.Set(api.KeyHeader, key)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/items/42 with the key in its query: %s", resp.Status)
	}

	metrics := func() string {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}()
	mfs := scrape(t, base)
	if n := metricSum(mfs, "sloguard_api_auth_failures_total", map[string]string{"reason": "rate_limited"}); n < float64(len(codes)-first429) {
		t.Errorf("sloguard_api_auth_failures_total{reason=\"rate_limited\"} = %v, want at least %d", n, len(codes)-first429)
	}
	if n := metricSum(mfs, "sloguard_api_auth_failures_total", map[string]string{"reason": "invalid"}); n < 5 {
		t.Errorf("sloguard_api_auth_failures_total{reason=\"invalid\"} = %v, want at least 5", n)
	}

	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 30*time.Second); err != nil {
		t.Fatalf("serve did not stop cleanly: %v", err)
	}

	// The places the key could leak to hold what they should, so that not
	// finding the key there means something.
	out := p.Output()
	if !strings.Contains(out, "dashboard API request refused") {
		t.Errorf("serve's log has no line for the refused requests:\n%s", out)
	}
	recs, _ := readTraces(t, filepath.Join(dir, "logs", "http_traces.ndjson"))
	found := false
	for _, r := range recs {
		if r.Route == "/api/items/{id}" && r.Path == "/api/items/42" {
			found = true
		}
		if strings.Contains(r.Path, "?") {
			t.Errorf("a trace record holds a query string: %+v", r)
		}
	}
	if !found {
		t.Errorf("the trace log has no record of GET /api/items/42 (%d records)", len(recs))
	}
	storeFiles, _ := filepath.Glob(filepath.Join(dir, "data", "sloguard.db*"))
	if len(storeFiles) == 0 {
		t.Errorf("no store file in %s", filepath.Join(dir, "data"))
	}

	places := map[string]string{"serve's output": out, "/metrics": metrics}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		places[path] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range places {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s holds a dashboard key or a guess of it (%d characters)", where, len(s))
			}
		}
	}
	t.Logf("searched %d places for the key and two guesses: serve's output, /metrics and %d files", len(places), len(places)-2)
}

// fixedEngine answers the API with one fixed report.
type fixedEngine struct{ rep slo.Report }

func (e fixedEngine) Report() (slo.Report, bool)                   { return e.rep, true }
func (e fixedEngine) Evaluate(context.Context) (slo.Report, error) { return e.rep, nil }
func (e fixedEngine) Latency(context.Context, time.Duration, string) (slo.LatencySummary, error) {
	return slo.LatencySummary{}, nil
}

// Wrong keys are answered alike however much of the key they share. The
// comparison is constant-time by construction (a SHA-256 digest of the
// presented key compared with subtle.ConstantTimeCompare, which api's own
// tests check); this test records the medians in-process for
// docs/RELIABILITY.md and asserts only that the answers are identical.
func TestWrongKeysAreAnsweredAlikeAndTimingIsRecorded(t *testing.T) {
	key := "dk-" + strings.Repeat("3f9a", 8)
	srv, err := api.New(api.Config{
		Engine: fixedEngine{rep: slo.Report{TS: time.Unix(0, 0).UTC(), OverallStatus: slo.StatusOK}},
		Key:    []byte(key),
		// no lock-out: every attempt reaches the comparison.
		AuthFailures: api.RateLimit{Failures: 1 << 30, Per: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	guesses := map[string]string{
		"a key sharing nothing":              strings.Repeat("x", len(key)),
		"the key but its last character":     key[:len(key)-1] + "0",
		"the key but its first character":    "x" + key[1:],
		"a key twice as long, the key first": key + key,
	}
	const rounds = 5000
	samples := map[string][]time.Duration{}
	var answer string
	for i := range rounds {
		for name, g := range guesses {
			req := httptest.NewRequest(http.MethodGet, api.PathReport, nil)
			req.RemoteAddr = "192.0.2.1:1234"
			req.Header.Set(api.KeyHeader, g)
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			took := time.Since(start)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("%s: %d, want 401", name, rec.Code)
			}
			got := rec.Body.String()
			if i == 0 && answer == "" {
				answer = got
			}
			if got != answer {
				t.Fatalf("%s is answered %q, another wrong key %q: the answer tells them apart", name, got, answer)
			}
			samples[name] = append(samples[name], took)
		}
	}
	for name, s := range samples {
		slices.Sort(s)
		t.Logf("%-36s median %v, p90 %v over %d requests", name, s[len(s)/2], s[len(s)*9/10], len(s))
	}
}
