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
	proctest.WaitFor(t, 30*time.Second, "both items delivered", func() bool { return f.meter.Counts(t, "test").Sent == 3 })
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
	proctest.WaitFor(t, 30*time.Second, "the newest items delivered", func() bool { return f.meter.Counts(t, "test").Sent == 30+40+50 })
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

// shutdownWithin runs Shutdown and fails the test if it has not returned
// within a generous deadline: it must never wait for the receiver.
func shutdownWithin(t *testing.T, q *delivery.Queue[item], ctx context.Context) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- q.Shutdown(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Shutdown is still waiting for the receiver after 30s")
		return nil
	}
}

func TestQueueShutdownIsBoundedWhenTheReceiverIsDown(t *testing.T) {
	tests := []struct {
		name string
		// answer is how the receiver answers every attempt.
		answer func(ctx context.Context, _ item, _ int) error
		// timeout is the budget of one attempt, and of the whole drain.
		timeout time.Duration
		want    string
	}{
		{
			name:    "a refusing receiver gets one final attempt, not retries until it is back",
			answer:  func(context.Context, item, int) error { return errors.New("connection refused") },
			timeout: time.Minute,
			want:    "final attempt: connection refused",
		},
		{
			name: "a hanging receiver is given up on when the attempt's budget is spent",
			answer: func(ctx context.Context, _ item, _ int) error {
				<-ctx.Done()
				return ctx.Err()
			},
			timeout: 50 * time.Millisecond,
			want:    "", // the attempt's deadline or the budget's, whichever the clock fires first
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &receiver{answer: tt.answer}
			f := start(t, r, func(c *delivery.Config[item]) {
				c.Timeout = tt.timeout
				// Retries far apart: only Shutdown's final attempt can end the wait.
				c.Backoff = delivery.Backoff{Initial: time.Hour, Max: time.Hour}
			})
			f.q.Enqueue(item{id: 0, alerts: 2})
			f.q.Enqueue(item{id: 1, alerts: 3})
			proctest.WaitFor(t, 30*time.Second, "the first attempt", func() bool { return len(r.seen()) >= 1 })

			err := shutdownWithin(t, f.q, context.Background())
			if err == nil || !strings.Contains(err.Error(), "5 alerts left undelivered") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Shutdown() = %v, want 5 alerts left undelivered: %s", err, tt.want)
			}
			if got := f.meter.Counts(t, "test"); got.Dropped != 5 || got.Sent != 0 {
				t.Errorf("counters %+v, want 5 dropped and none sent", got)
			}
			if n := f.log.Count("alerts left undelivered"); n != 1 || !strings.Contains(f.log.String(), "alerts=5") {
				t.Errorf("want one log line counting 5 alerts left undelivered:\n%s", f.log)
			}
			if err := shutdownWithin(t, f.q, context.Background()); err != nil {
				t.Errorf("second Shutdown() = %v, want nil", err)
			}
		})
	}
}

func TestQueueShutdownDeliversWhatIsQueuedWhenTheReceiverAnswers(t *testing.T) {
	release := make(chan struct{})
	r := &receiver{answer: func(ctx context.Context, it item, _ int) error {
		if it.id == 0 {
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}}
	f := start(t, r, nil)
	for id := range 3 {
		f.q.Enqueue(item{id: id, alerts: 1})
	}
	proctest.WaitFor(t, 30*time.Second, "the first attempt", func() bool { return len(r.seen()) >= 1 })
	close(release)
	if err := shutdownWithin(t, f.q, context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v, want every item delivered", err)
	}
	if got, want := f.meter.Counts(t, "test"), (deliverytest.Counts{Sent: 3}); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
}
