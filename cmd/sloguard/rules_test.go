package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func runRulesCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), append([]string{"rules"}, args...), &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRulesOfTheBuiltInSLOsAreTheGoldenFile(t *testing.T) {
	out, stderr, code := runRulesCmd(t)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "slo", "rules", "testdata", "default.rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Error("sloguard rules prints other rules than slo/rules/testdata/default.rules.yaml")
	}
}

func TestRulesWritesAPrometheusRule(t *testing.T) {
	out, stderr, code := runRulesCmd(t, "--format", "prometheusrule", "--name", "shop-slos", "--namespace", "monitoring",
		"--label", "release=kube-prometheus", "--label", "team=payments")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var pr struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name      string            `yaml:"name"`
			Namespace string            `yaml:"namespace"`
			Labels    map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec struct {
			Groups []struct {
				Name  string           `yaml:"name"`
				Rules []map[string]any `yaml:"rules"`
			} `yaml:"groups"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal([]byte(out), &pr); err != nil {
		t.Fatal(err)
	}
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" {
		t.Errorf("apiVersion %q, kind %q", pr.APIVersion, pr.Kind)
	}
	if pr.Metadata.Name != "shop-slos" || pr.Metadata.Namespace != "monitoring" ||
		pr.Metadata.Labels["release"] != "kube-prometheus" || pr.Metadata.Labels["team"] != "payments" {
		t.Errorf("metadata %+v", pr.Metadata)
	}
	plain, _, _ := runRulesCmd(t)
	var file struct {
		Groups []struct {
			Name string `yaml:"name"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal([]byte(plain), &file); err != nil {
		t.Fatal(err)
	}
	if len(pr.Spec.Groups) != len(file.Groups) || len(file.Groups) == 0 || pr.Spec.Groups[0].Name != file.Groups[0].Name {
		t.Errorf("spec has %d groups, the rule file %d", len(pr.Spec.Groups), len(file.Groups))
	}

	// Without --name it is named after the service.
	out, _, code = runRulesCmd(t, "--format", "prometheusrule")
	if code != 0 || !strings.Contains(out, "name: sloguard-sloguard-demo\n") {
		t.Errorf("exit %d; default name missing from\n%.300s", code, out)
	}
}

const weekSpec = `version: sloguard/v1
service: shop
slos:
  - name: checkout
    objective: 99
    window: 7d
    sli: {availability: {}}
`

func TestRulesTakesSlothAlertWindows(t *testing.T) {
	spec := writeTemp(t, "slos.yaml", weekSpec)
	windows := writeTemp(t, "windows.yaml", `apiVersion: sloth.slok.dev/v1
kind: AlertWindows
spec:
  sloPeriod: 7d
  page:
    quick: {errorBudgetPercent: 2, shortWindow: 2m, longWindow: 15m}
    slow: {errorBudgetPercent: 5, shortWindow: 10m, longWindow: 90m}
  ticket:
    quick: {errorBudgetPercent: 10, shortWindow: 30m, longWindow: 6h}
    slow: {errorBudgetPercent: 10, shortWindow: 90m, longWindow: 18h}
`)
	out, stderr, code := runRulesCmd(t, "--slo-file", spec, "--alert-windows", windows)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// 2% of a week's budget in 15m: 0.02 × 168h / 0.25h = 13.44.
	for _, want := range []string{"slo:sli_error:ratio_rate15m", "long_window: 15m", "short_window: 2m", "> 13.44\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("rules lack %q", want)
		}
	}
}

func TestRulesRefusesWhatItCannotAlertOn(t *testing.T) {
	dir := t.TempDir()
	week := filepath.Join(dir, "week.yaml")
	os.WriteFile(week, []byte(weekSpec), 0o644)
	short := filepath.Join(dir, "short.yaml")
	os.WriteFile(short, []byte(strings.Replace(weekSpec, "window: 7d", "window: 30m", 1)), 0o644)
	monthly := filepath.Join(dir, "monthly.yaml")
	os.WriteFile(monthly, []byte("apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec:\n  sloPeriod: 30d\n  page:\n    quick: {errorBudgetPercent: 2, shortWindow: 5m, longWindow: 1h}\n    slow: {errorBudgetPercent: 5, shortWindow: 30m, longWindow: 6h}\n  ticket:\n    quick: {errorBudgetPercent: 10, shortWindow: 2h, longWindow: 1d}\n    slow: {errorBudgetPercent: 10, shortWindow: 6h, longWindow: 3d}\n"), 0o644)
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec:\n  sloPeriod: 7d\n  page:\n    quick: {errorBudgetPercent: 2, shortWindow: 2 min, longWindow: 15m}\n"), 0o644)
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"a window under an hour", []string{"--slo-file", short}, 1, []string{`slo "checkout"`, "window: 30m", "1h"}},
		{"alert windows for another period", []string{"--slo-file", week, "--alert-windows", monthly}, 1,
			[]string{"slos[0].window", `SLO "checkout"`, monthly, "sloPeriod 7d", "30d"}},
		{"an alert-window file with a bad duration", []string{"--slo-file", week, "--alert-windows", broken}, 1,
			[]string{broken + ":6: spec.page.quick.shortWindow", `"2 min"`, broken + ":4: spec.ticket: missing"}},
		{"a PrometheusRule name Kubernetes refuses", []string{"--format", "prometheusrule", "--name", "My_SLOs"}, 1, []string{`name: "My_SLOs"`}},
		{"a label that is no key=value", []string{"--format", "prometheusrule", "--label", "release"}, 2, []string{`--label "release"`}},
		{"PrometheusRule flags without the format", []string{"--namespace", "monitoring"}, 2, []string{"--format prometheusrule"}},
		{"an unknown format", []string{"--format", "sloth"}, 2, []string{`--format "sloth"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runRulesCmd(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, stderr)
			}
			if out != "" {
				t.Errorf("printed rules despite the error:\n%.200s", out)
			}
			for _, w := range tt.wants {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}
