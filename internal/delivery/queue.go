package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/sloguard/sloguard/exporters"
	"go.opentelemetry.io/otel/metric"
)

// Config describes a Queue. Every field is required unless said otherwise.
type Config[T any] struct {
	// Sink names the sink in logs and in the counters' sink attribute.
	Sink string
	// Target is where deliveries go, as logs may show it (see Redact).
	Target string
	// QueueSize is how many items may wait, the one in flight included.
	QueueSize int
	// Timeout bounds each delivery attempt.
	Timeout time.Duration
	Backoff Backoff
	// Deliver sends one item. It must honour ctx, and mark with Permanent
	// the errors that retrying cannot fix.
	Deliver func(ctx context.Context, item T) error
	// Count is the number of alerts in an item, for the counters.
	Count func(item T) int
	// Refresh, optional, returns an item to deliver when nothing was
	// delivered for RefreshInterval and the queue is empty, or false for
	// none: Alertmanager forgets alerts that are not re-sent.
	Refresh         func() (T, bool)
	RefreshInterval time.Duration
	// OnStop, optional, runs once when the queue's goroutine ends.
	OnStop        func()
	Logger        *slog.Logger
	MeterProvider metric.MeterProvider
}

func (c Config[T]) validate() error {
	var errs []error
	if c.QueueSize < 1 {
		errs = append(errs, fmt.Errorf("queue size %d: must be at least 1", c.QueueSize))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %v: must be positive", c.Timeout))
	}
	if err := c.Backoff.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Refresh != nil && c.RefreshInterval <= 0 {
		errs = append(errs, fmt.Errorf("resend interval %v: must be positive", c.RefreshInterval))
	}
	if c.Deliver == nil || c.Count == nil {
		errs = append(errs, errors.New("no delivery function"))
	}
	if c.Logger == nil {
		errs = append(errs, errors.New("nil logger"))
	}
	if c.MeterProvider == nil {
		errs = append(errs, errors.New("nil MeterProvider"))
	}
	return errors.Join(errs...)
}

type entry[T any] struct {
	item T
	n    int
}

// Queue is a bounded queue drained by one goroutine; see the package
// documentation.
type Queue[T any] struct {
	cfg  Config[T]
	inst instruments
	log  *slog.Logger

	mu      sync.Mutex
	pending []entry[T]
	// cur is the item being delivered. It still counts against QueueSize;
	// when a full queue evicts it, evicted is set and the worker drops it
	// after the attempt instead of retrying it.
	cur        *entry[T]
	evicted    bool
	closed     bool
	dropWarned bool
	leftover   int
	// lastErr is the error of the final attempt, for Shutdown's error.
	lastErr error
	budget  *time.Timer
	// flushed are the ForceFlush calls waiting for the queue to empty.
	flushed []chan struct{}

	wake      chan struct{}
	closing   chan struct{}
	closeOnce sync.Once
	stopCtx   context.Context
	stop      context.CancelFunc
	done      chan struct{}
}

// Start validates cfg and starts the queue's goroutine.
func Start[T any](cfg Config[T]) (*Queue[T], error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	inst, err := newInstruments(cfg.MeterProvider, cfg.Sink)
	if err != nil {
		return nil, err
	}
	q := &Queue[T]{
		cfg:     cfg,
		inst:    inst,
		log:     cfg.Logger.With("sink", cfg.Sink, "target", cfg.Target),
		wake:    make(chan struct{}, 1),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	q.stopCtx, q.stop = context.WithCancel(context.Background())
	go q.run()
	return q, nil
}

// Enqueue adds item to the queue and returns at once. When the queue is
// full the oldest item makes room and is counted as dropped.
func (q *Queue[T]) Enqueue(item T) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return exporters.ErrClosed
	}
	q.pushLocked(entry[T]{item: item, n: q.cfg.Count(item)})
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// Closed reports whether Shutdown was called.
func (q *Queue[T]) Closed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// pushLocked appends e, first evicting the oldest item if the queue is full.
func (q *Queue[T]) pushLocked(e entry[T]) {
	held := len(q.pending)
	inFlight := q.cur != nil && !q.evicted
	if inFlight {
		held++
	}
	if held >= q.cfg.QueueSize {
		var n int
		if inFlight {
			// The item in flight is the oldest. It is counted dropped now;
			// should its attempt still succeed it is counted sent as well,
			// which only happens when the receiver answers in the instant
			// the queue overflows.
			q.evicted = true
			n = q.cur.n
		} else {
			n = q.pending[0].n
			q.pending[0] = entry[T]{}
			q.pending = q.pending[1:]
		}
		add(q.inst.dropped, n, q.inst.attrs)
		if !q.dropWarned {
			q.dropWarned = true
			q.log.Warn("alert queue full: dropping the oldest alerts until deliveries catch up",
				"queue_size", q.cfg.QueueSize)
		}
	}
	q.pending = append(q.pending, e)
}

// next returns the item to deliver: the one in flight, else the oldest.
func (q *Queue[T]) next() (entry[T], bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cur == nil {
		if len(q.pending) == 0 {
			for _, c := range q.flushed {
				close(c)
			}
			q.flushed = nil
			return entry[T]{}, false
		}
		e := q.pending[0]
		q.pending[0] = entry[T]{}
		q.pending = q.pending[1:]
		q.cur, q.evicted = &e, false
	}
	return *q.cur, true
}

// finish ends the item in flight: delivered, or given up (counted dropped
// unless a full queue already evicted and counted it).
func (q *Queue[T]) finish(delivered bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !delivered && !q.evicted {
		add(q.inst.dropped, q.cur.n, q.inst.attrs)
	}
	q.cur, q.evicted = nil, false
	if delivered && len(q.pending) == 0 {
		// Caught up: the next overflow is news again.
		q.dropWarned = false
	}
}

// retryLater keeps the item in flight for another attempt, unless a full
// queue evicted it meanwhile.
func (q *Queue[T]) retryLater() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.evicted {
		q.cur, q.evicted = nil, false
	}
}

func (q *Queue[T]) run() {
	defer close(q.done)
	defer q.exit()

	var refresh <-chan time.Time
	var refreshTimer *time.Timer
	if q.cfg.Refresh != nil {
		refreshTimer = time.NewTimer(q.cfg.RefreshInterval)
		defer refreshTimer.Stop()
		refresh = refreshTimer.C
	}
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()

	failures := 0 // consecutive failed attempts: the current outage
	var outageStart time.Time
	// rejected is the rejection last logged, until a delivery succeeds: a
	// receiver refusing every post (a wrong password) is logged once, not
	// once per evaluation, and again when its answer changes.
	rejected := ""
	for {
		e, ok := q.next()
		if !ok {
			select {
			case <-q.stopCtx.Done():
				return
			case <-q.closing:
				// Enqueue refuses items once closing is closed: an empty
				// queue now stays empty.
				if q.empty() {
					return
				}
			case <-q.wake:
			case <-refresh:
				if q.Closed() {
					continue
				}
				if item, ok := q.cfg.Refresh(); ok {
					q.mu.Lock()
					q.pushLocked(entry[T]{item: item, n: q.cfg.Count(item)})
					q.mu.Unlock()
				}
				refreshTimer.Reset(q.cfg.RefreshInterval)
			}
			continue
		}

		ctx, cancel := context.WithTimeout(q.stopCtx, q.cfg.Timeout)
		err := q.cfg.Deliver(ctx, e.item)
		cancel()
		if err == nil {
			add(q.inst.sent, e.n, q.inst.attrs)
			q.finish(true)
			if rejected != "" {
				q.log.Info("alert delivery accepted again after rejections")
				rejected = ""
			}
			if failures > 0 {
				q.log.Info("alert delivery recovered",
					"failed_attempts", failures, "outage", time.Since(outageStart).Round(time.Millisecond).String())
				failures = 0
			}
			if refreshTimer != nil {
				refreshTimer.Reset(q.cfg.RefreshInterval)
			}
			continue
		}
		if q.stopCtx.Err() != nil {
			// Shutdown's context ended: exit counts what is left.
			return
		}
		add(q.inst.failed, e.n, q.inst.attrs)
		if IsPermanent(err) {
			q.finish(false)
			if key := rejection(err); key != rejected {
				rejected = key
				q.log.Error("receiver rejected alerts: not retrying them (logged again only when the answer changes)", "alerts", e.n, "error", err)
			} else {
				q.log.Debug("receiver rejected alerts again", "alerts", e.n, "error", err)
			}
			continue
		}
		if q.Closed() {
			// That was the final attempt of Shutdown: exit counts and
			// logs what is left rather than wait for the receiver. An
			// item a full queue evicted meanwhile is already counted.
			q.mu.Lock()
			evicted := q.evicted
			q.lastErr = err
			q.mu.Unlock()
			if !evicted {
				return
			}
			q.retryLater()
			continue
		}
		failures++
		delay := q.cfg.Backoff.Delay(failures, retryAfter(err))
		if failures == 1 {
			outageStart = time.Now()
			q.log.Warn("alert delivery failing: retrying until the receiver is back",
				"error", err, "retry_in", delay.String())
		} else {
			q.log.Debug("alert delivery still failing", "error", err, "attempt", failures, "retry_in", delay.String())
		}
		q.retryLater()
		retry.Reset(delay)
		select {
		case <-retry.C:
		case <-q.closing:
			// Shutdown does not wait out the backoff: the item gets its
			// final attempt now.
		case <-q.stopCtx.Done():
			return
		}
	}
}

func (q *Queue[T]) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.cur == nil && len(q.pending) == 0
}

// exit counts what was never delivered and releases the queue's resources.
func (q *Queue[T]) exit() {
	q.mu.Lock()
	n := 0
	if q.cur != nil && !q.evicted {
		n += q.cur.n
	}
	for _, e := range q.pending {
		n += e.n
	}
	q.cur, q.evicted, q.pending = nil, false, nil
	q.leftover = n
	q.mu.Unlock()
	add(q.inst.dropped, n, q.inst.attrs)
	if n > 0 {
		q.log.Warn("shutdown: alerts left undelivered", "alerts", n)
	}
	q.stop()
	if q.cfg.OnStop != nil {
		q.cfg.OnStop()
	}
}

// ForceFlush waits until every item queued before the call was delivered
// or given up on (rejected, or dropped to make room), retries included, or
// until ctx ends, when it returns an error wrapping ctx.Err(). After
// Shutdown it returns exporters.ErrClosed.
func (q *Queue[T]) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flush abandoned: %w", err)
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return exporters.ErrClosed
	}
	if q.cur == nil && len(q.pending) == 0 {
		q.mu.Unlock()
		return nil
	}
	c := make(chan struct{})
	q.flushed = append(q.flushed, c)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	select {
	case <-c:
		return nil
	case <-q.done:
		return exporters.ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("flush abandoned: %w", ctx.Err())
	}
}

// Shutdown stops accepting items and delivers what is queued, bounded by
// design: each item left gets one final attempt, no retry, and the whole
// drain gets the budget of one attempt (Config.Timeout), so a receiver that
// is down or hangs delays Shutdown by at most that long. What is not
// delivered then is dropped, counted and logged with its number, and the
// error says how many alerts were left. A ctx that ends first abandons the
// drain at once and the error wraps ctx.Err(). Later calls wait for the
// same end and return nil.
func (q *Queue[T]) Shutdown(ctx context.Context) error {
	q.closeOnce.Do(func() {
		q.mu.Lock()
		q.closed = true
		q.budget = time.AfterFunc(q.cfg.Timeout, q.stop)
		q.mu.Unlock()
		close(q.closing)
	})
	var cause error
	select {
	case <-q.done:
	case <-ctx.Done():
		q.stop()
		<-q.done
		cause = ctx.Err()
	}
	q.mu.Lock()
	n, last := q.leftover, q.lastErr
	q.leftover, q.lastErr = 0, nil
	q.budget.Stop()
	q.mu.Unlock()
	if n == 0 {
		return nil
	}
	if cause == nil {
		cause = fmt.Errorf("no delivery within the shutdown budget of %v", q.cfg.Timeout)
		if last != nil {
			cause = fmt.Errorf("final attempt: %w", last)
		}
	}
	return fmt.Errorf("shutdown: %d alerts left undelivered: %w", n, cause)
}

// rejection is what tells one permanent rejection from another for the
// log: the status of an HTTP answer, or the error.
func rejection(err error) string {
	var se *StatusError
	if errors.As(err, &se) {
		return strconv.Itoa(se.Status)
	}
	return err.Error()
}
