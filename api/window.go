package api

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// parseWindow parses a latency window: a Go duration ("90m", "24h",
// "1h30m") or days with an optional Go duration after them ("7d", "1.5d",
// "1d12h"), and checks that it lies within [lo, hi].
func parseWindow(s string, lo, hi time.Duration) (time.Duration, error) {
	d, err := parseDays(s)
	if err != nil {
		return 0, err
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%s is out of range: the window must be from %s to %s", quoteValue(s), slo.WindowName(lo), slo.WindowName(hi))
	}
	return d, nil
}

// parseDays is time.ParseDuration with a leading day count allowed.
func parseDays(s string) (time.Duration, error) {
	notDuration := fmt.Errorf("%s is not a duration: use Go durations such as 90m or 24h, or days such as 7d", quoteValue(s))
	body, neg := s, false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		body, neg = rest, true
	}
	days, rest, hasDays := strings.Cut(body, "d")
	if !hasDays {
		if !startsNumber(body) {
			return 0, notDuration
		}
		d, err := time.ParseDuration(body)
		if err != nil {
			return 0, notDuration
		}
		return sign(d, neg), nil
	}
	if !isDecimal(days) {
		return 0, notDuration
	}
	n, err := strconv.ParseFloat(days, 64)
	if err != nil {
		return 0, notDuration
	}
	const maxDays = float64(math.MaxInt64/int64(slo.Day)) - 1
	if n > maxDays {
		return 0, fmt.Errorf("%s is too long", quoteValue(s))
	}
	d := time.Duration(n * float64(slo.Day))
	if rest != "" {
		if !startsNumber(rest) {
			return 0, notDuration
		}
		r, err := time.ParseDuration(rest)
		if err != nil {
			return 0, notDuration
		}
		if d > math.MaxInt64-r {
			return 0, fmt.Errorf("%s is too long", quoteValue(s))
		}
		d += r
	}
	return sign(d, neg), nil
}

func sign(d time.Duration, neg bool) time.Duration {
	if neg {
		return -d
	}
	return d
}

// startsNumber reports whether s starts with a digit or a decimal point:
// time.ParseDuration would also take a sign there, which is handled once, in
// front of the days.
func startsNumber(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.')
}

// isDecimal reports whether s is digits with at most one decimal point.
func isDecimal(s string) bool {
	digits, dots := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// quoteValue quotes a client's value for an error message, cut short so a
// long value cannot blow the answer up.
func quoteValue(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
