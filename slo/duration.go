package slo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrDurationTooLong is wrapped by ParseDuration's error for a duration
// beyond time.Duration's range (about 292 years).
var ErrDurationTooLong = errors.New("too long")

var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"d":  Day,
	"w":  7 * Day,
}

// ParseDuration reads the durations of spec files: a sequence of decimal
// numbers each followed by a unit, ms, s, m (minutes), h, d (24h) or w (7d),
// as in 30d, 4w, 1h30m, 400ms or 1.5s. Calendar units (months M, quarters Q,
// years Y) are refused: a rolling window is a fixed span of time.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration: write one like 30d, 6h or 400ms")
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 {
			if s[0] == '-' {
				return 0, fmt.Errorf("duration %q is negative", orig)
			}
			return 0, fmt.Errorf("invalid duration %q: expected a number before the unit, as in 30d, 6h or 400ms", orig)
		}
		num, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: %q is not a number", orig, s[:i])
		}
		s = s[i:]
		j := 0
		for j < len(s) && (s[j] < '0' || s[j] > '9') && s[j] != '.' {
			j++
		}
		unit := s[:j]
		s = s[j:]
		u, ok := durationUnits[unit]
		switch {
		case ok:
		case unit == "":
			return 0, fmt.Errorf("invalid duration %q: missing unit (ms, s, m, h, d or w)", orig)
		case unit == "M" || unit == "Q" || unit == "Y" || unit == "y":
			return 0, fmt.Errorf("invalid duration %q: calendar unit %q is not supported; windows are rolling, so write days or weeks (30d, 4w, 90d)", orig, unit)
		default:
			return 0, fmt.Errorf("invalid duration %q: unknown unit %q (use ms, s, m, h, d or w)", orig, unit)
		}
		total += num * float64(u)
		if total > float64(math.MaxInt64) {
			return 0, fmt.Errorf("duration %q is %w", orig, ErrDurationTooLong)
		}
	}
	return time.Duration(math.Round(total)), nil
}
