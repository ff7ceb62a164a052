package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/loadgen"
	"github.com/sloguard/sloguard/internal/proctest"
)

// planted collects the secrets a test plants, each distinct so that a leak
// names where it came from.
type planted struct {
	mu   sync.Mutex
	list []string
}

func (p *planted) secret(where string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := fmt.Sprintf("pl4nted%s%02dz", strings.NewReplacer("-", "", "_", "", " ", "").Replace(where), len(p.list))
	p.list = append(p.list, s)
	return s
}

// malformedURLs are URLs sloguard must refuse, each with a user, a password
// and a token of its own: one that does not parse, one of another scheme,
// user:pass@host without a scheme, and https:user:pass@host without //.
func (p *planted) malformedURLs(where string) []string {
	var out []string
	for i, form := range []string{
		"http://%s:%s@127.0.0.1:port/?token=%s",
		"ftp://%s:%s@127.0.0.1/?access_token=%s",
		"%s:%s@127.0.0.1:9?api_key=%s",
		"https:%s:%s@127.0.0.1?sig=%s",
	} {
		tag := fmt.Sprintf("%s%d", where, i)
		out = append(out, fmt.Sprintf(form, p.secret(tag+"user"), p.secret(tag+"pass"), p.secret(tag+"token")))
	}
	return out
}

// withUserinfo puts a planted user and password into an http URL.
func (p *planted) withUserinfo(where, u string) string {
	return strings.Replace(u, "http://", "http://"+p.secret(where+"user")+":"+p.secret(where+"pass")+"@", 1)
}

// runSloguard runs the binary to its end in dir and returns its output and
// exit status.
func runSloguard(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, proctest.Sloguard(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("sloguard %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("sloguard %s was still running after 60s", args[0])
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// answering is a receiver that answers every request with status (and
// Location, for a redirect) and counts them.
func answering(t *testing.T, status int, location string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if location != "" {
			w.Header().Set("Location", location)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// Every URL flag and variable, good and malformed, is given its own user,
// password and token (and every header and key variable its own value):
// serve and check run with them, receivers fail in every way they can, and
// none of the secrets is in anything sloguard printed or wrote.
func TestNoURLOrHeaderSecretReachesAnyOutput(t *testing.T) {
	var p planted
	outputs := map[string]string{} // where → what it holds
	var dirs []string
	newDir := func() string {
		d := t.TempDir()
		dirs = append(dirs, d)
		return d
	}

	// Receivers that refuse: a webhook answering 403, an Alertmanager
	// redirecting to a URL with credentials, a Collector answering 401, a
	// Prometheus answering 500.
	webhookSrv, webhookHits := answering(t, http.StatusForbidden, "")
	amLocation := "http://" + p.secret("amlocuser") + ":" + p.secret("amlocpass") + "@elsewhere.example/?token=" + p.secret("amloctoken")
	amSrv, amHits := answering(t, http.StatusFound, amLocation)
	collectorSrv, collectorHits := answering(t, http.StatusUnauthorized, "")
	promSrv, promHits := answering(t, http.StatusInternalServerError, "")

	key := p.secret("dashkey") + "0123456789"
	otlpEnv := []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + collectorSrv.URL,
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20" + p.secret("otlpbearer") + ",x-api-key=" + p.secret("otlpapikey"),
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS=x-trace-token=" + p.secret("otlptraceheader"),
		"OTEL_EXPORTER_OTLP_METRICS_HEADERS=x-metrics-token=" + p.secret("otlpmetricsheader"),
		"OTEL_EXPORTER_OTLP_TIMEOUT=1000",
		"OTEL_METRIC_EXPORT_INTERVAL=1000",
		"OTEL_BSP_SCHEDULE_DELAY=200",
	}
	env := append([]string{
		"DASHBOARD_KEY=" + key,
		"WEBHOOK_AUTHORIZATION=Bearer " + p.secret("webhookauth"),
	}, otlpEnv...)

	// 1. serve with good URLs holding credentials, debug logging, until a
	// page has fired and every receiver has refused something.
	dir := newDir()
	spec := writeSpec(t, dir)
	amURL := p.withUserinfo("am", amSrv.URL) + "/am/?token=" + p.secret("amtoken") + "&team=sre"
	webhookURL := p.withUserinfo("webhook", webhookSrv.URL) + "/hook?access_token=" + p.secret("webhooktoken") + "&sig=" + p.secret("webhooksig")
	srv, base := proctest.Serve(t, dir, env, "--demo-faults", "--slo-file", spec, "--log-level", "debug",
		"--sample-interval", "1s", "--eval-interval", "1s", "--alertmanager-url", amURL, "--webhook-url", webhookURL)
	ctx := proctest.Context(t)
	load := make(chan error, 1)
	go func() {
		_, err := loadgen.Run(ctx, loadgen.Config{Target: base, RPS: 80, Duration: 18 * time.Second, ErrorRate: 0.5, Seed: 3})
		load <- err
	}()
	proctest.WaitFor(t, 60*time.Second, "the Alertmanager and the webhook to refuse a page, and the Collector to refuse exports", func() bool {
		return strings.Count(srv.Output(), "receiver rejected alerts") >= 2 && amHits.Load() > 0 && webhookHits.Load() > 0 &&
			collectorHits.Load() > 0 && strings.Contains(srv.Output(), "telemetry export error")
	})

	// check --server: with credentials in the URL, the right key, a wrong
	// key, and a server that redirects.
	serverURL := p.withUserinfo("checkserver", base)
	out, code := runSloguard(t, dir, []string{"DASHBOARD_KEY=" + key}, "check", "--server", serverURL)
	if code != 1 && code != 2 {
		t.Errorf("check --server with the key: exit status %d, want a report's 1 or 2\n%s", code, out)
	}
	outputs["check --server with the key"] = out
	out, code = runSloguard(t, dir, []string{"DASHBOARD_KEY=" + p.secret("wrongkey") + "0123456789"}, "check", "--server", serverURL)
	if code != 3 || !strings.Contains(out, "401") {
		t.Errorf("check --server with a wrong key: exit status %d, want 3 and the 401\n%s", code, out)
	}
	outputs["check --server with a wrong key"] = out
	out, code = runSloguard(t, dir, []string{"DASHBOARD_KEY=" + key}, "check", "--server", p.withUserinfo("checkredirect", amSrv.URL))
	if code != 3 || !strings.Contains(out, "redirect") {
		t.Errorf("check --server at a redirect: exit status %d, want 3 and the redirect named\n%s", code, out)
	}
	outputs["check --server at a redirect"] = out

	if err := <-load; err != nil {
		t.Fatal(err)
	}
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Its exit status is not this test's concern: the last export to the
	// refusing Collector fails.
	srv.Wait(t, 30*time.Second)
	outputs["serve with good URLs"] = srv.Output()
	// The places searched hold what they should (the redacted URLs), so
	// that not finding a secret there means something.
	for _, want := range []string{`sink=webhook target="http://xxxxx@127.0.0.1`, `sink=alertmanager target="http://xxxxx@127.0.0.1`, "to http://xxxxx@elsewhere.example/?token=xxxxx"} {
		if !strings.Contains(srv.Output(), want) {
			t.Errorf("serve's log does not hold %q", want)
		}
	}

	// 2. serve and check over a Prometheus that fails, its URL holding
	// credentials.
	promURL := p.withUserinfo("prom", promSrv.URL) + "/prometheus"
	dir = newDir()
	promServe, _ := proctest.Serve(t, dir, env, "--source", "prometheus", "--prometheus-url", promURL, "--log-level", "debug",
		"--sample-interval", "1s", "--eval-interval", "1s")
	reportPath := filepath.Join(dir, "logs", "slo_report.json")
	proctest.WaitFor(t, 30*time.Second, "a report that says Prometheus failed", func() bool {
		b, _ := os.ReadFile(reportPath)
		return promHits.Load() > 0 && strings.Contains(string(b), "500")
	})
	if err := promServe.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	promServe.Wait(t, 30*time.Second)
	outputs["serve --source prometheus"] = promServe.Output()
	out, code = runSloguard(t, dir, nil, "check", "--source", "prometheus", "--prometheus-url", promURL)
	if code != 3 {
		t.Errorf("check over a failing Prometheus: exit status %d, want 3\n%s", code, out)
	}
	outputs["check --source prometheus"] = out

	// 3. every malformed URL and variable: serve exits 2, check 3, each
	// naming what is wrong.
	type run struct {
		name string
		env  []string
		args []string
		code int
		want string
	}
	var runs []run
	for _, u := range p.malformedURLs("am") {
		runs = append(runs, run{"serve --alertmanager-url", env, []string{"serve", "--alertmanager-url", u}, 2, "--alertmanager-url"})
	}
	for _, u := range p.malformedURLs("webhook") {
		runs = append(runs, run{"serve --webhook-url", env, []string{"serve", "--webhook-url", u}, 2, "--webhook-url"})
	}
	for _, u := range p.malformedURLs("prom") {
		runs = append(runs, run{"serve --prometheus-url", env, []string{"serve", "--source", "prometheus", "--prometheus-url", u}, 2, "--prometheus-url"})
		runs = append(runs, run{"check --prometheus-url", nil, []string{"check", "--source", "prometheus", "--prometheus-url", u}, 3, "--prometheus-url"})
	}
	for _, u := range p.malformedURLs("server") {
		runs = append(runs, run{"check --server", []string{"DASHBOARD_KEY=" + key}, []string{"check", "--server", u}, 3, "--server"})
	}
	for _, v := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"} {
		bad := append(p.malformedURLs(v), p.withUserinfo(v, collectorSrv.URL))
		for _, u := range bad {
			runs = append(runs, run{"serve with " + v, append(append([]string(nil), env...), v+"="+u), []string{"serve"}, 2, "serve: " + v + ": "})
		}
	}
	for _, v := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"} {
		for _, h := range []string{
			"Authorization: Bearer " + p.secret(v+"line"),
			"x-api-key=" + p.secret(v+"escape") + "%zz",
			"api key=" + p.secret(v+"name"),
		} {
			runs = append(runs, run{"serve with " + v, append(append([]string(nil), env...), v+"="+h), []string{"serve"}, 2, "serve: " + v + ": "})
		}
	}
	for i, r := range runs {
		dir := newDir()
		args := r.args
		if args[0] == "serve" {
			args = append([]string{"serve", "--addr", "127.0.0.1:0"}, args[1:]...)
		}
		out, code := runSloguard(t, dir, r.env, args...)
		if code != r.code || !strings.Contains(out, r.want) {
			t.Errorf("%s (case %d): exit status %d, want %d and an error naming %q\n%s", r.name, i, code, r.code, r.want, out)
		}
		outputs[fmt.Sprintf("%s (case %d)", r.name, i)] = out
	}

	// Every file written, in every directory.
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			outputs[path] = string(b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for where, text := range outputs {
		for _, s := range p.list {
			if strings.Contains(text, s) {
				t.Errorf("%s holds the planted secret %s:\n%s", where, s, text)
			}
		}
	}
	t.Logf("searched %d outputs and files for %d planted secrets", len(outputs), len(p.list))
}
