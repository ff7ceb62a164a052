package slo

import (
	"math"
	"strconv"
	"time"
)

// The Flask app's thresholds, in percent.
const (
	// WarningBurnPerDayPct: an SLO whose last day burned this share of its
	// window's budget or more is WARNING (and raises SLOBudgetBurnRate above it).
	WarningBurnPerDayPct = 2.0
	// CriticalBurnPerDayPct: above this an SLO is CRITICAL.
	CriticalBurnPerDayPct = 5.0
	// ConsumedAlertPct: above this share of the budget consumed,
	// SLOBudgetConsumed fires.
	ConsumedAlertPct = 50.0
)

// tolerance is the relative distance within which a figure counts as equal
// to a threshold: counts like 600 bad out of 1,000,000 at 99.9% are exactly
// 60% of the budget, but their float quotient may miss it by one unit in the
// last place, and a status must not flip on that.
const tolerance = 1e-9

// above reports whether x is over limit by more than float rounding.
func above(x, limit float64) bool { return x > limit+tolerance*math.Abs(limit) }

// atLeast reports whether x reaches limit, up to float rounding.
func atLeast(x, limit float64) bool { return x >= limit-tolerance*math.Abs(limit) }

// clamped returns c with Total at least 0 and Good within [0, Total]: the
// Prometheus source extrapolates good and total separately and may return a
// good count a little over the total.
func (c Counts) clamped() Counts {
	if !(c.Total > 0) { // also NaN
		return Counts{}
	}
	if !(c.Good > 0) {
		c.Good = 0
	}
	c.Good = min(c.Good, c.Total)
	return c
}

// ErrorBudget is the share of events an objective allows to be bad: 1 −
// objective, or 0 for an objective outside (0, 1). The difference is rounded
// to 15 decimal places, below the error of any float objective, so that the
// budget of 0.999 is 0.001, not 0.0010000000000000009.
func ErrorBudget(objective float64) float64 {
	b := 1 - objective
	if !(objective > 0 && b > 0) {
		return 0
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(b, 'f', 15, 64), 64)
	if err != nil || r == 0 {
		return b
	}
	return r
}

// ErrorRatio is bad / total; ok is false when c holds no event.
func ErrorRatio(c Counts) (ratio float64, ok bool) {
	c = c.clamped()
	if c.Total == 0 {
		return 0, false
	}
	return c.Bad() / c.Total, true
}

// BurnRate is the error ratio of c divided by the error budget: 1 spends the
// budget exactly over the SLO window, 14.4 spends a 30-day budget in 50
// hours. ok is false when c holds no event (the rate is unknown, not 0) and
// when the objective leaves no budget.
func BurnRate(c Counts, objective float64) (rate float64, ok bool) {
	ratio, ok := ErrorRatio(c)
	budget := ErrorBudget(objective)
	if !ok || budget == 0 {
		return 0, false
	}
	return ratio / budget, true
}

// BudgetConsumedPct is the share of the window's error budget that the
// window's counts c spent, in percent: (bad / total) / (1 − objective) × 100.
// It is over 100 when the budget is overspent, and 0 with no events.
func BudgetConsumedPct(c Counts, objective float64) float64 {
	rate, ok := BurnRate(c, objective)
	if !ok {
		return 0
	}
	return rate * 100
}

// BurnPerDayPct is the Flask app's "percent of the budget burned per day": the
// burn rate over the last day times (1 day / window) times 100, the share of
// the whole window's budget the last day spent at that rate. For a 30-day
// window a burn rate of 1 is 3.33%/day. Windows shorter than a day have no
// last day of their own: dayBurn is then the burn over the window, and the
// figure says what a whole day at that rate would spend.
func BurnPerDayPct(dayBurn float64, window time.Duration) float64 {
	if window <= 0 {
		return 0
	}
	return dayBurn * float64(Day) / float64(window) * 100
}

// Pace30dPct converts a window's burn per day into the burn per day the same
// pace of errors would mean for a 30-day window. The Flask app's thresholds (2%
// and 5% per day) were set for 30 days; applied as they are to a 7-day window
// they would call a service exactly on budget (14.3%/day) CRITICAL. Statuses
// and the SLOBudgetBurnRate alert compare this pace with them, so they mean
// the same for every window; for 30-day windows it is the figure itself.
func Pace30dPct(burnPerDayPct float64, window time.Duration) float64 {
	return burnPerDayPct * float64(window) / float64(DefaultWindow)
}

// StatusFor is the Flask app's status for a budget burn per day: OK under 2%,
// WARNING from 2% to 5%, CRITICAL above 5% or when the budget is exhausted.
func StatusFor(burnPerDayPct float64, exhausted bool) Status {
	switch {
	case exhausted || above(burnPerDayPct, CriticalBurnPerDayPct):
		return StatusCritical
	case atLeast(burnPerDayPct, WarningBurnPerDayPct):
		return StatusWarning
	default:
		return StatusOK
	}
}

// Exhausted reports whether consumedPct spends the whole budget (100% or more).
func Exhausted(consumedPct float64) bool { return atLeast(consumedPct, 100) }

// TimeToExhaustion forecasts how long the remaining budget lasts at a steady
// burn rate: remaining share × window / burn. A burn rate of 1 spends a whole
// budget in one window, so a half-spent budget at burn 2 lasts a quarter of
// the window. ok is false when nothing is left, when burn is 0 (the budget
// never runs out), or when the forecast reaches past one window from now: a
// rolling window forgets its oldest events as it moves, so a forecast that
// far out says nothing.
func TimeToExhaustion(remainingPct, burn float64, window time.Duration) (d time.Duration, ok bool) {
	if !(remainingPct > 0) || !(burn > 0) || window <= 0 {
		return 0, false
	}
	t := remainingPct / 100 * float64(window) / burn
	if t > float64(window) {
		return 0, false
	}
	return time.Duration(math.Round(t)), true
}
