package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
)

const checkSpec = `version: sloguard/v1
service: check-test
slos:
  - name: api
    objective: 99
    window: 7d
    min_events: 10
    sli:
      availability: {}
`

// writeHistory stores two samples for SLO "api": quiet good traffic three
// days ago, and the last hour's traffic with bad events.
func writeHistory(t *testing.T, dir string, recentBad float64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(dir, "data", storeFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	for _, s := range []slo.Sample{
		{Start: now.Add(-72*time.Hour - time.Minute), End: now.Add(-72 * time.Hour), Counts: map[string]slo.Counts{"api": {Good: 9000, Total: 9000}}},
		{Start: now.Add(-time.Hour), End: now.Add(-time.Minute), Counts: map[string]slo.Counts{"api": {Good: 1000 - recentBad, Total: 1000}}},
	} {
		if err := st.Append(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCheckExitStatusFollowsTheOverallStatus(t *testing.T) {
	// Objective 99% over 7 days: the last day's 1,000 events with b bad burn
	// at b/1000/0.01; the status compares that pace, over a 30-day window,
	// with the Flask app's 2% and 5% a day: burn 0.6 and 1.5.
	tests := []struct {
		name       string
		recentBad  float64
		wantStatus slo.Status
		wantCode   int
	}{
		{"no bad event is OK", 0, slo.StatusOK, 0},
		{"burn 1 over the last day is WARNING", 10, slo.StatusWarning, 1},
		{"burn 3 over the last day is CRITICAL", 30, slo.StatusCritical, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := filepath.Join(dir, "slo.yaml")
			os.WriteFile(spec, []byte(checkSpec), 0o644)
			writeHistory(t, dir, tt.recentBad)
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), []string{"check", "--data-dir", filepath.Join(dir, "data"), "--slo-file", spec}, &stdout, &stderr)
			if code := exitCode(err, &bytes.Buffer{}); code != tt.wantCode {
				t.Fatalf("exit status %d, want %d (%v, %s)", code, tt.wantCode, err, stderr.String())
			}
			var rep slo.Report
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("stdout is not a report: %v\n%s", err, stdout.String())
			}
			if rep.OverallStatus != tt.wantStatus || rep.SLOs["api"].Total != 10000 || rep.SLOs["api"].Bad != tt.recentBad {
				t.Errorf("report: status %s, total %v, bad %v; want %s, 10000, %v",
					rep.OverallStatus, rep.SLOs["api"].Total, rep.SLOs["api"].Bad, tt.wantStatus, tt.recentBad)
			}
		})
	}
}

func TestCheckWithoutAStoreExits3(t *testing.T) {
	var stderr bytes.Buffer
	err := Run(context.Background(), []string{"check", "--data-dir", filepath.Join(t.TempDir(), "none")}, &bytes.Buffer{}, &stderr)
	if code := exitCode(err, &stderr); code != 3 {
		t.Fatalf("exit status %d, want 3", code)
	}
	if !bytes.Contains(stderr.Bytes(), []byte("no SLO store")) {
		t.Errorf("error %q does not say the store is missing", stderr.String())
	}
}

func TestCheckReadsAStoreFileOfAnyNameWithoutLockingIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "elsewhere", "backup-2026.db")
	os.MkdirAll(filepath.Dir(path), 0o755)
	// a writer holds the store (and its directory lock) while check reads.
	w, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	now := time.Now()
	if err := w.Append(context.Background(), slo.Sample{Start: now.Add(-time.Hour), End: now.Add(-time.Minute),
		Counts: map[string]slo.Counts{"api": {Good: 970, Total: 1000}}}); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "slo.yaml")
	os.WriteFile(spec, []byte(checkSpec), 0o644)
	var stdout, stderr bytes.Buffer
	err = Run(context.Background(), []string{"check", "--store", path, "--slo-file", spec}, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 2 {
		t.Fatalf("exit status %d, want 2 (CRITICAL from the file's 3%% errors): %s", code, stderr.String())
	}
	var rep slo.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.SLOs["api"].Total != 1000 {
		t.Fatalf("report not from %s: %v\n%s", path, err, stdout.String())
	}
	// the writer can still append: check took no lock from it.
	if err := w.Append(context.Background(), slo.Sample{Start: now.Add(-time.Minute), End: now,
		Counts: map[string]slo.Counts{"api": {Good: 1, Total: 1}}}); err != nil {
		t.Errorf("the writer cannot append after check read its store: %v", err)
	}
}

func TestCheckOnAMissingStoreFileNamesIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nothing-here.db")
	var stderr bytes.Buffer
	err := Run(context.Background(), []string{"check", "--store", path}, &bytes.Buffer{}, &stderr)
	if code := exitCode(err, &stderr); code != 3 {
		t.Fatalf("exit status %d, want 3", code)
	}
	if !bytes.Contains(stderr.Bytes(), []byte("--store "+path)) {
		t.Errorf("error %q does not name --store and the file", stderr.String())
	}
}
