package delivery

import (
	"strings"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: 1 * time.Second}
	tests := []struct {
		name       string
		attempt    int
		retryAfter time.Duration
		rnd        float64
		want       time.Duration
	}{
		{"the first retry waits at least half the initial delay", 1, 0, 0, 50 * time.Millisecond},
		{"the first retry waits at most the initial delay", 1, 0, 1, 100 * time.Millisecond},
		{"each retry doubles the delay", 3, 0, 1, 400 * time.Millisecond},
		{"jitter draws from the upper half of the delay", 3, 0, 0.5, 300 * time.Millisecond},
		{"the delay stops growing at the maximum", 5, 0, 1, time.Second},
		{"a huge attempt number neither overflows nor passes the maximum", 1000, 0, 1, time.Second},
		{"the least delay with jitter is half the maximum", 1000, 0, 0, 500 * time.Millisecond},
		{"Retry-After lengthens a shorter delay", 1, 700 * time.Millisecond, 0, 700 * time.Millisecond},
		{"Retry-After never passes the maximum", 1, time.Hour, 0, time.Second},
		{"a Retry-After shorter than the backoff changes nothing", 4, 10 * time.Millisecond, 1, 800 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.delay(tt.attempt, tt.retryAfter, func() float64 { return tt.rnd })
			if got != tt.want {
				t.Errorf("delay(%d, %v) with rnd %v = %v, want %v", tt.attempt, tt.retryAfter, tt.rnd, got, tt.want)
			}
		})
	}
}

func TestBackoffDelayStaysInItsBounds(t *testing.T) {
	b := Backoff{Initial: 10 * time.Millisecond, Max: 200 * time.Millisecond}
	for attempt := 1; attempt <= 12; attempt++ {
		base := min(10*time.Millisecond<<(attempt-1), 200*time.Millisecond)
		for range 50 {
			if d := b.Delay(attempt, 0); d < base/2 || d > base {
				t.Fatalf("Delay(%d) = %v, want within [%v, %v]", attempt, d, base/2, base)
			}
		}
	}
}

func TestBackoffValidate(t *testing.T) {
	tests := []struct {
		name string
		b    Backoff
		want string
	}{
		{"a zero initial delay would retry in a tight loop", Backoff{0, time.Second}, "initial retry delay 0s: must be positive"},
		{"a maximum below the initial delay is refused", Backoff{time.Second, time.Millisecond}, "maximum retry delay 1ms is below the initial delay 1s"},
		{"an initial delay equal to the maximum is a fixed delay", Backoff{time.Second, time.Second}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.b.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error with %q", err, tt.want)
			}
		})
	}
}
