package e2e

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/sloguard/sloguard/internal/loadgen"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
)

// flap switches e between its failure modes and up every period until stop
// is closed, and leaves it up.
func flap(e *faultyEndpoint, period time.Duration, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Go(func() {
		modes := []endpointMode{modeReset, modeUp, modeBlackHole, modeUp}
		tk := time.NewTicker(period)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				e.set(modeUp)
				return
			case <-tk.C:
				e.set(modes[i%len(modes)])
			}
		}
	})
	return &wg
}

// withFlapping runs fn while e flaps.
func withFlapping(e *faultyEndpoint, fn func()) {
	stop := make(chan struct{})
	wg := flap(e, 300*time.Millisecond, stop)
	fn()
	close(stop)
	wg.Wait()
}

// spanQueues returns, for every batch span processor, its queue size and
// capacity from /metrics.
func spanQueues(mfs map[string]*dto.MetricFamily) (size, capacity map[string]float64) {
	size, capacity = map[string]float64{}, map[string]float64{}
	for name, into := range map[string]map[string]float64{
		"otel_sdk_processor_span_queue_size":     size,
		"otel_sdk_processor_span_queue_capacity": capacity,
	} {
		mf, ok := mfs[name]
		if !ok {
			continue
		}
		for _, m := range mf.GetMetric() {
			component := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "otel_component_name" {
					component = l.GetValue()
				}
			}
			into[component] = m.GetGauge().GetValue() + m.GetUntyped().GetValue()
		}
	}
	return size, capacity
}

// A Collector that is down, hangs without answering, or flaps does not slow
// requests down: spans wait in bounded queues, what does not fit is counted
// as dropped, the NDJSON trace log keeps being written, and export resumes
// once the Collector answers again.
func TestCollectorDownSlowOrFlappingDoesNotSlowRequests(t *testing.T) {
	dir := t.TempDir()
	collector := newFaultyEndpoint(t, modeUp)
	env := []string{
		"DASHBOARD_KEY=" + testKey,
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.URL(),
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		// shorter than the defaults (10s, 60s, 5s) so that the test sees
		// several exports and time-outs.
		"OTEL_EXPORTER_OTLP_TIMEOUT=2000",
		"OTEL_METRIC_EXPORT_INTERVAL=1000",
		"OTEL_BSP_SCHEDULE_DELAY=1000",
	}
	_, base := proctest.Serve(t, dir, env, "--sample-interval", "1s", "--eval-interval", "5s")
	client := keepAliveClient(t, 8)
	ndjsonSpans := func() float64 { return metricSum(scrape(t, base), "sloguard_exporter_ndjson_spans_total", nil) }

	healthy := closedLoop(t, client, 8, 3*time.Second, itemURL(base))
	if !healthy.answeredAll(http.StatusOK) {
		t.Fatalf("with the Collector up: %v (first error %v)", healthy, healthy.firstErr)
	}
	proctest.WaitFor(t, 20*time.Second, "spans and metrics at the Collector", func() bool {
		return collector.hitCount("/v1/traces") > 0 && collector.hitCount("/v1/metrics") > 0
	})

	collector.set(modeBlackHole)
	spansBefore := ndjsonSpans()
	hanging := closedLoop(t, client, 8, 3*time.Second, itemURL(base))
	if !hanging.answeredAll(http.StatusOK) {
		t.Fatalf("with the Collector hanging: %v (first error %v)", hanging, hanging.firstErr)
	}
	if collector.heldCount() == 0 {
		t.Fatalf("no exporter connected to the hanging Collector: the fault was not exercised")
	}
	proctest.WaitFor(t, 20*time.Second, "the NDJSON trace log to keep being written", func() bool { return ndjsonSpans() > spansBefore })

	var flapping probe
	withFlapping(collector, func() { flapping = closedLoop(t, client, 8, 3*time.Second, itemURL(base)) })
	if !flapping.answeredAll(http.StatusOK) {
		t.Fatalf("with the Collector flapping: %v (first error %v)", flapping, flapping.firstErr)
	}

	mfs := scrape(t, base)
	size, capacity := spanQueues(mfs)
	if len(capacity) < 2 {
		t.Errorf("/metrics shows the queue capacity of %d span processors, want 2 (NDJSON and OTLP)", len(capacity))
	}
	for c, s := range size {
		if s > capacity[c] {
			t.Errorf("span queue %s holds %v spans, over its capacity %v", c, s, capacity[c])
		}
	}
	dropped := metricSum(mfs, "otel_sdk_processor_span_processed_total", map[string]string{"error_type": "queue_full"})
	t.Logf("Collector up: %v", healthy)
	t.Logf("Collector hanging: %v; p99 ratio %.2f", hanging, p99Ratio(healthy, hanging))
	t.Logf("Collector flapping: %v; p99 ratio %.2f", flapping, p99Ratio(healthy, flapping))
	t.Logf("span queues %v (capacity %v); %v spans dropped from full queues", size, capacity, dropped)
	// A hanging export drains at most one batch (512 spans) per time-out
	// (2s): past twice the queue's capacity in 3s, spans must have been
	// dropped, and counted.
	if maxCap := max(capacity["batching_span_processor/0"], capacity["batching_span_processor/1"]); float64(len(hanging.latencies)) > 2*maxCap && dropped == 0 {
		t.Errorf("%d spans were made while the Collector hung, over twice the queue capacity %v, but none was counted as dropped", len(hanging.latencies), maxCap)
	}
	for name, pr := range map[string]probe{"hanging": hanging, "flapping": flapping} {
		if r := p99Ratio(healthy, pr); r >= 5 {
			t.Errorf("with the Collector %s, p99 is %.1fx the healthy p99 (%v vs %v)", name, r, pr.p99(), healthy.p99())
		}
	}

	// Recovery: the Collector answers again, and gets new data.
	collector.set(modeUp)
	traces, metrics := collector.hitCount("/v1/traces"), collector.hitCount("/v1/metrics")
	closedLoop(t, client, 2, time.Second, itemURL(base))
	proctest.WaitFor(t, 30*time.Second, "spans and metrics at the Collector once it is back", func() bool {
		return collector.hitCount("/v1/traces") > traces && collector.hitCount("/v1/metrics") > metrics
	})
}

// An Alertmanager that hangs, is down or flaps slows neither requests nor
// evaluations, and does not hold the other alert sinks up: the alert file
// gets the page at once, failed deliveries are counted, and delivery
// resumes once Alertmanager answers again.
func TestAlertmanagerDownSlowOrFlappingDoesNotSlowRequestsOrEvaluations(t *testing.T) {
	dir := t.TempDir()
	specPath := writeSpec(t, dir)
	am := newFaultyEndpoint(t, modeBlackHole)
	p, base := proctest.Serve(t, dir, []string{"DASHBOARD_KEY=" + testKey},
		"--demo-faults", "--slo-file", specPath, "--sample-interval", "1s", "--eval-interval", "1s",
		"--alertmanager-url", am.URL())
	alertsPath := filepath.Join(dir, "logs", "production_alerts.ndjson")
	client := keepAliveClient(t, 8)
	alertMetric := func(name string) float64 {
		return metricSum(scrape(t, base), name, map[string]string{"sink": "alertmanager"})
	}

	// No alert yet: Alertmanager is not contacted, the healthy baseline.
	healthy := closedLoop(t, client, 8, 2*time.Second, itemURL(base))
	if !healthy.answeredAll(http.StatusOK) {
		t.Fatalf("before any alert: %v (first error %v)", healthy, healthy.firstErr)
	}
	// Errors until the page fires.
	ctx, stopErrors := context.WithCancel(proctest.Context(t))
	errorsDone := make(chan error, 1)
	go func() {
		_, err := loadgen.Run(ctx, loadgen.Config{Target: base, RPS: 80, Duration: time.Minute, ErrorRate: 0.5, Seed: 3})
		errorsDone <- err
	}()
	proctest.WaitFor(t, 45*time.Second, "the page in the alert file", func() bool {
		return hasAlert(readAlerts(t, alertsPath), "firing", "SLOErrorBudgetBurn", "page")
	})
	stopErrors()
	if err := <-errorsDone; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	proctest.WaitFor(t, 15*time.Second, "a delivery hanging in the black hole", func() bool { return am.heldCount() > 0 })

	hanging := closedLoop(t, client, 8, 2*time.Second, itemURL(base))
	if !hanging.answeredAll(http.StatusOK) {
		t.Fatalf("with Alertmanager hanging: %v (first error %v)", hanging, hanging.firstErr)
	}
	before := report(t, base).TS
	proctest.WaitFor(t, 10*time.Second, "evaluations to go on while a delivery hangs", func() bool {
		return report(t, base).TS.After(before.Add(time.Second))
	})
	proctest.WaitFor(t, 30*time.Second, "sloguard_alerts_failed_total{sink=\"alertmanager\"} to rise", func() bool {
		return alertMetric("sloguard_alerts_failed_total") > 0
	})

	var flapping probe
	withFlapping(am, func() { flapping = closedLoop(t, client, 8, 2*time.Second, itemURL(base)) })
	if !flapping.answeredAll(http.StatusOK) {
		t.Fatalf("with Alertmanager flapping: %v (first error %v)", flapping, flapping.firstErr)
	}
	t.Logf("no alert to deliver: %v", healthy)
	t.Logf("Alertmanager hanging: %v; p99 ratio %.2f", hanging, p99Ratio(healthy, hanging))
	t.Logf("Alertmanager flapping: %v; p99 ratio %.2f", flapping, p99Ratio(healthy, flapping))
	for name, pr := range map[string]probe{"hanging": hanging, "flapping": flapping} {
		if r := p99Ratio(healthy, pr); r >= 5 {
			t.Errorf("with Alertmanager %s, p99 is %.1fx the healthy p99 (%v vs %v)", name, r, pr.p99(), healthy.p99())
		}
	}

	// Recovery: Alertmanager answers again and receives the firing alert.
	am.set(modeUp)
	proctest.WaitFor(t, 45*time.Second, "a delivery once Alertmanager is back", func() bool {
		return am.hitCount("/api/v2/alerts") > 0 && alertMetric("sloguard_alerts_sent_total") > 0
	})
	t.Logf("alerts sent %v, failed %v, dropped %v", alertMetric("sloguard_alerts_sent_total"),
		alertMetric("sloguard_alerts_failed_total"), alertMetric("sloguard_alerts_dropped_total"))
	if strings.Contains(p.Output(), "panic") {
		t.Errorf("serve panicked:\n%s", p.Output())
	}
}

// A Prometheus that hangs or is down, with --source prometheus: the report
// says UNKNOWN with the reason, the API keeps answering, and requests are
// not slowed down.
func TestPrometheusDownOrSlowGivesUnknownAndDoesNotSlowRequests(t *testing.T) {
	dir := t.TempDir()
	prom := newFaultyEndpoint(t, modeReset)
	_, base := proctest.Serve(t, dir, []string{"DASHBOARD_KEY=" + testKey},
		"--source", "prometheus", "--prometheus-url", prom.URL(), "--eval-interval", "1s")
	client := keepAliveClient(t, 8)
	unknown := func() bool {
		r := report(t, base)
		if r.Error == "" || len(r.SLOs) == 0 {
			return false
		}
		for _, s := range r.SLOs {
			if s.Status != slo.StatusUnknown {
				return false
			}
		}
		return true
	}
	proctest.WaitFor(t, 20*time.Second, "an UNKNOWN report with Prometheus down", unknown)
	down := closedLoop(t, client, 8, 2*time.Second, itemURL(base))
	if !down.answeredAll(http.StatusOK) {
		t.Fatalf("with Prometheus down: %v (first error %v)", down, down.firstErr)
	}

	prom.set(modeBlackHole)
	proctest.WaitFor(t, 15*time.Second, "a query hanging in the black hole", func() bool { return prom.heldCount() > 0 })
	hanging := closedLoop(t, client, 8, 2*time.Second, itemURL(base))
	if !hanging.answeredAll(http.StatusOK) {
		t.Fatalf("with Prometheus hanging: %v (first error %v)", hanging, hanging.firstErr)
	}
	// The API answers from the last report while an evaluation hangs.
	c := &http.Client{Timeout: 2 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/observability/slo", nil)
	req.Header.Set("X-Dash-Key", testKey)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("the report while a query hangs: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the report while a query hangs: %s", resp.Status)
	}
	t.Logf("Prometheus down: %v", down)
	t.Logf("Prometheus hanging: %v; p99 ratio %.2f", hanging, p99Ratio(down, hanging))
	if r := p99Ratio(down, hanging); r >= 5 {
		t.Errorf("with Prometheus hanging, p99 is %.1fx the p99 with it down (%v vs %v)", r, hanging.p99(), down.p99())
	}
	proctest.WaitFor(t, 45*time.Second, "the report to stay UNKNOWN with the reason", unknown)
}
