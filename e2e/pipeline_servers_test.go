package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/internal/testbin"
)

// The servers of the docker-compose topology, run from the pinned binaries
// on loopback ports, with the configs of otel-config/ where the topology has
// one.

// plStartTimeout bounds each server's start; the machine running the tests
// may be loaded.
const plStartTimeout = 90 * time.Second

// plConfigFile is the path of a file of otel-config/.
func plConfigFile(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "otel-config", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("otel-config/%s: %v", name, err)
	}
	return p
}

func plAddr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// plJaeger is Jaeger v2 with memory storage (otel-config/jaeger-e2e.yaml).
type plJaeger struct {
	OTLPGRPC string // host:port of its OTLP/gRPC receiver
	QueryURL string // base URL of the query API
}

// startPlJaeger starts Jaeger without waiting for it: see ready.
func startPlJaeger(t *testing.T) plJaeger {
	t.Helper()
	bin := testbin.Path(t, "jaeger")
	j := plJaeger{OTLPGRPC: plAddr(proctest.FreePort(t))}
	query := plAddr(proctest.FreePort(t))
	j.QueryURL = "http://" + query
	env := []string{
		"JAEGER_OTLP_GRPC_ENDPOINT=" + j.OTLPGRPC,
		"JAEGER_OTLP_HTTP_ENDPOINT=" + plAddr(proctest.FreePort(t)),
		"JAEGER_QUERY_HTTP_ENDPOINT=" + query,
		"JAEGER_QUERY_GRPC_ENDPOINT=" + plAddr(proctest.FreePort(t)),
		"JAEGER_HEALTH_ENDPOINT=" + plAddr(proctest.FreePort(t)),
	}
	proctest.Start(t, "jaeger", t.TempDir(), env, bin, "--config", plConfigFile(t, "jaeger-e2e.yaml"))
	return j
}

// ready waits until the query API answers.
func (j plJaeger) ready(t *testing.T) {
	t.Helper()
	proctest.WaitHTTP(t, plStartTimeout, j.QueryURL+"/api/v3/services", http.StatusOK)
}

// plCollector is the Collector distribution with otel-config/collector.yaml.
type plCollector struct {
	OTLPGRPC   string // host:port of its OTLP/gRPC receiver
	Prometheus string // host:port of its prometheus exporter
	healthURL  string
}

// startPlCollector starts the Collector exporting traces to jaegerOTLP
// (host:port), every address set through the variables the config reads.
func startPlCollector(t *testing.T, jaegerOTLP string) plCollector {
	t.Helper()
	bin := testbin.Path(t, "otelcol-sloguard")
	c := plCollector{
		OTLPGRPC:   plAddr(proctest.FreePort(t)),
		Prometheus: plAddr(proctest.FreePort(t)),
	}
	health := plAddr(proctest.FreePort(t))
	c.healthURL = "http://" + health + "/"
	env := []string{
		"COLLECTOR_OTLP_GRPC_ENDPOINT=" + c.OTLPGRPC,
		"COLLECTOR_OTLP_HTTP_ENDPOINT=" + plAddr(proctest.FreePort(t)),
		"COLLECTOR_PROMETHEUS_ENDPOINT=" + c.Prometheus,
		"COLLECTOR_HEALTH_ENDPOINT=" + health,
		"COLLECTOR_TELEMETRY_HOST=127.0.0.1",
		"COLLECTOR_TELEMETRY_PORT=" + strconv.Itoa(proctest.FreePort(t)),
		"JAEGER_OTLP_ENDPOINT=" + jaegerOTLP,
	}
	proctest.Start(t, "otelcol-sloguard", t.TempDir(), env, bin, "--config", plConfigFile(t, "collector.yaml"))
	return c
}

// ready waits until the health check reports every pipeline running.
func (c plCollector) ready(t *testing.T) {
	t.Helper()
	proctest.WaitHTTP(t, plStartTimeout, c.healthURL, http.StatusOK)
}

// startPlAlertmanager starts Alertmanager with otel-config/alertmanager.yml,
// without clustering, and returns its base URL.
func startPlAlertmanager(t *testing.T) string {
	t.Helper()
	bin := testbin.Path(t, "alertmanager")
	dir := t.TempDir()
	addr := plAddr(proctest.FreePort(t))
	proctest.Start(t, "alertmanager", dir, nil, bin,
		"--config.file="+plConfigFile(t, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=",
	)
	return "http://" + addr
}

// plPrometheus is a Prometheus scraping the app and the Collector every
// second, evaluating a rule file every second and alerting to Alertmanager.
type plPrometheus struct {
	URL string
}

// startPlPrometheus writes the config and starts Prometheus. The job names
// are those of otel-config/prometheus.yml.
func startPlPrometheus(t *testing.T, app, collector, alertmanager, ruleFile string) plPrometheus {
	t.Helper()
	bin := testbin.Path(t, "prometheus")
	dir := t.TempDir()
	addr := plAddr(proctest.FreePort(t))
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q]
alerting:
  alertmanagers:
    - static_configs:
        - targets: [%q]
scrape_configs:
  - job_name: sloguard
    static_configs:
      - targets: [%q]
  - job_name: otel-collector
    static_configs:
      - targets: [%q]
`, ruleFile, alertmanager, app, collector)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := plPrometheus{URL: "http://" + addr}
	proctest.Start(t, "prometheus", dir, nil, bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		// Alerts name it as their source (generatorURL).
		"--web.external-url="+p.URL,
		"--log.level=warn",
	)
	return p
}

func (p plPrometheus) ready(t *testing.T) {
	t.Helper()
	proctest.WaitHTTP(t, plStartTimeout, p.URL+"/-/ready", http.StatusOK)
}

// plSeries is one series of an instant query's answer.
type plSeries = proctest.Series

// query runs an instant query now.
func (p plPrometheus) query(c *http.Client, q string) ([]plSeries, error) {
	return proctest.QueryPrometheus(c, p.URL, q)
}

// plGetJSON decodes the JSON answer of GET u into v; a status other than 200
// is an error that quotes the start of the body.
func plGetJSON(c *http.Client, u string, v any) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %.300s", u, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %v in %.300s", u, err, body)
	}
	return nil
}

// plAMAlert is an alert as Alertmanager's v2 API lists it.
type plAMAlert struct {
	Labels       map[string]string `json:"labels"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Status       struct {
		State string `json:"state"`
	} `json:"status"`
}

// plAMAlerts lists the alerts Alertmanager holds as not resolved (the v2
// API leaves out those whose endsAt has passed).
func plAMAlerts(c *http.Client, amURL string) ([]plAMAlert, error) {
	var out []plAMAlert
	err := plGetJSON(c, amURL+"/api/v2/alerts", &out)
	return out, err
}

// OTLP/JSON as Jaeger's api_v3 answers: only what the test reads.
type plKeyValue struct {
	Key   string `json:"key"`
	Value struct {
		StringValue string `json:"stringValue"`
	} `json:"value"`
}

type plSpan struct {
	TraceID    string       `json:"traceId"`
	Name       string       `json:"name"`
	Kind       int          `json:"kind"` // 2: server
	Attributes []plKeyValue `json:"attributes"`
}

type plResourceSpans struct {
	Resource struct {
		Attributes []plKeyValue `json:"attributes"`
	} `json:"resource"`
	ScopeSpans []struct {
		Spans []plSpan `json:"spans"`
	} `json:"scopeSpans"`
}

func plAttr(kvs []plKeyValue, key string) (string, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value.StringValue, true
		}
	}
	return "", false
}

// services lists the services Jaeger has spans of.
func (j plJaeger) services(c *http.Client) ([]string, error) {
	var r struct {
		Services []string `json:"services"`
	}
	err := plGetJSON(c, j.QueryURL+"/api/v3/services", &r)
	return r.Services, err
}

// traces finds up to 20 traces of service that started between from and to.
func (j plJaeger) traces(c *http.Client, service string, from, to time.Time) ([]plResourceSpans, error) {
	q := url.Values{}
	q.Set("query.service_name", service)
	q.Set("query.start_time_min", from.UTC().Format(time.RFC3339Nano))
	q.Set("query.start_time_max", to.UTC().Format(time.RFC3339Nano))
	q.Set("query.num_traces", "20")
	var r struct {
		Result struct {
			ResourceSpans []plResourceSpans `json:"resourceSpans"`
		} `json:"result"`
	}
	err := plGetJSON(c, j.QueryURL+"/api/v3/traces?"+q.Encode(), &r)
	return r.Result.ResourceSpans, err
}

// plWaitFor polls cond every 100ms until it holds, failing the test after
// timeout with what it waited for and what cond saw last.
func plWaitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; last seen: %s", timeout, what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// plLabelSets describes alerts for a failure message.
func plLabelSets(alerts []plAMAlert) string {
	out := make([]string, len(alerts))
	for i, a := range alerts {
		out[i] = fmt.Sprintf("%v (%s, from %q)", a.Labels, a.Status.State, a.GeneratorURL)
	}
	return fmt.Sprintf("%d alerts %v", len(alerts), out)
}
