package slo

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultBucketBoundariesAreACopy(t *testing.T) {
	b := DefaultBucketBoundaries()
	b[0] = 42
	if DefaultBucketBoundaries()[0] != 0.005 {
		t.Error("changing the returned boundaries changed the defaults")
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "30d", want: 30 * 24 * time.Hour},
		{in: "4w", want: 28 * 24 * time.Hour},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "400ms", want: 400 * time.Millisecond},
		{in: "1.5s", want: 1500 * time.Millisecond},
		{in: "2.5d", want: 60 * time.Hour},
		{in: " 5m ", want: 5 * time.Minute},
		{in: "", wantErr: "empty duration"},
		{in: "30", wantErr: "missing unit"},
		{in: "1M", wantErr: `calendar unit "M"`},
		{in: "1Y", wantErr: `calendar unit "Y"`},
		{in: "3x", wantErr: `unknown unit "x"`},
		{in: "-1h", wantErr: "negative"},
		{in: "h", wantErr: "expected a number"},
		{in: "1..2s", wantErr: "is not a number"},
		{in: "100000000w", wantErr: "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseDuration(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestProblemStringLeavesOutWhatItDoesNotKnow(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "s.yaml", Line: 3, Field: "slos[0].objective", Msg: "bad"}, "s.yaml:3: slos[0].objective: bad"},
		{Problem{File: "s.yaml", Line: 3, Msg: "invalid YAML"}, "s.yaml:3: invalid YAML"},
		{Problem{File: "s.yaml", Msg: "empty"}, "s.yaml: empty"},
		{Problem{Field: "slos[1].window", Msg: "too short"}, "slos[1].window: too short"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// problem is what a test expects of one Problem: its line, field and a
// part of its message.
type problem struct {
	line  int
	field string
	msg   string
}

func checkProblems(t *testing.T, got []Problem, want []problem, file string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), (&ValidationError{Problems: got}).Error())
		return
	}
	for i, w := range want {
		g := got[i]
		if g.File != file || g.Line != w.line || g.Field != w.field || !strings.Contains(g.Msg, w.msg) {
			t.Errorf("problem %d = %q (line %d, field %q), want line %d, field %q, message containing %q", i, g.String(), g.Line, g.Field, w.line, w.field, w.msg)
		}
	}
}
