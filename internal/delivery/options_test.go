package delivery_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/delivery"
	"github.com/sloguard/sloguard/internal/delivery/deliverytest"
)

func TestResolveNamesEveryWrongOption(t *testing.T) {
	const ok = "http://receiver.example:9093/base"
	tests := []struct {
		name  string
		opts  []delivery.Option
		wants []string // every one must be in an error; none means valid
	}{
		{name: "the defaults with a URL are valid", opts: []delivery.Option{delivery.WithURL(ok)}},
		{name: "a nil option", opts: []delivery.Option{delivery.WithURL(ok), nil}, wants: []string{"nil Option"}},
		{name: "no URL", wants: []string{"WithURL: empty URL"}},
		{name: "a URL of another scheme", opts: []delivery.Option{delivery.WithURL("ftp://h")}, wants: []string{`WithURL: ftp://h: scheme "ftp" is not supported`}},
		{name: "a nil client", opts: []delivery.Option{delivery.WithURL(ok), delivery.WithHTTPClient(nil)}, wants: []string{"WithHTTPClient: nil client"}},
		{name: "a zero timeout", opts: []delivery.Option{delivery.WithURL(ok), delivery.WithTimeout(0)}, wants: []string{"WithTimeout(0s): must be positive"}},
		{name: "a zero queue size", opts: []delivery.Option{delivery.WithURL(ok), delivery.WithQueueSize(0)}, wants: []string{"WithQueueSize(0): must be at least 1"}},
		{name: "a backoff whose maximum is below its start", opts: []delivery.Option{delivery.WithURL(ok), delivery.WithRetryBackoff(time.Second, time.Millisecond)}, wants: []string{"WithRetryBackoff: maximum retry delay 1ms"}},
		{name: "a nil logger", opts: []delivery.Option{delivery.WithURL(ok), delivery.WithLogger(nil)}, wants: []string{"WithLogger: nil logger"}},
		{name: "a nil MeterProvider", opts: []delivery.Option{delivery.WithURL(ok), delivery.WithMeterProvider(nil)}, wants: []string{"WithMeterProvider: nil MeterProvider"}},
		{
			name:  "every problem at once",
			opts:  []delivery.Option{delivery.WithTimeout(-time.Second), delivery.WithQueueSize(-1), delivery.WithLogger(nil)},
			wants: []string{"WithURL", "WithTimeout(-1s)", "WithQueueSize(-1)", "WithLogger"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, errs := delivery.Resolve(tt.opts)
			err := errors.Join(errs...)
			if len(tt.wants) == 0 {
				if err != nil {
					t.Fatalf("Resolve() = %v, want no error", err)
				}
				if got := s.URL().String(); got != ok {
					t.Errorf("URL %s, want %s", got, ok)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one with %q", tt.wants)
			}
			if s != nil {
				t.Errorf("Settings came back with the error %v", err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Resolve() = %v, want an error with %q", err, w)
				}
			}
		})
	}
}

// sinkConfig is the config of a sink: the shared options and one of its own.
type sinkConfig struct {
	delivery []delivery.Option
	tag      string
}

type sinkOption func(*sinkConfig)

func withShared(o delivery.Option) sinkOption {
	return func(c *sinkConfig) { c.delivery = append(c.delivery, o) }
}

func (c *sinkConfig) shared() []delivery.Option { return c.delivery }

func (c *sinkConfig) validate() []error {
	if c.tag == "" {
		return []error{errors.New("withTag: empty")}
	}
	return nil
}

func TestConfigureAppliesOptionsInOrderThenValidates(t *testing.T) {
	withTag := func(s string) sinkOption { return func(c *sinkConfig) { c.tag = s } }
	target := withShared(delivery.WithURL("https://hooks.example/x"))
	tests := []struct {
		name  string
		opts  []sinkOption
		wants []string // none means valid
	}{
		{name: "shared and own options", opts: []sinkOption{target, withTag("a")}},
		{name: "a later option replaces an earlier one", opts: []sinkOption{target, withTag("a"), withShared(delivery.WithQueueSize(0)), withShared(delivery.WithQueueSize(5))}},
		{name: "an earlier option does not replace a later one", opts: []sinkOption{target, withTag("a"), withShared(delivery.WithQueueSize(5)), withShared(delivery.WithQueueSize(0))}, wants: []string{"invalid options", "WithQueueSize(0)"}},
		{name: "shared and own problems are joined", opts: []sinkOption{withShared(delivery.WithTimeout(0))}, wants: []string{"invalid options", "WithURL", "WithTimeout(0s)", "withTag: empty"}},
		{name: "a nil option", opts: []sinkOption{target, nil, withTag("a")}, wants: []string{"nil Option"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg sinkConfig
			s, err := delivery.Configure(&cfg, tt.opts, (*sinkConfig).shared, (*sinkConfig).validate)
			if len(tt.wants) == 0 {
				if err != nil || s == nil || s.URL().Host != "hooks.example" {
					t.Fatalf("Configure() = %v, %v; want the URL of hooks.example", s, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one with %q", tt.wants)
			}
			if s != nil {
				t.Errorf("a URL came back with the error %v", err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Configure() = %v, want an error with %q", err, w)
				}
			}
		})
	}
}

// resolve returns the Settings of opts, which must be valid.
func resolve(t *testing.T, opts ...delivery.Option) *delivery.Settings {
	t.Helper()
	s, errs := delivery.Resolve(append([]delivery.Option{delivery.WithURL("http://receiver.example/hook")}, opts...))
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSettingsClientIsTheCallersOrOneOfTheSinksOwn(t *testing.T) {
	given := &http.Client{}
	if c, onStop := resolve(t, delivery.WithHTTPClient(given)).Client(); c != given || onStop != nil {
		t.Errorf("Client() = %p, stop func %v; want the given client %p and nothing to stop: its connections are its owner's", c, onStop != nil, given)
	}

	// A redirected POST would arrive as a GET: the sink's own client must
	// not follow it.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	c, onStop := resolve(t).Client()
	if c == nil || c == http.DefaultClient || onStop == nil {
		t.Fatalf("Client() = %p, stop func %v; want a client of the sink's own and a way to close its connections", c, onStop != nil)
	}
	defer onStop()
	resp, err := c.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status %d: the client followed the redirect", resp.StatusCode)
	}
}

func TestStartQueueTakesItsSettingsFromTheOptions(t *testing.T) {
	meter := deliverytest.NewMeter(t)
	log := &deliverytest.Log{}
	o := resolve(t,
		delivery.WithQueueSize(1),
		delivery.WithTimeout(time.Hour),
		delivery.WithLogger(log.Logger()),
		delivery.WithMeterProvider(meter.Provider),
		delivery.WithRetryBackoff(time.Millisecond, time.Millisecond),
	)
	started := make(chan time.Duration, 1)
	gate := make(chan struct{})
	// The config leaves the options' fields zero, which Start refuses: the
	// queue starts only with the options' values.
	q, err := delivery.StartQueue(o, delivery.Config[item]{
		Sink:   "test",
		Target: "http://receiver.example/hook",
		Deliver: func(ctx context.Context, it item) error {
			if it.id == 0 {
				deadline, _ := ctx.Deadline()
				started <- time.Until(deadline)
				<-gate
			}
			return nil
		},
		Count: func(it item) int { return it.alerts },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		close(gate)
		if err := q.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	if err := q.Enqueue(item{id: 0, alerts: 1}); err != nil {
		t.Fatal(err)
	}
	if left := <-started; left <= 0 || left > time.Hour {
		t.Errorf("the attempt has %v left, want at most the hour of WithTimeout", left)
	}
	// Item 0 is in flight and fills the queue of one: 1 evicts it, 2 evicts 1.
	for id := 1; id <= 2; id++ {
		if err := q.Enqueue(item{id: id, alerts: 10 * id}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := meter.Counts(t, "test"), (deliverytest.Counts{Dropped: 1 + 10}); got != want {
		t.Errorf("counters of the options' meter provider %+v, want %+v", got, want)
	}
	if n := log.Count("alert queue full"); n != 1 {
		t.Errorf("%d queue-full warnings in the options' logger, want 1:\n%s", n, log)
	}
}
