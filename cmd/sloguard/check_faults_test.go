package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// storeSamples writes samples of SLO "api" (checkSpec) to dir/data.
func storeSamples(t *testing.T, dir string, samples ...slo.Sample) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(dir, "data", storeFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, s := range samples {
		if err := st.Append(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

// runCheckOn runs check over dir's store with checkSpec and extra flags,
// and returns its exit status and report.
func runCheckOn(t *testing.T, dir string, extra ...string) (int, slo.Report, string) {
	t.Helper()
	spec := filepath.Join(dir, "slo.yaml")
	if err := os.WriteFile(spec, []byte(checkSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := append([]string{"check", "--data-dir", filepath.Join(dir, "data"), "--slo-file", spec}, extra...)
	err := Run(context.Background(), args, &stdout, &stderr)
	code := exitCode(err, &stderr)
	var rep slo.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not a report (exit %d, %s): %v\n%s", code, stderr.String(), err, stdout.String())
	}
	return code, rep, stderr.String()
}

func TestCheckOnFewerEventsThanMinEventsIsLowTrafficAndExits0(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	// two failed requests out of three; checkSpec's min_events is 10.
	storeSamples(t, dir, slo.Sample{Start: now.Add(-2 * time.Minute), End: now.Add(-time.Minute),
		Counts: map[string]slo.Counts{"api": {Good: 1, Total: 3}}})
	code, rep, stderr := runCheckOn(t, dir)
	if code != 0 {
		t.Errorf("exit status %d, want 0: three requests cannot page (%s)", code, stderr)
	}
	api := rep.SLOs["api"]
	if rep.OverallStatus != slo.StatusLowTraffic || api.Status != slo.StatusLowTraffic || !api.LowTraffic {
		t.Errorf("overall %s, api %s low_traffic %v; want LOW_TRAFFIC, LOW_TRAFFIC, true", rep.OverallStatus, api.Status, api.LowTraffic)
	}
	if api.Total != 3 || api.Bad != 2 {
		t.Errorf("api counts %v bad of %v, want 2 of 3: the figures are still reported", api.Bad, api.Total)
	}
}

func TestCheckOnDataOlderThanTwoEvaluationIntervalsExits4(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		age      time.Duration
		flags    []string
		wantCode int
	}{
		{"data a minute old is fresh", time.Minute, nil, 0},
		{"data an hour old is stale at the default 15m interval", time.Hour, nil, 4},
		{"data an hour old is fresh at a 45m interval", time.Hour, []string{"--eval-interval", "45m"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			last := now.Add(-tt.age)
			storeSamples(t, dir, slo.Sample{Start: last.Add(-time.Minute), End: last,
				Counts: map[string]slo.Counts{"api": {Good: 1000, Total: 1000}}})
			code, rep, stderr := runCheckOn(t, dir, tt.flags...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d (%s)", code, tt.wantCode, stderr)
			}
			if rep.OverallStatus != slo.StatusOK {
				t.Errorf("overall status %s, want OK: staleness is said by the exit status, the report keeps its figures", rep.OverallStatus)
			}
			if rep.LastSampleTS == nil || !rep.LastSampleTS.Equal(last.Truncate(time.Millisecond)) {
				t.Errorf("last_sample_ts %v, want %v", rep.LastSampleTS, last.Truncate(time.Millisecond))
			}
			if rep.DataAgeSeconds == nil || *rep.DataAgeSeconds < tt.age.Seconds() {
				t.Errorf("data_age_seconds %v, want at least %v", rep.DataAgeSeconds, tt.age.Seconds())
			}
			if tt.wantCode == 4 && !strings.Contains(stderr, "stale") {
				t.Errorf("stderr %q does not say the data is stale", stderr)
			}
		})
	}
}

func TestCheckComparesTheSpecWithTheSLOsOfTheStore(t *testing.T) {
	now := time.Now()
	recent := func(counts map[string]slo.Counts) slo.Sample {
		return slo.Sample{Start: now.Add(-time.Hour), End: now.Add(-time.Minute), Counts: counts}
	}
	tests := []struct {
		name         string
		sample       slo.Sample
		wantCode     int
		wantStatus   slo.Status
		wantWarnings []string
	}{
		{"an SLO with history in both is OK and exits 0",
			recent(map[string]slo.Counts{"api": {Good: 1000, Total: 1000}}), 0, slo.StatusOK, nil},
		{"an SLO of the spec never measured is NO_DATA and exits 5",
			recent(map[string]slo.Counts{"api": {Good: 0, Total: 0}}), 5, slo.StatusNoData,
			[]string{"SLO api has no history in the store"}},
		{"history of an SLO the spec lacks is a warning, not a failure",
			recent(map[string]slo.Counts{"api": {Good: 1000, Total: 1000}, "checkout": {Good: 5, Total: 5}}), 0, slo.StatusOK,
			[]string{"holds history of SLO checkout, which the spec does not have"}},
		{"both differences are told, one line each",
			recent(map[string]slo.Counts{"checkout": {Good: 5, Total: 5}, "search": {Good: 5, Total: 5}}), 5, slo.StatusNoData,
			[]string{"SLO api has no history", "SLO checkout, which the spec", "SLO search, which the spec"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			storeSamples(t, dir, tt.sample)
			code, rep, stderr := runCheckOn(t, dir)
			if code != tt.wantCode || rep.OverallStatus != tt.wantStatus {
				t.Fatalf("exit %d, status %s; want %d, %s (%s)", code, rep.OverallStatus, tt.wantCode, tt.wantStatus, stderr)
			}
			warnings := strings.Count(stderr, "check: warning:")
			if warnings != len(tt.wantWarnings) {
				t.Errorf("%d warnings, want %d:\n%s", warnings, len(tt.wantWarnings), stderr)
			}
			for _, w := range tt.wantWarnings {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
		})
	}
}
