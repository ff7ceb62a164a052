package slo

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestAlertWindowsFollowTheWorkbook(t *testing.T) {
	type tier struct {
		severity    string
		long, short time.Duration
		factor      float64
	}
	tests := []struct {
		name   string
		window time.Duration
		want   []tier
	}{
		{
			// factor = budget share × window hours / long hours: 0.02 × 720 / 1 ...
			name: "a 30-day window has the workbook's 14.4, 6, 3 and 1", window: 30 * Day,
			want: []tier{
				{"page", time.Hour, 5 * time.Minute, 14.4},
				{"page", 6 * time.Hour, 30 * time.Minute, 6},
				{"ticket", Day, 2 * time.Hour, 3},
				{"ticket", 3 * Day, 6 * time.Hour, 1},
			},
		},
		{
			// 0.02 × 672 = 13.44, 0.05 × 672 / 6 = 5.6, 0.1 × 672 / 24 = 2.8, 0.1 × 672 / 72 = 0.9333.
			name: "a 28-day window has Sloth's 13.44, 5.6, 2.8 and 0.933", window: 28 * Day,
			want: []tier{
				{"page", time.Hour, 5 * time.Minute, 13.44},
				{"page", 6 * time.Hour, 30 * time.Minute, 5.6},
				{"ticket", Day, 2 * time.Hour, 2.8},
				{"ticket", 3 * Day, 6 * time.Hour, 67.2 / 72},
			},
		},
		{
			// 0.02 × 2160 = 43.2 ...
			name: "a 90-day window keeps the lengths and raises the factors", window: 90 * Day,
			want: []tier{
				{"page", time.Hour, 5 * time.Minute, 43.2},
				{"page", 6 * time.Hour, 30 * time.Minute, 18},
				{"ticket", Day, 2 * time.Hour, 9},
				{"ticket", 3 * Day, 6 * time.Hour, 3},
			},
		},
		{
			// scale 7/30: 1h -> 14m, 5m -> 70s, 6h -> 84m, 30m -> 7m, 1d -> 5.6h, 2h -> 28m, 3d -> 16.8h, 6h -> 84m.
			name: "a 7-day window scales the lengths and keeps the 30-day factors", window: 7 * Day,
			want: []tier{
				{"page", 14 * time.Minute, 70 * time.Second, 14.4},
				{"page", 84 * time.Minute, 7 * time.Minute, 6},
				{"ticket", 336 * time.Minute, 28 * time.Minute, 3},
				{"ticket", 1008 * time.Minute, 84 * time.Minute, 1},
			},
		},
		{
			// scale 1/720: 1h -> 5s, 5m -> 416.67ms -> 417ms, 6h -> 30s, 30m -> 2.5s, 1d -> 2m, 2h -> 10s, 3d -> 6m, 6h -> 30s.
			name: "a 1-hour window rounds its scaled lengths to the millisecond", window: time.Hour,
			want: []tier{
				{"page", 5 * time.Second, 417 * time.Millisecond, 14.4},
				{"page", 30 * time.Second, 2500 * time.Millisecond, 6},
				{"ticket", 2 * time.Minute, 10 * time.Second, 3},
				{"ticket", 6 * time.Minute, 30 * time.Second, 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AlertWindows(tt.window)
			if len(got) != len(tt.want) {
				t.Fatalf("%d tiers, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Severity != w.severity || g.Long != w.long || g.Short != w.short || math.Abs(g.Factor-w.factor) > 1e-9 {
					t.Errorf("tier %d = %s %v/%v > %v, want %s %v/%v > %v", i, g.Severity, g.Long, g.Short, g.Factor, w.severity, w.long, w.short, w.factor)
				}
			}
		})
	}
}

func TestAlertWindowsDoNotShareState(t *testing.T) {
	a := AlertWindows(30 * Day)
	a[0].Factor = 0
	if AlertWindows(30 * Day)[0].Factor != 14.4 {
		t.Error("changing a returned tier changed the next call's")
	}
}

func TestScaledAlertWindowsNeverFallBelowAMillisecond(t *testing.T) {
	for _, w := range AlertWindows(time.Second) {
		if w.Short < time.Millisecond || w.Long < time.Millisecond {
			t.Errorf("window of 1s gives %v/%v, want at least 1ms", w.Long, w.Short)
		}
	}
}

func TestReportWindowsAreTheAlertWindowsTheDayAndTheWindow(t *testing.T) {
	tests := []struct {
		window time.Duration
		want   []string
	}{
		{30 * Day, []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"}},
		// 24m is both the 2d window's scaled 6h and its scaled 6h short window: listed once.
		{2 * Day, []string{"20s", "2m", "4m", "8m", "24m", "96m", "288m", "1d", "2d"}},
		// Shorter than a day: the window is its own "day".
		{time.Hour, []string{"417ms", "2500ms", "5s", "10s", "30s", "2m", "6m", "1h"}},
	}
	for _, tt := range tests {
		t.Run(WindowName(tt.window), func(t *testing.T) {
			var got []string
			ws := ReportWindows(tt.window)
			for _, w := range ws {
				got = append(got, WindowName(w))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ReportWindows(%s) = %v, want %v", WindowName(tt.window), got, tt.want)
			}
			if !slices.IsSorted(ws) {
				t.Errorf("ReportWindows(%s) is not ascending: %v", WindowName(tt.window), ws)
			}
		})
	}
}

func TestWindowName(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * Day, "30d"},
		{7 * Day, "7d"},
		{36 * time.Hour, "36h"},
		{90 * time.Minute, "90m"},
		{70 * time.Second, "70s"},
		{1500 * time.Millisecond, "1500ms"},
		{0, "0s"},
		{-time.Hour, "0s"},
	}
	for _, tt := range tests {
		if got := WindowName(tt.d); got != tt.want {
			t.Errorf("WindowName(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestWindowNamesReadBackAsTheSameDuration(t *testing.T) {
	for _, window := range []time.Duration{30 * Day, 28 * Day, 7 * Day, 2 * Day, time.Hour, time.Minute} {
		for _, w := range ReportWindows(window) {
			back, err := ParseDuration(WindowName(w))
			if err != nil || back != w {
				t.Errorf("ParseDuration(WindowName(%v)) = %v, %v", w, back, err)
			}
		}
	}
}
