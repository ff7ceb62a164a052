package delivery

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Default retry delays: the first retry comes quickly (a restart of the
// receiver takes seconds), later ones no more often than twice a minute.
const (
	DefaultInitialBackoff = 500 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
)

// Backoff is a capped exponential backoff with jitter.
type Backoff struct {
	// Initial is the base delay before the first retry.
	Initial time.Duration
	// Max caps every delay, a receiver's Retry-After included.
	Max time.Duration
}

// Validate reports a backoff that would retry in a tight loop or never.
func (b Backoff) Validate() error {
	switch {
	case b.Initial <= 0:
		return fmt.Errorf("initial retry delay %v: must be positive", b.Initial)
	case b.Max < b.Initial:
		return fmt.Errorf("maximum retry delay %v is below the initial delay %v", b.Max, b.Initial)
	}
	return nil
}

// Delay returns how long to wait before retry number attempt (1 for the
// first retry). The base delay doubles with each attempt up to Max; the
// delay is drawn uniformly from the upper half of it ("equal jitter"), so
// that sinks of many processes that failed together do not retry together,
// yet the wait still grows. retryAfter, when the receiver asked for it, is
// the least delay, still capped by Max.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	return b.delay(attempt, retryAfter, rand.Float64)
}

func (b Backoff) delay(attempt int, retryAfter time.Duration, rnd func() float64) time.Duration {
	d := b.Initial
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	d = d/2 + time.Duration(rnd()*float64(d/2))
	if retryAfter > d {
		d = retryAfter
	}
	return min(d, b.Max)
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot fix: the queue discards
// the item instead of retrying it.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// retryAfter returns the delay the receiver asked for, if err carries one.
func retryAfter(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}
