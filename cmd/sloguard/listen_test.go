package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/sloguard/sloguard/exporters/ndjson"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo/sqlite"
)

var httpsRE = regexp.MustCompile(`listening\s+(https://\S+)`)

// serveTLS starts serve with a web configuration and returns its https URL.
func serveTLS(t *testing.T, dir string, args ...string) (*proctest.Proc, string) {
	t.Helper()
	p := proctest.Start(t, "sloguard serve", dir, []string{"DASHBOARD_KEY=listen-test-key-0123456789"}, proctest.Sloguard(t),
		append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	var base string
	proctest.WaitFor(t, 60*time.Second, "serve to print its https address", func() bool {
		if m := httpsRE.FindStringSubmatch(p.Output()); m != nil {
			base = m[1]
			return true
		}
		if p.Exited() {
			t.Fatalf("serve exited:\n%s", p.Output())
		}
		return false
	})
	return p, base
}

func tlsClient(pool *tls.Config) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: pool, DisableKeepAlives: true}}
}

// A web configuration that requires client certificates: a real TLS client
// with a certificate of the configured authority is served; one without a
// certificate, or with another authority's, is refused at the handshake;
// plain HTTP is refused.
func TestWebConfigServesTLSAndRequiresClientCertificates(t *testing.T) {
	pki := newTestPKI(t)
	cfg := filepath.Join(pki.dir, "web.yml")
	writeFile(t, cfg, fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: %s\n",
		pki.serverCert, pki.serverKey, pki.caFile))
	_, base := serveTLS(t, t.TempDir(), "--web.config.file", cfg, "--telemetry", "off")

	resp, err := tlsClient(&tls.Config{RootCAs: pki.pool, Certificates: []tls.Certificate{pki.client}}).Get(base + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz with a client certificate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		t.Errorf("GET /healthz with a client certificate: status %d, TLS %v; want 200 over TLS", resp.StatusCode, resp.TLS != nil)
	}

	for name, certs := range map[string][]tls.Certificate{
		"without a client certificate":         nil,
		"with another authority's certificate": {pki.strangerClient},
	} {
		resp, err := tlsClient(&tls.Config{RootCAs: pki.pool, Certificates: certs}).Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET /healthz %s: status %d, want the handshake refused", name, resp.StatusCode)
		} else if !strings.Contains(err.Error(), "tls") {
			t.Errorf("GET /healthz %s: %v, want a TLS error", name, err)
		}
	}

	plain := "http://" + strings.TrimPrefix(base, "https://")
	resp, err = (&http.Client{Timeout: 10 * time.Second}).Get(plain + "/healthz")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS listener: status %d, want 400", resp.StatusCode)
		}
	}
}

// Basic auth from the web configuration (bcrypt hashes, as the exporters
// read them) guards every path, health checks included.
func TestWebConfigBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "web.yml")
	writeFile(t, cfg, fmt.Sprintf("basic_auth_users:\n  admin: %s\n", hash))
	p, base := proctest.Serve(t, dir, nil, "--web.config.file", cfg, "--telemetry", "off")
	c := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		name       string
		user, pass string
		want       int
	}{
		{"no credentials", "", "", http.StatusUnauthorized},
		{"a wrong password", "admin", "guess", http.StatusUnauthorized},
		{"the right password", "admin", "s3cret-pass", http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, base+"/healthz", nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET /healthz with %s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	if strings.Contains(p.Output(), "s3cret-pass") || strings.Contains(p.Output(), "guess") {
		t.Errorf("a password reached serve's output:\n%s", p.Output())
	}
}

// A web configuration serve cannot use stops it before it listens, exit 2,
// naming the file.
func TestBadWebConfigExits2(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"a missing certificate": "tls_server_config:\n  cert_file: /nonexistent/cert.pem\n  key_file: /nonexistent/key.pem\n",
		"an unknown key":        "tls_server_confg:\n  cert_file: a\n",
		"a password not hashed": "basic_auth_users:\n  admin: plaintext\n",
	} {
		cfg := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yml")
		writeFile(t, cfg, body)
		cmd := exec.Command(proctest.Sloguard(t), "serve", "--addr", "127.0.0.1:0", "--web.config.file", cfg, "--telemetry", "off")
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), cfg) || strings.Contains(string(out), "listening") {
			t.Errorf("serve with %s: exit %d, want 2 with an error naming %s before listening:\n%s", name, code, cfg, out)
		}
	}
}

// HEAD is answered where load balancers and probes send it.
func TestHealthAndMetricsAnswerHEAD(t *testing.T) {
	_, base := proctest.Serve(t, t.TempDir(), []string{"DASHBOARD_KEY=listen-test-key-0123456789"})
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Head(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD %s: status %d, %d body bytes; want 200 and no body", path, resp.StatusCode, len(body))
		}
	}
}

// acceptQueue is how many connections wait in the kernel's accept queue
// of the listening socket on port (rx_queue of a LISTEN row of
// /proc/net/tcp).
func acceptQueue(t *testing.T, port int) int {
	t.Helper()
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Skipf("no /proc/net/tcp: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 5 || f[3] != "0A" || !strings.HasSuffix(f[1], fmt.Sprintf(":%04X", port)) {
			continue
		}
		_, rx, _ := strings.Cut(f[4], ":")
		n, err := strconv.ParseInt(rx, 16, 64)
		if err != nil {
			t.Fatalf("/proc/net/tcp: %q", line)
		}
		return int(n)
	}
	t.Fatalf("no listening socket on port %d in /proc/net/tcp", port)
	return 0
}

// rawRequest sends a GET on a new connection and returns the connection and
// a reader of its responses.
func rawRequest(t *testing.T, addr, path string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

func readStatus(t *testing.T, c net.Conn, r *bufio.Reader) int {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(60 * time.Second)) // a hung server fails the test, it does not hang it
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Past --web.max-connections a new connection waits in the accept queue:
// the request in flight finishes with 200, samples and reports go on being
// written while the listener is full, and the waiting request is answered
// as soon as a connection closes.
func TestMaxConnectionsMakesNewConnectionsWait(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	_, base := proctest.Serve(t, dir, []string{"DASHBOARD_KEY=listen-test-key-0123456789"},
		"--web.max-connections", "2", "--demo-faults", "--read-header-timeout", "2m",
		"--sample-interval", "1s", "--eval-interval", "1s", "--report-file", report)
	u, _ := url.Parse(base)
	port, _ := strconv.Atoi(u.Port())
	proctest.WaitFor(t, 30*time.Second, "the first report", func() bool { _, err := os.Stat(report); return err == nil })

	slowConn, slowR := rawRequest(t, u.Host, "/api/items/1?simulate=slow&ms=8000")
	idleConn, idleR := rawRequest(t, u.Host, "/healthz")
	if s := readStatus(t, idleConn, idleR); s != 200 {
		t.Fatalf("second connection: status %d", s)
	}
	// both connections are now held: the slow one in flight, the other idle.
	waitConn, waitR := rawRequest(t, u.Host, "/healthz")
	proctest.WaitFor(t, 30*time.Second, "the third connection to wait in the accept queue", func() bool { return acceptQueue(t, port) == 1 })

	// the SLO processor does not go through the listener.
	st, err := sqlite.Open(filepath.Join(dir, "data", storeFile), sqlite.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lastEnd := func() time.Time {
		e, err := st.LastEnd(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	reportTime := func() time.Time {
		fi, err := os.Stat(report)
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime()
	}
	e0, r0 := lastEnd(), reportTime()
	proctest.WaitFor(t, 30*time.Second, "a sample stored while the listener is full", func() bool { return lastEnd().After(e0) })
	proctest.WaitFor(t, 30*time.Second, "a report written while the listener is full", func() bool { return reportTime().After(r0) })
	if q := acceptQueue(t, port); q != 1 {
		t.Fatalf("accept queue = %d while both connections are held, want 1 (the third)", q)
	}

	if s := readStatus(t, slowConn, slowR); s != 200 {
		t.Errorf("request in flight while the listener was full: status %d, want 200", s)
	}
	idleConn.Close()
	if s := readStatus(t, waitConn, waitR); s != 200 {
		t.Errorf("waiting request once a connection closed: status %d, want 200", s)
	}
}

func TestMaxConnectionsDefaultsToPrometheus(t *testing.T) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.flags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if c.listen.maxConnections != 512 {
		t.Errorf("--web.max-connections default = %d, want 512 (Prometheus')", c.listen.maxConnections)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tracedRoutes sends one request carrying a sampled traceparent to serve
// (sampling no new trace), stops it, and returns the routes of the spans
// of the caller's trace in the trace file.
func tracedRoutes(t *testing.T, args ...string) []string {
	t.Helper()
	dir := t.TempDir()
	traces := filepath.Join(dir, "traces.ndjson")
	p, base := proctest.Serve(t, dir, []string{"DASHBOARD_KEY=listen-test-key-0123456789",
		"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0"},
		append([]string{"--traces-file", traces}, args...)...)
	req, _ := http.NewRequest(http.MethodGet, base+"/api/items/1", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 30*time.Second); err != nil {
		t.Fatalf("serve exit: %v", err)
	}
	f, err := os.Open(traces)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var routes []string
	if _, err := ndjson.Read(f, func(r ndjson.Record) error {
		if r.TraceID == "4bf92f3577b34da6a3ce929d0e0e4736" {
			routes = append(routes, r.Route)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return routes
}

// With --public-endpoint a client's sampled traceparent no longer forces
// its request into the trace file.
func TestPublicEndpointFlagStopsClientsForcingTraces(t *testing.T) {
	if got := tracedRoutes(t); len(got) != 1 {
		t.Fatalf("without --public-endpoint the caller's sampled trace has %d spans (%v), want 1: the test would prove nothing", len(got), got)
	}
	if got := tracedRoutes(t, "--public-endpoint"); len(got) != 0 {
		t.Errorf("with --public-endpoint the caller's trace has spans %v, want none", got)
	}
}
