// Package delivery is the background half of the network alert sinks
// (exporters/alertmanager and exporters/webhook): a bounded FIFO queue, one
// goroutine that delivers its items in order, retrying failures with capped
// exponential backoff and jitter, an optional periodic refresh, and the
// sinks' counters and logs.
//
// The queue never blocks the caller: Enqueue appends and returns. When the
// queue is full the oldest item is dropped (and counted) to make room,
// because the newest state of the alerts is worth more than the oldest. A
// warning is logged once per outage, not once per item, so a receiver that
// is down for an hour does not flood the log.
//
// Failures that retrying cannot fix (the receiver answered 4xx: the payload
// is wrong) are counted and logged and the item is discarded; every other
// failure (connection refused, timeout, 5xx, 429) is retried until the item
// is delivered, dropped to make room, or Shutdown.
//
// Shutdown is bounded by design: it stops the retries, gives what is queued
// one final attempt within the budget of one attempt (the timeout), and
// drops what is still undelivered, counted and logged with its number. A
// receiver that is down or hangs cannot hold a process's exit for longer,
// and Shutdown's ctx cuts even that short.
//
// Lifecycle: a second Shutdown returns nil; Enqueue after Shutdown returns
// exporters.ErrClosed; a done ctx makes Shutdown return at once with an
// error wrapping ctx.Err().
//
// Concurrency: Enqueue and Shutdown may be called from any goroutine. The
// delivery function and the refresh function are only ever called from the
// queue's own goroutine, one call at a time.
package delivery
