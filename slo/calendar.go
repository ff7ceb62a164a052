package slo

import (
	"fmt"
	"time"
)

// CalendarUnit is the length of a calendar window's period.
type CalendarUnit string

const (
	CalendarWeek    CalendarUnit = "week"
	CalendarMonth   CalendarUnit = "month"
	CalendarQuarter CalendarUnit = "quarter"
	CalendarYear    CalendarUnit = "year"
)

// CalendarUnits lists the units a calendar window may have, shortest first.
func CalendarUnits() []CalendarUnit {
	return []CalendarUnit{CalendarWeek, CalendarMonth, CalendarQuarter, CalendarYear}
}

// Calendar is the window of an SLO whose error budget restarts at the start
// of every calendar period (OpenSLO's isRolling: false) instead of rolling.
//
// Periods are aligned to Start, read as a wall-clock time in Location:
// weeks start on Start's weekday, months on Start's day of the month (the
// month's last day when it has fewer days), quarters and years on Start's
// month and day, always at Start's time of day. With no Start, weeks start
// on Monday (ISO 8601), months on the 1st, quarters in January, April, July
// and October, years on the 1st of January, at midnight. Start only aligns:
// the periods before it are counted the same way.
//
// Every boundary is a wall-clock time in Location (time.Date), so a month
// in Europe/Berlin starts at local midnight whether daylight saving time is
// on or off, and a period that holds a change is an hour shorter or longer.
type Calendar struct {
	Unit CalendarUnit
	// Location is the time zone of the periods; nil means UTC. Its name
	// (Location.String(), the IANA name it was loaded by) is what export
	// writes.
	Location *time.Location
	// Start aligns the periods; the zero time means the defaults above.
	Start time.Time
}

// Period is one calendar period, [Start, End).
type Period struct {
	Start, End time.Time
}

// Days is the nominal length of p: the number of calendar days it spans, as
// a duration of that many 24-hour days. A month that holds a change of
// daylight saving time is 31d, not 743h: burn-rate factors and window names
// follow the calendar, not the clock change.
func (p Period) Days() time.Duration {
	y1, m1, d1 := p.Start.Date()
	y2, m2, d2 := p.End.Date()
	days := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)) / Day
	return days * Day
}

// Longest is the longest period of the unit: the history an SLO over this
// calendar needs (7d, 31d, 92d, 366d).
func (c Calendar) Longest() time.Duration {
	switch c.Unit {
	case CalendarWeek:
		return 7 * Day
	case CalendarMonth:
		return 31 * Day
	case CalendarQuarter:
		return 92 * Day
	case CalendarYear:
		return 366 * Day
	}
	return 0
}

// TimeZone is the name of the calendar's time zone: "UTC" when none is set.
func (c Calendar) TimeZone() string { return c.location().String() }

func (c Calendar) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// months is the number of months in a period of the unit, 0 for a week.
func (c Calendar) months() int {
	switch c.Unit {
	case CalendarMonth:
		return 1
	case CalendarQuarter:
		return 3
	case CalendarYear:
		return 12
	}
	return 0
}

// Valid reports what is wrong with c, or nil.
func (c Calendar) Valid() error {
	if c.Longest() == 0 {
		return fmt.Errorf("calendar unit %q is none of week, month, quarter, year", c.Unit)
	}
	return nil
}

// PeriodAt returns the period of c that contains now: Start ≤ now < End.
// It is a pure function of c and now (no clock of its own). An invalid
// Calendar (see Valid) gives the zero Period.
func (c Calendar) PeriodAt(now time.Time) Period {
	loc := c.location()
	t := now.In(loc)
	anchor := time.Date(2024, time.January, 1, 0, 0, 0, 0, loc) // a Monday
	if !c.Start.IsZero() {
		anchor = c.Start.In(loc)
	}
	h, mi, s := anchor.Clock()
	ns := anchor.Nanosecond()
	if c.Unit == CalendarWeek {
		y, m, d := t.Date()
		back := int(t.Weekday()-anchor.Weekday()+7) % 7
		start := time.Date(y, m, d-back, h, mi, s, ns, loc)
		if start.After(t) {
			start = time.Date(y, m, d-back-7, h, mi, s, ns, loc)
		}
		sy, sm, sd := start.Date()
		return Period{Start: start, End: time.Date(sy, sm, sd+7, h, mi, s, ns, loc)}
	}
	k := c.months()
	if k == 0 {
		return Period{}
	}
	day := anchor.Day()
	at := func(idx int) time.Time { // the boundary in month idx (year*12 + month-1)
		y, m := idx/12, time.Month(idx%12+1)
		last := time.Date(y, m+1, 0, 0, 0, 0, 0, loc).Day()
		return time.Date(y, m, min(day, last), h, mi, s, ns, loc)
	}
	phase := monthIndex(anchor) % k
	idx := monthIndex(t)
	idx -= ((idx-phase)%k + k) % k
	if at(idx).After(t) {
		idx -= k
	}
	return Period{Start: at(idx), End: at(idx + k)}
}

func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// At returns s as it is evaluated at now. For a calendar SLO, Window
// becomes the nominal length of the period that holds now (Period.Days:
// 28 to 31 days for a month), from which the burn-rate alert windows, their
// factors and the burn per day follow, and the period is returned with ok
// true. A rolling SLO is returned as it is, with ok false.
func (s SLO) At(now time.Time) (at SLO, p Period, ok bool) {
	if s.Calendar == nil || s.Calendar.Valid() != nil {
		return s, Period{}, false
	}
	p = s.Calendar.PeriodAt(now)
	s.Window = p.Days()
	return s, p, true
}

// At returns sp with every calendar SLO as it is evaluated at now (see
// SLO.At); sp is not changed.
func (sp Spec) At(now time.Time) Spec {
	out := sp
	out.SLOs = make([]SLO, len(sp.SLOs))
	for i, s := range sp.SLOs {
		out.SLOs[i], _, _ = s.At(now)
	}
	return out
}
