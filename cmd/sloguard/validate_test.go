package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidateReportsEveryProblemWithFileAndLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`version: sloguard/v1
service: shop
slos:
  - name: availability
    objective: 120
    sli: {availability: {}}
  - name: availability
    objective: 99
    window: 2x
    sli: {latency: {threshold: 333ms}}
`), 0o644)
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"validate", bad}, &stdout, &stderr)
	if code := exitCode(err, &bytes.Buffer{}); code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	for _, want := range []string{
		bad + ":5: slos[0].objective:",
		bad + ":7: slos[1].name:",
		bad + ":9: slos[1].window:",
		bad + ":10: slos[1].sli.latency.threshold:",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("problems %q lack %q", stderr.String(), want)
		}
	}
}

func TestValidateSummarisesAGoodFile(t *testing.T) {
	var stdout, stderr bytes.Buffer
	good := filepath.Join("..", "..", "slo", "spec", "sloguard", "testdata", "default.yaml")
	if err := Run(context.Background(), []string{"validate", good}, &stdout, &stderr); err != nil {
		t.Fatalf("validate %s: %v\n%s", good, err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"ok", "availability: 99.9% over 30d", "latency_p95: 95% over 30d, latency <= 400ms", "webhook_success: 99% over 30d, events of webhook.deliveries"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary %q lacks %q", out, want)
		}
	}
}

func TestValidateNeedsAFile(t *testing.T) {
	err := Run(context.Background(), []string{"validate"}, &bytes.Buffer{}, &bytes.Buffer{})
	if code := exitCode(err, &bytes.Buffer{}); code != 2 {
		t.Fatalf("exit status %d, want 2", code)
	}
}

// The files the README and RUNBOOK point users at must stay valid.
func TestShippedExampleSpecsValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no example specs found")
	}
	for _, f := range files {
		var stdout, stderr bytes.Buffer
		if err := Run(context.Background(), []string{"validate", f}, &stdout, &stderr); err != nil {
			t.Errorf("validate %s: %v\n%s", f, err, stderr.String())
		}
	}
}

const queryOnlySpec = `version: sloguard/v1
service: shop
slos:
  - name: checkout_success
    objective: 99.5
    sli:
      promql:
        bad: 'sum(rate(checkout_total{outcome="failure"}[{{.window}}]))'
        total: 'sum(rate(checkout_total[{{.window}}]))'
  - name: availability
    objective: 99.9
    sli: {availability: {}}
`

func TestValidateSaysWhichEnginesRunEachSLO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.yaml")
	if err := os.WriteFile(path, []byte(queryOnlySpec), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := Run(context.Background(), []string{"validate", path}, &stdout, &stderr); err != nil {
		t.Fatalf("validate: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{
		"checkout_success: 99.5% over 30d, Prometheus queries only; engines: rules, prometheus",
		"availability: 99.9% over 30d, availability (bad = 5xx); engines: embedded, rules, prometheus",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("validate printed %q, lacking %q", stdout.String(), want)
		}
	}
}

func TestServeRefusesSLOsTheEmbeddedEngineCannotRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "q.yaml")
	if err := os.WriteFile(path, []byte(queryOnlySpec), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	err := Run(ctx, []string{"serve", "--slo-file", path, "--data-dir", dir, "--addr", "127.0.0.1:0"}, &bytes.Buffer{}, &stderr)
	if code := exitCode(err, &bytes.Buffer{}); code != 2 {
		t.Fatalf("serve exit status %d (%v), want 2", code, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "cannot evaluate SLO checkout_success") || !strings.Contains(msg, "--source prometheus") || strings.Contains(msg, "availability") {
		t.Errorf("serve refused with %q, want checkout_success named alone with the flag that runs it", msg)
	}
}
