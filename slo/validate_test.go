package slo

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidateChecksSpecsBuiltInCode(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Spec)
		want   []problem // line is always 0: no file
	}{
		{
			name:   "the default spec is valid",
			change: func(*Spec) {},
		},
		{
			name:   "an empty version is taken as the current one",
			change: func(s *Spec) { s.Version = "" },
		},
		{
			name:   "another version is refused",
			change: func(s *Spec) { s.Version = "sloguard/v0" },
			want:   []problem{{0, "version", `unsupported version "sloguard/v0"`}},
		},
		{
			name:   "a spec needs a service and SLOs",
			change: func(s *Spec) { s.Service = " "; s.SLOs = nil },
			want:   []problem{{0, "service", "missing"}, {0, "slos", "empty"}},
		},
		{
			name:   "objectives are fractions strictly between 0 and 1",
			change: func(s *Spec) { s.SLOs[0].Objective = 1; s.SLOs[2].Objective = math.NaN() },
			want: []problem{
				{0, "slos[0].objective", "100% is not a percent between 0 and 100"},
				{0, "slos[2].objective", "NaN% is not a percent between 0 and 100"},
			},
		},
		{
			name:   "a zero window is not defaulted but reported",
			change: func(s *Spec) { s.SLOs[1].Window = 0 },
			want:   []problem{{0, "slos[1].window", "0s is shorter than the shortest window, 1m"}},
		},
		{
			name:   "a window over a year is refused",
			change: func(s *Spec) { s.SLOs[1].Window = 366 * Day },
			want:   []problem{{0, "slos[1].window", "366d is longer than the longest window, 365d"}},
		},
		{
			name:   "min events cannot be negative or NaN",
			change: func(s *Spec) { s.SLOs[0].MinEvents = -1; s.SLOs[1].MinEvents = math.NaN() },
			want: []problem{
				{0, "slos[0].min_events", "0 or more, got -1"},
				{0, "slos[1].min_events", "0 or more, got NaN"},
			},
		},
		{
			name:   "duplicate names are reported on the second",
			change: func(s *Spec) { s.SLOs[2].Name = "availability" },
			want:   []problem{{0, "slos[2].name", `"availability" is already the name of slos[0]`}},
		},
		{
			name:   "an SLI needs a known kind",
			change: func(s *Spec) { s.SLOs[0].SLI.Kind = ""; s.SLOs[1].SLI = SLI{Kind: "throughput"} },
			want: []problem{
				{0, "slos[0].sli", "names no SLI kind"},
				{0, "slos[1].sli", `unknown SLI kind "throughput"`},
			},
		},
		{
			name: "fields of one SLI kind are refused on another",
			change: func(s *Spec) {
				s.SLOs[0].SLI.Threshold = time.Second
				s.SLOs[0].SLI.Metric = "x"
				s.SLOs[2].SLI.Routes = []string{"/a"}
			},
			want: []problem{
				{0, "slos[0].sli.availability.threshold", "only latency SLIs have a threshold"},
				{0, "slos[0].sli.availability", "metric, good, bad and total belong to events SLIs"},
				{0, "slos[2].sli.events", "routes, methods and threshold belong to availability and latency SLIs"},
			},
		},
		{
			name:   "a latency threshold must be positive",
			change: func(s *Spec) { s.SLOs[1].SLI.Threshold = -time.Second },
			want:   []problem{{0, "slos[1].sli.latency.threshold", "must be a positive duration like 400ms, got -1s"}},
		},
		{
			name:   "a latency threshold must be a bucket boundary",
			change: func(s *Spec) { s.SLOs[1].SLI.Threshold = 450 * time.Millisecond },
			want:   []problem{{0, "slos[1].sli.latency.threshold", "450ms is not a bucket boundary"}},
		},
		{
			name:   "an events matcher needs values",
			change: func(s *Spec) { s.SLOs[2].SLI.Total = Matcher{"region": nil} },
			want:   []problem{{0, "slos[2].sli.events.total.region", "lists no values"}},
		},
		{
			name:   "PromQL needs exactly one of good and bad",
			change: func(s *Spec) { s.SLOs[0].SLI.PromQL = &PromQL{Total: "sum(increase(x[{{.window}}]))"} },
			want:   []problem{{0, "slos[0].sli.promql", "gives neither good nor bad"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := Default()
			tt.change(&spec)
			err := spec.Validate(nil)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate returned %v (%T), want a *ValidationError", err, err)
			}
			checkProblems(t, verr.Problems, tt.want, "")
		})
	}
}

func TestValidateUsesTheBoundariesItIsGiven(t *testing.T) {
	spec := Default()
	spec.SLOs[1].SLI.Threshold = 450 * time.Millisecond
	if err := spec.Validate([]float64{0.45}); err != nil {
		t.Errorf("Validate with 0.45 among the boundaries: %v", err)
	}
	spec.SLOs[1].SLI.Threshold = 400 * time.Millisecond
	err := spec.Validate([]float64{0.45})
	if err == nil || !strings.Contains(err.Error(), "boundaries: 450ms") {
		t.Errorf("Validate(400ms, boundaries 0.45) = %v, want the threshold refused", err)
	}
}

func TestValidationErrorPrintsOneProblemPerLine(t *testing.T) {
	spec := Default()
	spec.SLOs[0].Objective = 2
	spec.SLOs[1].Window = time.Second
	err := spec.Validate(nil)
	if err == nil {
		t.Fatal("Validate accepted an objective of 200% and a 1s window")
	}
	want := "slos[0].objective: 200% is not a percent between 0 and 100 (both excluded)\n" +
		"slos[1].window: 1s is shorter than the shortest window, 1m"
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err.Error(), want)
	}
}
