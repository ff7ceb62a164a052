package delivery_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/internal/delivery"
	"github.com/sloguard/sloguard/internal/delivery/deliverytest"
	"github.com/sloguard/sloguard/internal/proctest"
)

type item struct{ id, alerts int }

// receiver records the attempts made and answers them with answer.
type receiver struct {
	mu       sync.Mutex
	attempts []int
	answer   func(ctx context.Context, it item, attempt int) error
}

func (r *receiver) deliver(ctx context.Context, it item) error {
	r.mu.Lock()
	r.attempts = append(r.attempts, it.id)
	n := 0
	for _, id := range r.attempts {
		if id == it.id {
			n++
		}
	}
	r.mu.Unlock()
	if r.answer == nil {
		return nil
	}
	return r.answer(ctx, it, n)
}

func (r *receiver) seen() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.attempts)
}

type fixture struct {
	q     *delivery.Queue[item]
	meter *deliverytest.Meter
	log   *deliverytest.Log
}

func start(t *testing.T, r *receiver, edit func(*delivery.Config[item])) fixture {
	t.Helper()
	f := fixture{meter: deliverytest.NewMeter(t), log: &deliverytest.Log{}}
	cfg := delivery.Config[item]{
		Sink:          "test",
		Target:        "http://receiver.example/hook",
		QueueSize:     10,
		Timeout:       time.Minute,
		Backoff:       delivery.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond},
		Deliver:       r.deliver,
		Count:         func(it item) int { return it.alerts },
		Logger:        f.log.Logger(),
		MeterProvider: f.meter.Provider,
	}
	if edit != nil {
		edit(&cfg)
	}
	q, err := delivery.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.q = q
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = q.Shutdown(ctx)
	})
	return f
}

func TestQueueDeliversInOrder(t *testing.T) {
	r := &receiver{}
	f := start(t, r, nil)
	for id := range 5 {
		if err := f.q.Enqueue(item{id: id, alerts: id + 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.q.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}
	if got, want := r.seen(), []int{0, 1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if got, want := f.meter.Counts(t, "test"), (deliverytest.Counts{Sent: 1 + 2 + 3 + 4 + 5}); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
}

func TestQueueRetriesUntilTheReceiverIsBack(t *testing.T) {
	r := &receiver{answer: func(_ context.Context, it item, attempt int) error {
		if it.id == 0 && attempt <= 3 {
			return errors.New("connection refused")
		}
		return nil
	}}
	f := start(t, r, nil)
	f.q.Enqueue(item{id: 0, alerts: 2})
	f.q.Enqueue(item{id: 1, alerts: 1})
	if err := f.q.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}
	if got, want := r.seen(), []int{0, 0, 0, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("attempts %v, want %v: the first item retried until delivered, then the second", got, want)
	}
	if got, want := f.meter.Counts(t, "test"), (deliverytest.Counts{Sent: 3, Failed: 3 * 2}); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
	if n := f.log.Count("alert delivery failing"); n != 1 {
		t.Errorf("%d failure warnings for one outage, want 1:\n%s", n, f.log)
	}
	if n := f.log.Count("alert delivery recovered"); n != 1 {
		t.Errorf("%d recovery lines, want 1:\n%s", n, f.log)
	}
}

func TestQueueDoesNotRetryAFinalRejection(t *testing.T) {
	r := &receiver{answer: func(_ context.Context, it item, _ int) error {
		if it.id == 0 {
			return delivery.Permanent(errors.New("400 Bad Request"))
		}
		return nil
	}}
	f := start(t, r, nil)
	f.q.Enqueue(item{id: 0, alerts: 2})
	f.q.Enqueue(item{id: 1, alerts: 1})
	if err := f.q.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}
	if got, want := r.seen(), []int{0, 1}; !slices.Equal(got, want) {
		t.Errorf("attempts %v, want %v", got, want)
	}
	if got, want := f.meter.Counts(t, "test"), (deliverytest.Counts{Sent: 1, Failed: 2, Dropped: 2}); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
	if n := f.log.Count("receiver rejected alerts"); n != 1 {
		t.Errorf("%d rejection lines, want 1:\n%s", n, f.log)
	}
}

func TestQueueDropsTheOldestWhenFull(t *testing.T) {
	started := make(chan struct{})
	gate := make(chan struct{})
	r := &receiver{answer: func(ctx context.Context, it item, _ int) error {
		if it.id == 0 {
			close(started)
			<-gate
			return errors.New("timeout")
		}
		return nil
	}}
	f := start(t, r, func(c *delivery.Config[item]) { c.QueueSize = 3 })
	f.q.Enqueue(item{id: 0, alerts: 1})
	<-started
	// Item 0 is in flight and counts against the size: 1 and 2 fill the
	// queue, then 3 evicts 0, 4 evicts 1 and 5 evicts 2.
	for id := 1; id <= 5; id++ {
		if err := f.q.Enqueue(item{id: id, alerts: 10 * id}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := f.meter.Counts(t, "test"), (deliverytest.Counts{Dropped: 1 + 10 + 20}); got != want {
		t.Errorf("counters after the overflow %+v, want %+v", got, want)
	}
	close(gate)
	if err := f.q.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}
	if got, want := r.seen(), []int{0, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("attempts %v, want %v: the evicted item is not retried, the newest are delivered", got, want)
	}
	if got, want := f.meter.Counts(t, "test"), (deliverytest.Counts{Sent: 30 + 40 + 50, Failed: 1, Dropped: 1 + 10 + 20}); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
	if n := f.log.Count("alert queue full"); n != 1 {
		t.Errorf("%d queue-full warnings for one overflow, want 1:\n%s", n, f.log)
	}
}

func TestQueueRefreshesWhenIdle(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	r := &receiver{}
	start(t, r, func(c *delivery.Config[item]) {
		c.RefreshInterval = 5 * time.Millisecond
		c.Refresh = func() (item, bool) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			// Every other call has nothing to refresh.
			return item{id: 100, alerts: 1}, calls%2 == 1
		}
	})
	proctest.WaitFor(t, 10*time.Second, "three refreshes", func() bool { return len(r.seen()) >= 3 })
	// Deliveries are read before the calls: each follows its call.
	got := len(r.seen())
	mu.Lock()
	c := calls
	mu.Unlock()
	if got > (c+1)/2 {
		t.Errorf("%d deliveries from %d refresh calls, of which only %d returned an item", got, c, (c+1)/2)
	}
}

func TestQueueShutdown(t *testing.T) {
	started := make(chan struct{}, 1)
	r := &receiver{answer: func(ctx context.Context, _ item, _ int) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	}}
	f := start(t, r, nil)
	f.q.Enqueue(item{id: 0, alerts: 2})
	f.q.Enqueue(item{id: 1, alerts: 3})
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := f.q.Shutdown(ctx)
	if err == nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "5 alerts left undelivered") {
		t.Fatalf("Shutdown(cancelled) = %v, want context.Canceled and 5 alerts left undelivered", err)
	}
	if got, want := f.meter.Counts(t, "test"), (deliverytest.Counts{Dropped: 5}); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
	if err := f.q.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown() = %v, want nil", err)
	}
	if err := f.q.Enqueue(item{id: 2, alerts: 1}); !errors.Is(err, exporters.ErrClosed) {
		t.Errorf("Enqueue after Shutdown = %v, want exporters.ErrClosed", err)
	}
	if !f.q.Closed() {
		t.Error("Closed() = false after Shutdown")
	}
}

func TestStartRefusesBadConfig(t *testing.T) {
	f := func(edit func(*delivery.Config[item])) error {
		cfg := delivery.Config[item]{
			Sink: "test", QueueSize: 1, Timeout: time.Second,
			Backoff:       delivery.Backoff{Initial: time.Millisecond, Max: time.Second},
			Deliver:       func(context.Context, item) error { return nil },
			Count:         func(item) int { return 1 },
			Logger:        (&deliverytest.Log{}).Logger(),
			MeterProvider: deliverytest.NewMeter(t).Provider,
		}
		edit(&cfg)
		q, err := delivery.Start(cfg)
		if q != nil {
			q.Shutdown(context.Background())
		}
		return err
	}
	tests := []struct {
		name string
		edit func(*delivery.Config[item])
		want string
	}{
		{"a zero queue size", func(c *delivery.Config[item]) { c.QueueSize = 0 }, "queue size 0: must be at least 1"},
		{"a zero timeout", func(c *delivery.Config[item]) { c.Timeout = 0 }, "timeout 0s: must be positive"},
		{"a refresh without an interval", func(c *delivery.Config[item]) { c.Refresh = func() (item, bool) { return item{}, false } }, "resend interval 0s"},
		{"no delivery function", func(c *delivery.Config[item]) { c.Deliver = nil }, "no delivery function"},
		{"no logger", func(c *delivery.Config[item]) { c.Logger = nil }, "nil logger"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			if err := f(tt.edit); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start() = %v, want an error with %q", err, tt.want)
			}
		})
	}
}
