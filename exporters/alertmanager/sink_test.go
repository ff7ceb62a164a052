package alertmanager

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/internal/delivery/deliverytest"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
)

func TestNewRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"no URL", nil, "WithURL: empty URL"},
		{"a URL of another scheme", []Option{WithURL("ftp://am:9093")}, `WithURL: ftp://am:9093: scheme "ftp" is not supported`},
		{"a host without a scheme", []Option{WithURL("am:9093")}, "WithURL: am:9093: not a URL with a host: no // after the scheme"},
		{"a zero queue size", []Option{WithURL("http://am:9093"), WithQueueSize(0)}, "WithQueueSize(0): must be at least 1"},
		{"a zero resend interval", []Option{WithURL("http://am:9093"), WithResendInterval(0)}, "WithResendInterval(0s): must be positive"},
		{"a negative timeout", []Option{WithURL("http://am:9093"), WithTimeout(-time.Second)}, "WithTimeout(-1s): must be positive"},
		{"a zero initial backoff", []Option{WithURL("http://am:9093"), WithRetryBackoff(0, time.Second)}, "WithRetryBackoff: initial retry delay 0s"},
		{"a nil client", []Option{WithURL("http://am:9093"), WithHTTPClient(nil)}, "WithHTTPClient: nil client"},
		{"a nil logger", []Option{WithURL("http://am:9093"), WithLogger(nil)}, "WithLogger: nil logger"},
		{"a relative generator URL", []Option{WithURL("http://am:9093"), WithGeneratorURL("/dashboard")}, `WithGeneratorURL("/dashboard"): not an absolute URL`},
		{"an external label that is no label name", []Option{WithURL("http://am:9093"), WithExternalLabels(map[string]string{"k8s-cluster": "a"})}, `"k8s-cluster" is not a label name`},
		{"a nil option", []Option{WithURL("http://am:9093"), nil}, "nil Option"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			s, err := New(tt.opts...)
			if err == nil {
				s.Shutdown(context.Background())
				t.Fatalf("New() succeeded, want an error with %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// recorder is an HTTP server that keeps what was posted to it and answers
// with the statuses of answers in turn (200 once they run out).
type recorder struct {
	srv     *httptest.Server
	mu      sync.Mutex
	posts   []recorded
	answers []int
}

type recorded struct {
	path, contentType string
	alerts            []postableAlert
}

func newRecorder(t *testing.T, answers ...int) *recorder {
	r := &recorder{answers: answers}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var as []postableAlert
		_ = json.Unmarshal(body, &as)
		r.mu.Lock()
		r.posts = append(r.posts, recorded{req.URL.Path, req.Header.Get("Content-Type"), as})
		status := http.StatusOK
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
		if status == http.StatusBadRequest {
			io.WriteString(w, `{"code":400,"message":"invalid alert"}`)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) received() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.posts...)
}

func TestSinkPostsJSONUnderThePathPrefix(t *testing.T) {
	rec := newRecorder(t)
	s, err := New(WithURL(rec.srv.URL+"/alertmanager/"), WithGeneratorURL("http://sloguard:8080/dashboard"))
	if err != nil {
		t.Fatal(err)
	}
	firing, _ := burnAlert(t)
	before := time.Now()
	if err := s.Send(context.Background(), []slo.Alert{firing}, []slo.Alert{firing}); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	posts := rec.received()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1", len(posts))
	}
	p := posts[0]
	if p.path != "/alertmanager/api/v2/alerts" || p.contentType != "application/json" {
		t.Errorf("posted %s to %s, want application/json to /alertmanager/api/v2/alerts", p.contentType, p.path)
	}
	if len(p.alerts) != 1 {
		t.Fatalf("%d alerts in the post, want 1 (the new alert is also in firing: once)", len(p.alerts))
	}
	a := p.alerts[0]
	if a.GeneratorURL != "http://sloguard:8080/dashboard" {
		t.Errorf("generatorURL %q", a.GeneratorURL)
	}
	validity := ValidityFactor * DefaultResendInterval
	if a.EndsAt == nil || a.EndsAt.Before(before.Add(validity)) || a.EndsAt.After(after.Add(validity)) {
		t.Errorf("endsAt %v, want %v after the post", a.EndsAt, validity)
	}
}

func TestSinkDoesNotRetryARejectedPost(t *testing.T) {
	rec := newRecorder(t, http.StatusBadRequest)
	meter := deliverytest.NewMeter(t)
	log := &deliverytest.Log{}
	s, err := New(WithURL(rec.srv.URL), WithMeterProvider(meter.Provider), WithLogger(log.Logger()),
		WithRetryBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	first := slo.Alert{Name: "SLOBreach", SLO: "a", Severity: "critical", State: slo.StateFiring}
	second := slo.Alert{Name: "SLOBreach", SLO: "b", Severity: "critical", State: slo.StateFiring}
	s.Send(context.Background(), []slo.Alert{first}, []slo.Alert{first})
	s.Send(context.Background(), []slo.Alert{second}, []slo.Alert{second})
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	posts := rec.received()
	if len(posts) != 2 || len(posts[1].alerts) != 1 || posts[1].alerts[0].Labels["slo"] != "b" {
		t.Fatalf("posts %+v, want the rejected one once, then the next", posts)
	}
	if got, want := meter.Counts(t, SinkName), (deliverytest.Counts{Sent: 1, Failed: 1, Dropped: 1}); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
	if !strings.Contains(log.String(), "invalid alert") {
		t.Errorf("the log does not quote Alertmanager's answer:\n%s", log)
	}
}

func TestSendAfterShutdownFails(t *testing.T) {
	s, err := New(WithURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown() = %v, want nil", err)
	}
	a := slo.Alert{Name: "SLOBreach", SLO: "a"}
	if err := s.Send(context.Background(), []slo.Alert{a}, []slo.Alert{a}); !errors.Is(err, exporters.ErrClosed) {
		t.Errorf("Send after Shutdown = %v, want exporters.ErrClosed", err)
	}
	if err := s.Send(context.Background(), nil, nil); !errors.Is(err, exporters.ErrClosed) {
		t.Errorf("an empty Send after Shutdown = %v, want exporters.ErrClosed", err)
	}
}

// holdingListener accepts connections and never answers on them.
type holdingListener struct {
	ln       net.Listener
	accepted atomic.Int32
}

func hold(t *testing.T) *holdingListener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &holdingListener{ln: ln}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			h.accepted.Add(1)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return h
}

func TestAnAlertmanagerThatNeverAnswersHoldsNothingUp(t *testing.T) {
	h := hold(t)
	meter := deliverytest.NewMeter(t)
	log := &deliverytest.Log{}
	const size, sends = 3, 10
	// Each post would wait an hour for its answer: were Send to wait for
	// delivery, the test would hang.
	s, err := New(WithURL("http://"+h.ln.Addr().String()), WithTimeout(time.Hour), WithQueueSize(size),
		WithMeterProvider(meter.Provider), WithLogger(log.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	for i := range sends {
		a := slo.Alert{Name: "SLOBreach", SLO: string(rune('a' + i)), Severity: "critical", State: slo.StateFiring}
		if err := s.Send(context.Background(), []slo.Alert{a}, []slo.Alert{a}); err != nil {
			t.Fatalf("Send #%d = %v", i, err)
		}
	}
	// Every Send queued one post of one alert; the queue keeps the newest.
	if got, want := meter.Counts(t, SinkName), (deliverytest.Counts{Dropped: sends - size}); got != want {
		t.Errorf("counters after %d sends %+v, want %+v", sends, got, want)
	}
	proctest.WaitFor(t, 30*time.Second, "a connection to the silent Alertmanager", func() bool { return h.accepted.Load() >= 1 })
	if n := log.Count("alert queue full"); n != 1 {
		t.Errorf("%d queue-full warnings for one outage, want 1:\n%s", n, log)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.Shutdown(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "3 alerts left undelivered") {
		t.Errorf("Shutdown(cancelled) = %v, want context.Canceled and 3 alerts left undelivered", err)
	}
	if got, want := meter.Counts(t, SinkName), (deliverytest.Counts{Dropped: sends}); got != want {
		t.Errorf("counters after Shutdown %+v, want %+v", got, want)
	}
}
