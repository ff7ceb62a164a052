package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/loadgen"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
)

// plSpec is the SLO the pipeline test pages on, over the given window.
func plSpec(window time.Duration) string {
	return fmt.Sprintf(`version: sloguard/v1
service: %s
slos:
  - name: availability
    objective: 99
    window: %s
    min_events: 50
    sli:
      availability:
        routes: [%q, %q, %q]
`, plSpecService, slo.WindowName(window), plItemRoute, "/api/payments", "/webhooks/stripe")
}

const (
	plSpecService = "otlp-pipeline"
	plAlertName   = "SLOErrorBudgetBurn"
	plDashKey     = "pipeline-e2e-key-0123456789"
	plItemRoute   = "/api/items/{id}"
	// plDemoRoutes selects the spec's routes in PromQL.
	plDemoRoutes = `http_route=~"/api/items/\\{id\\}|/api/payments|/webhooks/stripe"`
	// The 30-day windows of the SRE workbook's page tier: both burn
	// rates above 14.4 over the last hour and the last five minutes.
	plWorkbookWindow = 30 * slo.Day
	plPageLong       = time.Hour
	plPageShort      = 5 * time.Minute
)

// plScaled is a workbook alert window scaled to an SLO window.
func plScaled(alertWindow, sloWindow time.Duration) time.Duration {
	return time.Duration(float64(alertWindow) * float64(sloWindow) / float64(plWorkbookWindow))
}

// plWriteFile writes a file the test needs.
func plWriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func plAnswered(s loadgen.Summary) float64 {
	n := 0
	for code, c := range s.ByStatus {
		if code != "error" && code != "cancelled" {
			n += c
		}
	}
	return float64(n)
}

// The whole docker-compose topology, run from the real binaries: sloguard
// serve exports spans and metrics over OTLP to the Collector, which sends the
// spans to Jaeger and serves the metrics to Prometheus; Prometheus scrapes the
// app too, evaluates the generated rules and alerts to Alertmanager, where
// sloguard's own alert sink posts as well. Errors injected by the load
// generator page through both sources; the page resolves once they stop.
func TestPipelineTracesMetricsAndAlertsReachTheRealServers(t *testing.T) {
	dir := t.TempDir()
	// serve pages over a 3-hour window: its page tier's windows scale to
	// 15s and 1.25s, so a page fires and resolves within the test.
	serveWindow := 3 * time.Hour
	pageLong := slo.WindowName(plScaled(plPageLong, serveWindow))
	pageShort := slo.WindowName(plScaled(plPageShort, serveWindow))
	specPath := filepath.Join(dir, "slo.yaml")
	plWriteFile(t, specPath, plSpec(serveWindow))
	// Prometheus cannot take a rate over less than a minute, and the
	// generator refuses windows that would need it: Prometheus gets the
	// same SLO over the shortest window it accepts, whose page tier (12m and
	// 1m) fires on the same errors.
	rulesWindow := 6 * slo.Day
	rulesSpecPath := filepath.Join(dir, "slo-rules.yaml")
	plWriteFile(t, rulesSpecPath, plSpec(rulesWindow))
	rulesPath := filepath.Join(dir, "rules", "sloguard-rules.yml")
	if out, err := exec.CommandContext(proctest.Context(t), proctest.Sloguard(t), "rules", "--slo-file", rulesSpecPath, "--out", rulesPath).CombinedOutput(); err != nil {
		t.Fatalf("sloguard rules: %v\n%s", err, out)
	}

	// Every server starts at once; readiness is awaited after.
	jaeger := startPlJaeger(t)
	collector := startPlCollector(t, jaeger.OTLPGRPC)
	amURL := startPlAlertmanager(t)
	serviceName := fmt.Sprintf("sloguard-otlp-e2e-%d", os.Getpid())
	env := []string{
		"DASHBOARD_KEY=" + plDashKey,
		"OTEL_SERVICE_NAME=" + serviceName,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + collector.OTLPGRPC,
		"OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
		"OTEL_METRIC_EXPORT_INTERVAL=1000",
		"OTEL_BSP_SCHEDULE_DELAY=500",
	}
	_, base := proctest.Serve(t, dir, env,
		"--demo-faults", "--slo-file", specPath,
		"--sample-interval", "1s", "--eval-interval", "1s",
		"--alertmanager-url", amURL)
	prom := startPlPrometheus(t, strings.TrimPrefix(base, "http://"), collector.Prometheus,
		strings.TrimPrefix(amURL, "http://"), rulesPath)
	jaeger.ready(t)
	collector.ready(t)
	proctest.WaitHTTP(t, plStartTimeout, amURL+"/-/ready", http.StatusOK)
	prom.ready(t)

	tr := &http.Transport{MaxIdleConnsPerHost: 16, MaxConnsPerHost: 16}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Timeout: 5 * time.Second, Transport: tr}
	// Errors sent before Prometheus scrapes both targets would be missing
	// from its rates.
	for _, job := range []string{"sloguard", "otel-collector"} {
		plWaitFor(t, 30*time.Second, "Prometheus to scrape job "+job, func() (bool, string) {
			s, err := prom.query(client, fmt.Sprintf(`up{job=%q}`, job))
			return err == nil && len(s) == 1 && s[0].Value == 1, fmt.Sprint(s, err)
		})
	}

	// Half the requests fail for 20s, then none for 15s.
	loadStart := time.Now()
	lctx, cancel := context.WithCancel(context.Background())
	var bad, good loadgen.Summary
	var badErr, goodErr error
	badDone, loadDone := make(chan struct{}), make(chan struct{})
	loadClient := &http.Client{Timeout: 15 * time.Second, Transport: tr}
	go func() {
		defer close(loadDone)
		bad, badErr = loadgen.Run(lctx, loadgen.Config{Target: base, RPS: 50, Duration: 20 * time.Second, ErrorRate: 0.5, Seed: 7, Client: loadClient})
		close(badDone)
		if badErr == nil {
			good, goodErr = loadgen.Run(lctx, loadgen.Config{Target: base, RPS: 50, Duration: 15 * time.Second, Seed: 8, Client: loadClient})
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-loadDone
	})

	// 3. sloguard's page reaches Alertmanager with the labels the rules
	// give the same alert.
	isServePage := func(a plAMAlert) bool {
		return a.Labels["alertname"] == plAlertName && a.Labels["slo"] == "availability" &&
			a.Labels["severity"] == "page" && a.Labels["long_window"] == pageLong
	}
	isPromAlert := func(a plAMAlert) bool { return strings.HasPrefix(a.GeneratorURL, prom.URL+"/") }
	var page plAMAlert
	plWaitFor(t, 40*time.Second, "sloguard's page ("+pageLong+"/"+pageShort+") in Alertmanager", func() (bool, string) {
		alerts, err := plAMAlerts(client, amURL)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range alerts {
			if isServePage(a) && !isPromAlert(a) {
				page = a
				return true, ""
			}
		}
		return false, plLabelSets(alerts)
	})
	wantLabels := map[string]string{
		"alertname":    plAlertName,
		"slo":          "availability",
		"service":      plSpecService,
		"severity":     "page",
		"long_window":  pageLong,
		"short_window": pageShort,
	}
	for k, v := range wantLabels {
		if page.Labels[k] != v {
			t.Errorf("sloguard's page in Alertmanager has %s=%q, want %q (labels %v)", k, page.Labels[k], v, page.Labels)
		}
	}
	if page.Status.State != "active" {
		t.Errorf("sloguard's page is %q in Alertmanager, want active", page.Status.State)
	}
	if !page.EndsAt.After(time.Now()) {
		t.Errorf("sloguard's firing page ends at %v, already past", page.EndsAt)
	}

	// 4. Prometheus's evaluation of the generated rules pages for the same
	// SLO, and its alert reaches the same Alertmanager with the same name,
	// SLO, service and severity.
	promLong, promShort := slo.WindowName(plScaled(plPageLong, rulesWindow)), slo.WindowName(plScaled(plPageShort, rulesWindow))
	plWaitFor(t, 40*time.Second, "Prometheus to fire the "+promLong+"/"+promShort+" page", func() (bool, string) {
		s, err := prom.query(client, fmt.Sprintf(`ALERTS{alertname=%q,alertstate="firing",slo="availability",severity="page",long_window=%q}`, plAlertName, promLong))
		if err != nil {
			t.Fatal(err)
		}
		return len(s) == 1 && s[0].Labels["service"] == plSpecService && s[0].Labels["short_window"] == promShort, fmt.Sprint(s)
	})
	plWaitFor(t, 30*time.Second, "Prometheus's page in Alertmanager beside sloguard's", func() (bool, string) {
		alerts, err := plAMAlerts(client, amURL)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range alerts {
			if !isPromAlert(a) || a.Labels["long_window"] != promLong {
				continue
			}
			for _, k := range []string{"alertname", "slo", "service", "severity"} {
				if a.Labels[k] != page.Labels[k] {
					t.Fatalf("Prometheus's page has %s=%q, sloguard's %q", k, a.Labels[k], page.Labels[k])
				}
			}
			return true, ""
		}
		return false, plLabelSets(alerts)
	})

	// 1. A request's trace went app → Collector → Jaeger, named by its route.
	plWaitFor(t, 30*time.Second, "Jaeger to list service "+serviceName, func() (bool, string) {
		names, err := jaeger.services(client)
		return slices.Contains(names, serviceName), fmt.Sprint(names, err)
	})
	var found plSpan
	plWaitFor(t, 30*time.Second, "a "+plItemRoute+" span of "+serviceName+" in Jaeger", func() (bool, string) {
		rss, err := jaeger.traces(client, serviceName, loadStart.Add(-time.Minute), time.Now().Add(time.Minute))
		if err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, rs := range rss {
			svc, _ := plAttr(rs.Resource.Attributes, "service.name")
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					route, _ := plAttr(sp.Attributes, "http.route")
					if svc == serviceName && sp.Name == "GET "+plItemRoute && route == plItemRoute {
						found = sp
						return true, ""
					}
					if len(seen) < 10 {
						seen = append(seen, fmt.Sprintf("%s: %q route %q", svc, sp.Name, route))
					}
				}
			}
		}
		return false, fmt.Sprintf("%d resource spans, spans %v", len(rss), seen)
	})
	if len(found.TraceID) != 32 || found.Kind != 2 {
		t.Errorf("the span found in Jaeger is not a server span with a trace id: %+v", found)
	}

	// 2. The HTTP metrics reach Prometheus both ways: through the Collector
	// (labelled with the app's service name as exported_job) and scraped
	// from the app.
	for _, q := range []struct{ what, query, label, want string }{
		{"through the Collector", fmt.Sprintf(`http_server_request_duration_seconds_count{job="otel-collector",http_route=%q}`, plItemRoute), "exported_job", serviceName},
		{"scraped from the app", fmt.Sprintf(`http_server_request_duration_seconds_count{job="sloguard",http_route=%q}`, plItemRoute), "job", "sloguard"},
	} {
		var last []plSeries
		plWaitFor(t, 30*time.Second, "the request duration histogram in Prometheus "+q.what, func() (bool, string) {
			s, err := prom.query(client, q.query)
			if err != nil {
				t.Fatal(err)
			}
			last = s
			return len(s) > 0, "no series"
		})
		for _, s := range last {
			if s.Labels[q.label] != q.want {
				t.Errorf("series %v %s: %s=%q, want %q", s.Labels, q.what, q.label, s.Labels[q.label], q.want)
			}
		}
	}

	// 3. (cont.) Once errors stop, the page resolves: Alertmanager no
	// longer lists it (its endsAt passed). Left alone it would stay valid
	// for minutes, so its going is sloguard's resolve.
	<-badDone
	if badErr != nil {
		t.Fatalf("load with errors: %v", badErr)
	}
	if bad.ByStatus["500"] == 0 {
		t.Fatalf("the load generator saw no 500 while asking for errors: %v", bad)
	}
	plWaitFor(t, 45*time.Second, "sloguard's page to resolve in Alertmanager", func() (bool, string) {
		alerts, err := plAMAlerts(client, amURL)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range alerts {
			if isServePage(a) && !isPromAlert(a) {
				return false, plLabelSets(alerts)
			}
		}
		return true, ""
	})

	// Every answered request is counted the same both ways.
	<-loadDone
	if goodErr != nil {
		t.Fatalf("load without errors: %v", goodErr)
	}
	want := plAnswered(bad) + plAnswered(good)
	for _, job := range []string{"otel-collector", "sloguard"} {
		q := fmt.Sprintf(`sum(http_server_request_duration_seconds_count{job=%q,%s})`, job, plDemoRoutes)
		plWaitFor(t, 30*time.Second, fmt.Sprintf("Prometheus (job %s) to count the %v answered requests", job, want), func() (bool, string) {
			s, err := prom.query(client, q)
			if err != nil {
				t.Fatal(err)
			}
			return len(s) == 1 && s[0].Value == want, fmt.Sprint(s)
		})
	}
	t.Logf("load: %v then %v; took %v", bad.ByStatus, good.ByStatus, time.Since(loadStart).Round(time.Second))
}
