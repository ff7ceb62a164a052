package slo

import (
	"errors"
	"math"
	"slices"
	"strings"
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

func TestFloorAlertWindowsLengthensShortWindowsAndKeepsTheSpeed(t *testing.T) {
	type tier struct {
		severity    string
		long, short time.Duration
		factor      float64
		share       float64
	}
	tests := []struct {
		name   string
		window time.Duration
		floor  time.Duration
		want   []tier
	}{
		{
			name: "a 30-day window is above any floor of a minute", window: 30 * Day, floor: time.Minute,
			want: []tier{
				{"page", time.Hour, 5 * time.Minute, 14.4, 0.02},
				{"page", 6 * time.Hour, 30 * time.Minute, 6, 0.05},
				{"ticket", Day, 2 * time.Hour, 3, 0.10},
				{"ticket", 3 * Day, 6 * time.Hour, 1, 0.10},
			},
		},
		{
			// 1h scales to 5s/417ms, 30s/2.5s, 2m/10s, 6m/30s. Both pages
			// become 1m/1m: the one at 6× (fires whenever 14.4× does) stays.
			// 6× over 1m of a 1h window spends 6 × 1/60 = 10% of the budget.
			name: "a 1-hour window floors at a minute and keeps one page", window: time.Hour, floor: time.Minute,
			want: []tier{
				{"page", time.Minute, time.Minute, 6, 0.1},
				{"ticket", 2 * time.Minute, time.Minute, 3, 0.1},
				{"ticket", 6 * time.Minute, time.Minute, 1, 0.1},
			},
		},
		{
			// 6h scales to 30s/2.5s, 3m/15s, 12m/1m, 36m/3m; floor 4m.
			name: "a 6-hour window at a 4-minute floor", window: 6 * time.Hour, floor: 4 * time.Minute,
			want: []tier{
				{"page", 4 * time.Minute, 4 * time.Minute, 6, 6 * 4.0 / 360},
				{"ticket", 12 * time.Minute, 4 * time.Minute, 3, 3 * 12.0 / 360},
				{"ticket", 36 * time.Minute, 4 * time.Minute, 1, 36.0 / 360},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := AlertWindows(tt.window)
			before := slices.Clone(in)
			got := FloorAlertWindows(in, tt.window, tt.floor)
			if !slices.Equal(in, before) {
				t.Error("FloorAlertWindows changed its argument")
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d tiers %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Severity != w.severity || g.Long != w.long || g.Short != w.short || math.Abs(g.Factor-w.factor) > 1e-9 || math.Abs(g.BudgetShare-w.share) > 1e-9 {
					t.Errorf("tier %d = %s %v/%v > %v (share %v), want %s %v/%v > %v (share %v)",
						i, g.Severity, g.Long, g.Short, g.Factor, g.BudgetShare, w.severity, w.long, w.short, w.factor, w.share)
				}
			}
		})
	}
}

const sloth30d = `apiVersion: sloth.slok.dev/v1
kind: AlertWindows
spec:
  sloPeriod: 30d
  page:
    quick: {errorBudgetPercent: 2, shortWindow: 5m, longWindow: 1h}
    slow: {errorBudgetPercent: 5, shortWindow: 30m, longWindow: 6h}
  ticket:
    quick: {errorBudgetPercent: 10, shortWindow: 2h, longWindow: 1d}
    slow: {errorBudgetPercent: 10, shortWindow: 6h, longWindow: 3d}
`

func TestParseAlertWindowsReadsSlothsFormat(t *testing.T) {
	weekly := strings.NewReplacer("sloPeriod: 30d", "sloPeriod: 1w", "longWindow: 3d", "longWindow: 2d").Replace(sloth30d)
	a, err := ParseAlertWindows("windows.yaml", []byte(sloth30d+"---\n"+weekly))
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Periods(); !slices.Equal(got, []time.Duration{30 * Day, 7 * Day}) {
		t.Errorf("periods %v, want 30d and 7d", got)
	}
	// Sloth's 30-day file gives the workbook's windows and factors.
	ws, err := a.Windows(30 * Day)
	if err != nil {
		t.Fatal(err)
	}
	want := AlertWindows(30 * Day)
	if len(ws) != len(want) {
		t.Fatalf("%d windows, want %d", len(ws), len(want))
	}
	for i := range want {
		if ws[i].Severity != want[i].Severity || ws[i].Long != want[i].Long || ws[i].Short != want[i].Short ||
			math.Abs(ws[i].Factor-want[i].Factor) > 1e-9 || math.Abs(ws[i].BudgetShare-want[i].BudgetShare) > 1e-9 {
			t.Errorf("window %d = %+v, want %+v", i, ws[i], want[i])
		}
	}
	// 10% of a week's budget over 2d: 0.1 × 168 / 48 = 0.35.
	week, err := a.Windows(7 * Day)
	if err != nil {
		t.Fatal(err)
	}
	if w := week[3]; w.Long != 2*Day || math.Abs(w.Factor-0.35) > 1e-9 {
		t.Errorf("weekly ticket slow = %+v, want 2d at 0.35", w)
	}
	// A window no document is for is an error naming the file and periods.
	_, err = a.Windows(28 * Day)
	for _, s := range []string{"windows.yaml", "sloPeriod 28d", "30d, 7d"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("Windows(28d) = %v, want an error mentioning %q", err, s)
		}
	}
	spec := Spec{Service: "shop", SLOs: []SLO{{Name: "fast", Window: 7 * Day}, {Name: "monthly", Window: 28 * Day}}}
	err = a.Check(spec)
	for _, s := range []string{`slos[1].window`, `SLO "monthly"`, "28d"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("Check = %v, want an error mentioning %q", err, s)
		}
	}
	if err != nil && strings.Contains(err.Error(), `"fast"`) {
		t.Errorf("Check names the covered SLO too: %v", err)
	}
}

func TestParseAlertWindowsNamesEveryProblemWithItsLine(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		wants []string
	}{
		{"a bad duration", strings.Replace(sloth30d, "shortWindow: 5m", "shortWindow: 5 minutes", 1),
			[]string{"w.yaml:6: spec.page.quick.shortWindow", `"5 minutes" is not a duration`}},
		{"a window under a minute", strings.Replace(sloth30d, "shortWindow: 5m", "shortWindow: 30s", 1),
			[]string{"w.yaml:6: spec.page.quick.shortWindow", "30s is shorter than 1m"}},
		{"a long window past the SLO period", strings.Replace(sloth30d, "longWindow: 3d", "longWindow: 31d", 1),
			[]string{"w.yaml:10: spec.ticket.slow.longWindow", "31d is longer than the SLO period, 30d"}},
		{"a short window not shorter than the long one", strings.Replace(sloth30d, "shortWindow: 2h", "shortWindow: 1d", 1),
			[]string{"w.yaml:9: spec.ticket.quick.shortWindow", "not shorter than the long window, 1d"}},
		{"a budget percent out of range", strings.Replace(sloth30d, "errorBudgetPercent: 5", "errorBudgetPercent: 150", 1),
			[]string{"w.yaml:7: spec.page.slow.errorBudgetPercent", "150 is not a percent"}},
		{"a missing pair", strings.Replace(sloth30d, "    slow: {errorBudgetPercent: 5, shortWindow: 30m, longWindow: 6h}\n", "", 1),
			[]string{"w.yaml:6: spec.page.slow: missing"}},
		{"an unknown field", strings.Replace(sloth30d, "  page:", "  pages: {}\n  page:", 1),
			[]string{"w.yaml:5: spec.pages: unknown field", "sloPeriod, page, ticket"}},
		{"another kind", strings.Replace(sloth30d, "kind: AlertWindows", "kind: PrometheusServiceLevel", 1),
			[]string{"w.yaml:2: kind", `"PrometheusServiceLevel" is not AlertWindows`}},
		{"Sloth's older embedded form", "version: alertWindows/v1\nsloPeriod: 30d\n",
			[]string{"w.yaml:1: version: unknown field", "w.yaml:1: apiVersion: missing"}},
		{"an SLO period past a year", strings.Replace(sloth30d, "sloPeriod: 30d", "sloPeriod: 400d", 1),
			[]string{"w.yaml:4: spec.sloPeriod", "longer than the longest SLO window, 365d"}},
		{"two documents for one period", sloth30d + "---\n" + sloth30d,
			[]string{"w.yaml:15: spec.sloPeriod", "line 4 too"}},
		{"an empty file", "", []string{"w.yaml: empty"}},
		{"no YAML", "spec: [", []string{"w.yaml: not YAML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAlertWindows("w.yaml", []byte(tt.doc))
			if err == nil {
				t.Fatalf("no error; periods %v", a.Periods())
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("error %T, want a *ValidationError", err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not mention %q", err, w)
				}
			}
		})
	}
}

func TestReportWindowsForCustomWindowsListTheirWindows(t *testing.T) {
	a, err := ParseAlertWindows("w.yaml", []byte(strings.NewReplacer("longWindow: 3d", "longWindow: 4d", "shortWindow: 6h", "shortWindow: 8h").Replace(sloth30d)))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := a.Windows(30 * Day)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ReportWindowsFor(ws, 30*Day) {
		got = append(got, WindowName(w))
	}
	if want := []string{"5m", "30m", "1h", "2h", "6h", "8h", "1d", "4d", "30d"}; !slices.Equal(got, want) {
		t.Errorf("ReportWindowsFor = %v, want %v", got, want)
	}
}
