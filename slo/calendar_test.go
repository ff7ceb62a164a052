package slo

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

func TestCalendarPeriodAt(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	newYork := mustZone(t, "America/New_York")
	// every expected boundary is written as the RFC 3339 instant a calendar
	// on the wall of that zone shows, offset included.
	tests := []struct {
		name       string
		cal        Calendar
		now        string
		start, end string
		days       int
	}{
		{"a month in UTC runs from the 1st to the 1st", Calendar{Unit: CalendarMonth},
			"2026-04-17T12:00:00Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", 30},
		{"the first instant of a month is in that month", Calendar{Unit: CalendarMonth},
			"2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z", 31},
		{"the last instant before the 1st is in the month before", Calendar{Unit: CalendarMonth},
			"2026-04-30T23:59:59.999999999Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", 30},
		{"February of a leap year has 29 days", Calendar{Unit: CalendarMonth},
			"2028-02-29T10:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z", 29},
		{"February of a common year has 28 days", Calendar{Unit: CalendarMonth},
			"2026-02-14T10:00:00Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", 28},
		{"December ends in the next year", Calendar{Unit: CalendarMonth},
			"2026-12-31T23:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z", 31},
		{"a Berlin month that springs forward is one hour short but 31 calendar days",
			Calendar{Unit: CalendarMonth, Location: berlin},
			"2026-03-29T12:00:00+02:00", "2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00", 31},
		{"a Berlin month starts at local midnight, the evening before in UTC",
			Calendar{Unit: CalendarMonth, Location: berlin},
			"2026-06-30T22:30:00Z", "2026-07-01T00:00:00+02:00", "2026-08-01T00:00:00+02:00", 31},
		{"a New York month that falls back keeps local midnights",
			Calendar{Unit: CalendarMonth, Location: newYork},
			"2026-11-01T01:30:00-05:00", "2026-11-01T00:00:00-04:00", "2026-12-01T00:00:00-05:00", 30},
		{"in UTC it is already December, in New York still November",
			Calendar{Unit: CalendarMonth, Location: newYork},
			"2026-12-01T03:00:00Z", "2026-11-01T00:00:00-04:00", "2026-12-01T00:00:00-05:00", 30},
		{"a start mid-month makes months run from the 15th to the 15th",
			Calendar{Unit: CalendarMonth, Start: time.Date(2022, 1, 15, 0, 0, 0, 0, time.UTC)},
			"2026-04-10T00:00:00Z", "2026-03-15T00:00:00Z", "2026-04-15T00:00:00Z", 31},
		{"a start on the 31st runs to the last day of shorter months",
			Calendar{Unit: CalendarMonth, Start: time.Date(2022, 1, 31, 0, 0, 0, 0, time.UTC)},
			"2026-03-10T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z", 31},
		{"a start on the 31st in a leap February ends on the 29th",
			Calendar{Unit: CalendarMonth, Start: time.Date(2022, 1, 31, 0, 0, 0, 0, time.UTC)},
			"2028-02-10T00:00:00Z", "2028-01-31T00:00:00Z", "2028-02-29T00:00:00Z", 29},
		{"a start's time of day is kept in its zone",
			Calendar{Unit: CalendarMonth, Location: newYork, Start: time.Date(2022, 1, 1, 6, 0, 0, 0, newYork)},
			"2026-03-01T05:59:00-05:00", "2026-02-01T06:00:00-05:00", "2026-03-01T06:00:00-05:00", 28},
		{"a week runs Monday to Monday by default", Calendar{Unit: CalendarWeek},
			"2026-12-04T22:00:00Z", "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z", 7},
		{"Monday midnight opens a new week", Calendar{Unit: CalendarWeek},
			"2026-12-07T00:00:00Z", "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z", 7},
		{"a Sunday belongs to the week that began the Monday before", Calendar{Unit: CalendarWeek},
			"2026-12-06T23:59:00Z", "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z", 7},
		{"a start on a Wednesday makes weeks run Wednesday to Wednesday",
			Calendar{Unit: CalendarWeek, Start: time.Date(2026, 1, 7, 0, 0, 0, 0, time.UTC)},
			"2026-12-04T22:00:00Z", "2026-12-02T00:00:00Z", "2026-12-09T00:00:00Z", 7},
		{"a Berlin week over the autumn change is 7 days of 169 hours",
			Calendar{Unit: CalendarWeek, Location: berlin},
			"2026-10-25T12:00:00+01:00", "2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 7},
		{"a New York week over the spring change keeps local midnights",
			Calendar{Unit: CalendarWeek, Location: newYork},
			"2026-03-08T12:00:00-04:00", "2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 7},
		{"a quarter runs from January, April, July or October", Calendar{Unit: CalendarQuarter},
			"2026-05-20T00:00:00Z", "2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z", 91},
		{"a quarter aligned to a February start runs February to May",
			Calendar{Unit: CalendarQuarter, Start: time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC)},
			"2026-01-20T00:00:00Z", "2025-11-01T00:00:00Z", "2026-02-01T00:00:00Z", 92},
		{"a leap year has 366 days", Calendar{Unit: CalendarYear},
			"2028-07-01T00:00:00Z", "2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z", 366},
		{"a fiscal year from a July start", Calendar{Unit: CalendarYear, Start: time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)},
			"2026-03-01T00:00:00Z", "2025-07-01T00:00:00Z", "2026-07-01T00:00:00Z", 365},
		{"a time before the start is in the period the alignment gives",
			Calendar{Unit: CalendarMonth, Start: time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC)},
			"2026-04-20T00:00:00Z", "2026-04-10T00:00:00Z", "2026-05-10T00:00:00Z", 30},
	}
	parse := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("test time %q: %v", s, err)
		}
		return v
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.cal.PeriodAt(parse(tt.now))
			if want := parse(tt.start); !p.Start.Equal(want) {
				t.Errorf("start = %s, want %s", p.Start, want)
			}
			if want := parse(tt.end); !p.End.Equal(want) {
				t.Errorf("end = %s, want %s", p.End, want)
			}
			if got, want := p.Days(), time.Duration(tt.days)*Day; got != want {
				t.Errorf("days = %s, want %s", WindowName(got), WindowName(want))
			}
			if now := parse(tt.now); now.Before(p.Start) || !now.Before(p.End) {
				t.Errorf("now %s is not in [%s, %s)", now, p.Start, p.End)
			}
		})
	}
}

func TestCalendarPeriodsTileTime(t *testing.T) {
	// every period's end is the next one's start, so no event belongs to
	// two budgets and none to no budget, across DST changes and month ends.
	for _, unit := range CalendarUnits() {
		for _, zone := range []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} {
			cal := Calendar{Unit: unit, Location: mustZone(t, zone), Start: time.Date(2021, 1, 31, 2, 30, 0, 0, time.UTC)}
			p := cal.PeriodAt(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
			for range 60 {
				next := cal.PeriodAt(p.End)
				if !next.Start.Equal(p.End) || !next.End.After(next.Start) {
					t.Fatalf("%s in %s: period [%s, %s) is followed by [%s, %s)", unit, zone, p.Start, p.End, next.Start, next.End)
				}
				if before := cal.PeriodAt(p.End.Add(-time.Nanosecond)); !before.Start.Equal(p.Start) {
					t.Fatalf("%s in %s: the last instant of [%s, %s) is in a period from %s", unit, zone, p.Start, p.End, before.Start)
				}
				if p.Days() > cal.Longest() {
					t.Fatalf("%s in %s: period [%s, %s) is %s, longer than the unit's longest %s", unit, zone, p.Start, p.End, WindowName(p.Days()), WindowName(cal.Longest()))
				}
				p = next
			}
		}
	}
}

func TestSLOAtResolvesTheWindowOfCalendarSLOsOnly(t *testing.T) {
	cal := SLO{Name: "c", Window: 31 * Day, Calendar: &Calendar{Unit: CalendarMonth}}
	now := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	got, p, ok := cal.At(now)
	if !ok || got.Window != 28*Day || !p.Start.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("calendar SLO at %s: window %s, period %v, ok %v; want 28d from February 1st", now, WindowName(got.Window), p, ok)
	}
	rolling := SLO{Name: "r", Window: 30 * Day}
	if got, _, ok := rolling.At(now); ok || got.Window != 30*Day {
		t.Errorf("rolling SLO at %s: window %s, ok %v; want 30d unchanged", now, WindowName(got.Window), ok)
	}
	sp := Spec{SLOs: []SLO{cal, rolling}}
	if at := sp.At(now); at.SLOs[0].Window != 28*Day || sp.SLOs[0].Window != 31*Day {
		t.Errorf("Spec.At: resolved %s (want 28d), original %s (want 31d, unchanged)", WindowName(at.SLOs[0].Window), WindowName(sp.SLOs[0].Window))
	}
}
