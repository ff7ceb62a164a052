package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/internal/proctest"
)

// slowClient opens a connection, writes head at once and then tail one
// byte every second. It returns a channel that receives, once the server
// closes the connection (or answers and closes it), how long that took
// and the status line it got, if any.
type slowResult struct {
	after  time.Duration
	status string
	err    error
}

func slowClient(t *testing.T, base, head, tail string, limit time.Duration) <-chan slowResult {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	start := time.Now()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for i := 0; i < len(tail); i++ {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			if _, err := conn.Write([]byte{tail[i]}); err != nil {
				return
			}
		}
	})
	out := make(chan slowResult, 1)
	go func() {
		defer func() {
			close(stop)
			wg.Wait()
		}()
		var r slowResult
		br := bufio.NewReader(conn)
		line, err := br.ReadString('\n')
		r.status = strings.TrimSpace(line)
		if err == nil {
			// an answer: the connection must be closed after it.
			_, err = io.Copy(io.Discard, br)
		}
		r.after = time.Since(start)
		if err != nil && !errors.Is(err, io.EOF) {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				r.err = err // still open at the limit
			}
		}
		out <- r
	}()
	return out
}

// Slow and oversized requests: a 5 MiB body is refused with 400, a client
// sending its headers a byte a second is cut off by the header timeout and
// one sending its body a byte a second by the read timeout, and other
// clients are served normally all the while.
func TestOversizedAndSlowRequestsAreCutOffWhileOthersAreServed(t *testing.T) {
	const readTimeout = 3 * time.Second
	dir := t.TempDir()
	// the default --read-header-timeout (5s); a short --read-timeout keeps
	// the test short (the default is 30s).
	_, base := proctest.Serve(t, dir, []string{"DASHBOARD_KEY=" + testKey}, "--read-timeout", readTimeout.String())

	// Slow clients first, so that the oversized body and the normal
	// traffic below run while they hang on.
	slowHeaders := slowClient(t, base, "GET /healthz HTTP/1.1\r\nHost: sloguard\r\n", "X-Slow: "+strings.Repeat("a", 60)+"\r\n\r\n", 15*time.Second)
	body := `{"amount_cents":100,"currency":"EUR"}`
	slowBody := slowClient(t, base, "POST /api/payments HTTP/1.1\r\nHost: sloguard\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n", body+strings.Repeat(" ", 200-len(body)), 15*time.Second)

	client := keepAliveClient(t, 2)
	huge := append([]byte(`{"amount_cents":100,"currency":"EUR","note":"`), bytes.Repeat([]byte{'a'}, 5<<20)...)
	huge = append(huge, `"}`...)
	resp, err := client.Post(base+"/api/payments", "application/json", bytes.NewReader(huge))
	if err != nil {
		t.Fatalf("POST of a 5 MiB body: %v", err)
	}
	var answer struct{ Error string }
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(answer.Error, "larger than") {
		t.Errorf("POST of a 5 MiB body: %s %q, want 400 saying the body is larger than %d bytes", resp.Status, answer.Error, demo.MaxBody)
	}

	// Normal traffic while the slow clients hang on: every request answered.
	normal := make(chan probe, 1)
	go func() { normal <- closedLoop(t, client, 2, 7*time.Second, itemURL(base)) }()

	for _, c := range []struct {
		name  string
		ch    <-chan slowResult
		limit time.Duration
	}{
		{"headers sent a byte a second", slowHeaders, 10 * time.Second},
		{"a body sent a byte a second", slowBody, readTimeout + 5*time.Second},
	} {
		r := <-c.ch
		t.Logf("%s: cut off after %v (status line %q)", c.name, r.after.Round(100*time.Millisecond), r.status)
		if r.err != nil || r.after > c.limit {
			t.Errorf("%s: the connection was still open after %v (%v), want it closed within %v", c.name, r.after, r.err, c.limit)
		}
		if strings.Contains(r.status, " 200 ") || strings.Contains(r.status, " 201 ") {
			t.Errorf("%s: answered %q: a request that never arrived whole was served", c.name, r.status)
		}
	}
	if pr := <-normal; !pr.answeredAll(http.StatusOK) || len(pr.latencies) == 0 {
		t.Errorf("normal requests meanwhile: %v (first error %v)", pr, pr.firstErr)
	}
	pay, err := client.Post(base+"/api/payments", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	pay.Body.Close()
	if pay.StatusCode != http.StatusCreated {
		t.Errorf("a normal payment after the hostile ones: %s, want 201", pay.Status)
	}
}
