package tools

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sloguard/sloguard/internal/testbin"
)

// run runs a server's own command-line check and returns its combined output
// and whether it exited 0.
func run(t *testing.T, env []string, name string, args ...string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not finish: %v\n%s", name, args, ctx.Err(), out)
	}
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out), err == nil
}

// cleanEnv is the test's environment without the variables the shipped
// configurations read, so the checks see their defaults.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "COLLECTOR_") || strings.HasPrefix(kv, "JAEGER_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func writeFile(t *testing.T, file, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replaceOnce edits a copy of a shipped configuration, failing if the text to
// replace is not there (the edit would then test nothing).
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("expected exactly one %q in the configuration", old)
	}
	return strings.Replace(s, old, new, 1)
}

// sloRules stands in for the file `sloguard rules` generates: the recording
// rules the dashboard and the alerts use, for one SLO.
const sloRules = `groups:
  - name: sloguard-availability
    rules:
      - record: slo:sli_error:ratio_rate5m
        expr: |
          sum(rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[5m]))
          / sum(rate(http_server_request_duration_seconds_count[5m]))
        labels: {service: sloguard, slo: availability}
      - record: slo:objective:ratio
        expr: vector(0.999)
        labels: {service: sloguard, slo: availability}
      - record: slo:error_budget:ratio
        expr: vector(1 - 0.999)
        labels: {service: sloguard, slo: availability}
      - alert: SLOErrorBudgetBurnFast
        expr: slo:sli_error:ratio_rate5m{slo="availability"} > (14.4 * 0.001)
        labels: {severity: page}
`

func TestPromtoolChecksPrometheusConfig(t *testing.T) {
	promtool := testbin.Path(t, "promtool")
	shipped := repoPath(t, "otel-config", "prometheus.yml")
	var prom promConfig
	readYAML(t, shipped, &prom)
	if len(prom.RuleFiles) == 0 {
		t.Fatal("prometheus.yml names no rule file")
	}
	tests := []struct {
		name   string
		config func(string) string
		rules  string
		wantOK bool
		want   string // in promtool's output
	}{
		{
			name:   "the shipped config with a generated rule file is valid",
			config: func(s string) string { return s },
			rules:  sloRules,
			wantOK: true,
			want:   fmt.Sprintf("SUCCESS: %d rule files found", len(prom.RuleFiles)),
		},
		{
			name:   "a rule file with broken PromQL is refused",
			config: func(s string) string { return s },
			rules:  strings.Replace(sloRules, "vector(0.999)", "vector(0.999", 1),
			wantOK: false,
			want:   "unclosed left parenthesis",
		},
		{
			name:   "a scrape interval that is no duration is refused",
			config: func(s string) string { return replaceOnce(t, s, "scrape_interval: 15s", "scrape_interval: soon") },
			rules:  sloRules,
			wantOK: false,
			want:   "soon",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "prometheus.yml")
			writeFile(t, cfg, tt.config(readFile(t, shipped)))
			for _, rf := range prom.RuleFiles {
				writeFile(t, filepath.Join(dir, rf), tt.rules)
			}
			out, ok := run(t, os.Environ(), promtool, "check", "config", cfg)
			if ok != tt.wantOK || !strings.Contains(out, tt.want) {
				t.Errorf("promtool check config: ok=%v, want %v and output containing %q:\n%s", ok, tt.wantOK, tt.want, out)
			}
		})
	}
}

// grafanaVariable matches the dashboard variables Grafana substitutes.
var grafanaVariable = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)

func TestPromtoolParsesEveryDashboardQuery(t *testing.T) {
	promtool := testbin.Path(t, "promtool")
	files, _ := filepath.Glob(repoPath(t, "otel-config", "grafana", "dashboards", "*.json"))
	if len(files) == 0 {
		t.Fatal("no dashboard in otel-config/grafana/dashboards")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			// Each query becomes a recording rule, so promtool parses it with
			// Prometheus' own PromQL parser.
			type rule struct {
				Record string `yaml:"record"`
				Expr   string `yaml:"expr"`
			}
			var rules []rule
			for i, q := range readDashboard(t, f).queries() {
				if q.expr == "" {
					t.Errorf("panel %q query %s has no expression", q.panel, q.ref)
					continue
				}
				expr := strings.ReplaceAll(q.expr, "$__rate_interval", "5m")
				expr = grafanaVariable.ReplaceAllString(expr, ".*")
				rules = append(rules, rule{fmt.Sprintf("dashboard:query_%d:check", i), expr})
			}
			doc := map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}}
			b, err := yaml.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "dashboard-rules.yml")
			writeFile(t, file, string(b))
			out, ok := run(t, os.Environ(), promtool, "check", "rules", file)
			if !ok || !strings.Contains(out, fmt.Sprintf("SUCCESS: %d rules found", len(rules))) {
				t.Errorf("promtool refuses the dashboard's queries:\n%s", out)
			}
		})
	}
}

func TestCollectorValidatesItsConfig(t *testing.T) {
	otelcol := testbin.Path(t, "otelcol-sloguard")
	shipped := readFile(t, repoPath(t, "otel-config", "collector.yaml"))
	tests := []struct {
		name   string
		config string
		env    []string
		wantOK bool
		want   string
	}{
		{name: "the shipped config with its defaults is valid", config: shipped, wantOK: true},
		{
			name:   "the shipped config with local endpoints from the environment is valid",
			config: shipped,
			env: []string{
				"JAEGER_OTLP_ENDPOINT=127.0.0.1:14317",
				"COLLECTOR_OTLP_GRPC_ENDPOINT=127.0.0.1:24317",
				"COLLECTOR_TELEMETRY_PORT=28888",
			},
			wantOK: true,
		},
		{
			name:   "a pipeline naming an exporter that is not configured is refused",
			config: replaceOnce(t, shipped, "exporters: [prometheus, debug]", "exporters: [prometheus, debug, otlp_http/missing]"),
			wantOK: false,
			want:   "otlp_http/missing",
		},
		{
			name:   "an unknown processor setting is refused",
			config: replaceOnce(t, shipped, "check_interval: 1s", "check_interval: 1s\n    check_intervall: 1s"),
			wantOK: false,
			want:   "check_intervall",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "collector.yaml")
			writeFile(t, cfg, tt.config)
			out, ok := run(t, append(cleanEnv(), tt.env...), otelcol, "validate", "--config="+cfg)
			if ok != tt.wantOK || !strings.Contains(out, tt.want) {
				t.Errorf("otelcol-sloguard validate: ok=%v, want %v and output containing %q:\n%s", ok, tt.wantOK, tt.want, out)
			}
		})
	}
}

func TestJaegerValidatesTheLocalConfig(t *testing.T) {
	jaeger := testbin.Path(t, "jaeger")
	shipped := readFile(t, repoPath(t, "otel-config", "jaeger-e2e.yaml"))
	tests := []struct {
		name   string
		config string
		wantOK bool
		want   string
	}{
		{name: "the shipped config is valid", config: shipped, wantOK: true},
		{
			name:   "a pipeline naming a receiver that is not configured is refused",
			config: replaceOnce(t, shipped, "receivers: [otlp]", "receivers: [otlp, zipkin/missing]"),
			wantOK: false,
			want:   "zipkin/missing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "jaeger.yaml")
			writeFile(t, cfg, tt.config)
			out, ok := run(t, cleanEnv(), jaeger, "validate", "--config="+cfg)
			if ok != tt.wantOK || !strings.Contains(out, tt.want) {
				t.Errorf("jaeger validate: ok=%v, want %v and output containing %q:\n%s", ok, tt.wantOK, tt.want, out)
			}
		})
	}
}

func TestAmtoolChecksAlertmanagerConfig(t *testing.T) {
	amtool := testbin.Path(t, "amtool")
	shipped := readFile(t, repoPath(t, "otel-config", "alertmanager.yml"))
	tests := []struct {
		name   string
		config string
		wantOK bool
		want   string
	}{
		{name: "the shipped config is valid", config: shipped, wantOK: true, want: "SUCCESS"},
		{
			name:   "a route to an undefined receiver is refused",
			config: replaceOnce(t, shipped, "  receiver: default\n  group_by", "  receiver: nobody\n  group_by"),
			wantOK: false,
			want:   "nobody",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "alertmanager.yml")
			writeFile(t, cfg, tt.config)
			out, ok := run(t, os.Environ(), amtool, "check-config", cfg)
			if ok != tt.wantOK || !strings.Contains(out, tt.want) {
				t.Errorf("amtool check-config: ok=%v, want %v and output containing %q:\n%s", ok, tt.wantOK, tt.want, out)
			}
		})
	}
}
