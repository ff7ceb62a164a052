package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rules names every SLO it cannot turn into rules in one run, as validate
// names every problem.
func TestRulesReportsEverySLOItCannotTurnIntoRules(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "short.yaml")
	if err := os.WriteFile(spec, []byte(`version: sloguard/v1
service: s
slos:
  - name: first
    objective: 99
    window: 1h
    sli: {availability: {}}
  - name: fine
    objective: 99
    window: 30d
    sli: {availability: {}}
  - name: second
    objective: 99
    window: 2h
    sli: {availability: {}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"rules", "--slo-file", spec}, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{`slo "first": window 1h`, `slo "second": window 2h`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), `"fine"`) || stdout.Len() != 0 {
		t.Errorf("the SLO that can become rules is named, or rules were written:\nstderr %s\nstdout %s", stderr.String(), stdout.String())
	}
}

func TestRulesOutToADirectorySaysItWantsAFile(t *testing.T) {
	dir := t.TempDir()
	for _, out := range []string{dir, dir + "/", filepath.Join(dir, "not-yet") + "/"} {
		var stdout, stderr bytes.Buffer
		err := Run(context.Background(), []string{"rules", "--out", out}, &stdout, &stderr)
		if code := exitCode(err, &stderr); code != 2 {
			t.Errorf("--out %s: exit %d, want 2", out, code)
		}
		if !strings.Contains(stderr.String(), "sloguard: rules: --out "+out+": a directory; want a file") {
			t.Errorf("--out %s: stderr %q", out, stderr.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left in the directory: %v", entries)
	}
}
