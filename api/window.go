package api

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sloguard/sloguard/slo"
)

// parseWindow parses a latency window in the grammar of spec files
// (slo.ParseDuration: "90m", "24h", "1h30m", "7d", "1.5d", "1w"), and checks
// that it lies within [lo, hi]. "0" and a negative duration are out of range
// rather than malformed, and surrounding spaces are refused: a query
// parameter is exact.
func parseWindow(s string, lo, hi time.Duration) (time.Duration, error) {
	d, err := parseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%s is out of range: the window must be from %s to %s", quoteValue(s), slo.WindowName(lo), slo.WindowName(hi))
	}
	return d, nil
}

// parseDuration is slo.ParseDuration with a sign and a bare zero allowed, so
// that the range check, not the grammar, refuses them.
func parseDuration(s string) (time.Duration, error) {
	notDuration := fmt.Errorf("%s is not a duration: use durations such as 90m, 24h, 7d or 1w", quoteValue(s))
	if s == "0" {
		return 0, nil
	}
	body, neg := strings.CutPrefix(s, "-")
	if body == "" || body[0] < '0' || body[0] > '9' && body[0] != '.' || strings.TrimSpace(body) != body {
		return 0, notDuration
	}
	d, err := slo.ParseDuration(body)
	switch {
	case errors.Is(err, slo.ErrDurationTooLong):
		return 0, fmt.Errorf("%s is too long", quoteValue(s))
	case err != nil:
		return 0, notDuration
	case neg:
		return -d, nil
	}
	return d, nil
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
