package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/exporters/webhook"
	"github.com/sloguard/sloguard/internal/delivery/deliverytest"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
)

// post is one request the test receiver got.
type post struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// receiver is a webhook endpoint answering with the statuses of answers in
// turn, then 204.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	posts   []post
	answers []int
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{answers: answers}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.posts = append(r.posts, post{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Clone(), body})
		status := http.StatusNoContent
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.posts...)
}

func alert(name, sloName, state string, at time.Time) slo.Alert {
	burn := 16.0
	a := slo.Alert{
		TS: at, Event: slo.AlertEvent, State: state, Name: name, SLO: sloName, Service: "checkout",
		Severity: "page", LongWindow: "1h", ShortWindow: "5m", BurnRate: &burn, Factor: 14.4,
		Breaches: []string{}, BudgetRemainingPct: 40, BudgetConsumedPct: 60, BurnPerDayPct: 5,
		Summary: "SLO " + sloName + " burns its budget", Labels: map[string]string{"team": "payments"},
		StartsAt: at,
	}
	if state == slo.StateResolved {
		end := at.Add(time.Hour)
		a.EndsAt = &end
	}
	return a
}

func TestWebhookRetriesFailuresAndDeliversOnce(t *testing.T) {
	rec := newReceiver(t, http.StatusInternalServerError, http.StatusServiceUnavailable)
	meter := deliverytest.NewMeter(t)
	log := &deliverytest.Log{}
	s, err := webhook.New(
		webhook.WithURL(rec.srv.URL+"/hooks/slo?token=s3cret-query"),
		webhook.WithHeader("Authorization", "Bearer s3cret-header"),
		webhook.WithHeader("x-tenant", "blue"),
		webhook.WithRetryBackoff(time.Millisecond, 10*time.Millisecond),
		webhook.WithMeterProvider(meter.Provider),
		webhook.WithLogger(log.Logger()),
	)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	started := alert(slo.AlertErrorBudgetBurn, "availability", slo.StateFiring, at)
	resolved := alert(slo.AlertBreach, "latency_p95", slo.StateResolved, at.Add(-2*time.Hour))
	changed := []slo.Alert{started, resolved}
	firing := []slo.Alert{started}
	if err := s.Send(context.Background(), changed, firing); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	proctest.WaitFor(t, 30*time.Second, "the post delivered after two failures", func() bool {
		return meter.Counts(t, webhook.SinkName).Sent == 2
	})
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}

	posts := rec.received()
	if len(posts) != 3 {
		t.Fatalf("%d posts, want 3: two failures, then the delivery, then nothing", len(posts))
	}
	for i, p := range posts {
		if p.method != http.MethodPost || p.path != "/hooks/slo" || p.query != "token=s3cret-query" {
			t.Errorf("post %d: %s %s?%s", i, p.method, p.path, p.query)
		}
		if got := p.header.Get("Authorization"); got != "Bearer s3cret-header" {
			t.Errorf("post %d: Authorization %q", i, got)
		}
		if got := p.header.Get("X-Tenant"); got != "blue" {
			t.Errorf("post %d: X-Tenant %q", i, got)
		}
		if got := p.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("post %d: Content-Type %q", i, got)
		}
		if string(p.body) != string(posts[0].body) {
			t.Errorf("post %d differs from the first: a retry sends the same body", i)
		}
	}

	var raw map[string]json.RawMessage
	if err := json.Unmarshal(posts[2].body, &raw); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, posts[2].body)
	}
	if string(raw["version"]) != `"1"` {
		t.Errorf(`version %s, want "1"`, raw["version"])
	}
	var body struct {
		Changed []slo.Alert `json:"changed"`
		Firing  []slo.Alert `json:"firing"`
	}
	if err := json.Unmarshal(posts[2].body, &body); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(body.Changed, changed) {
		t.Errorf("changed\n got %+v\nwant %+v", body.Changed, changed)
	}
	if !reflect.DeepEqual(body.Firing, firing) {
		t.Errorf("firing\n got %+v\nwant %+v", body.Firing, firing)
	}

	if got, want := meter.Counts(t, webhook.SinkName), (deliverytest.Counts{Sent: 2, Failed: 4}); got != want {
		t.Errorf("counters %+v, want %+v (two alerts, failed twice, then sent)", got, want)
	}
	if n := log.Count("alert delivery failing"); n != 1 {
		t.Errorf("%d failure warnings for one outage, want 1:\n%s", n, log)
	}
	if n := log.Count("alert delivery recovered"); n != 1 {
		t.Errorf("%d recovery lines, want 1:\n%s", n, log)
	}
	for _, secret := range []string{"s3cret-header", "s3cret-query", "blue"} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("the log shows %q:\n%s", secret, log)
		}
	}
}

func TestWebhookPostsOnlyWhenSomethingChanged(t *testing.T) {
	rec := newReceiver(t)
	s, err := webhook.New(webhook.WithURL(rec.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	still := alert(slo.AlertBreach, "availability", slo.StateFiring, at)
	news := alert(slo.AlertBudgetConsumed, "availability", slo.StateFiring, at)
	ctx := context.Background()
	if err := s.Send(ctx, nil, []slo.Alert{still}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, []slo.Alert{news}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	posts := rec.received()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1: a Send with nothing changed posts nothing", len(posts))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(posts[0].body, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["firing"]) != "[]" {
		t.Errorf(`firing %s, want [] for no firing alert, never null`, raw["firing"])
	}
}

func TestWebhookDoesNotRetryARejection(t *testing.T) {
	rec := newReceiver(t, http.StatusUnauthorized)
	meter := deliverytest.NewMeter(t)
	s, err := webhook.New(webhook.WithURL(rec.srv.URL), webhook.WithMeterProvider(meter.Provider),
		webhook.WithLogger((&deliverytest.Log{}).Logger()))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	s.Send(ctx, []slo.Alert{alert(slo.AlertBreach, "a", slo.StateFiring, at)}, nil)
	s.Send(ctx, []slo.Alert{alert(slo.AlertBreach, "b", slo.StateFiring, at)}, nil)
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	posts := rec.received()
	if len(posts) != 2 || !strings.Contains(string(posts[1].body), `"slo":"b"`) {
		t.Fatalf("%d posts, want the rejected one once, then the next", len(posts))
	}
	if got, want := meter.Counts(t, webhook.SinkName), (deliverytest.Counts{Sent: 1, Failed: 1, Dropped: 1}); got != want {
		t.Errorf("counters %+v, want %+v", got, want)
	}
}

func TestWebhookSendAfterShutdownFails(t *testing.T) {
	s, err := webhook.New(webhook.WithURL("http://127.0.0.1:1/hook"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown() = %v, want nil", err)
	}
	a := alert(slo.AlertBreach, "a", slo.StateFiring, time.Now())
	if err := s.Send(context.Background(), []slo.Alert{a}, nil); !errors.Is(err, exporters.ErrClosed) {
		t.Errorf("Send after Shutdown = %v, want exporters.ErrClosed", err)
	}
}

func TestWebhookShutdownGivesUpAfterOneFinalAttempt(t *testing.T) {
	rec := newReceiver(t, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
	meter := deliverytest.NewMeter(t)
	s, err := webhook.New(webhook.WithURL(rec.srv.URL), webhook.WithMeterProvider(meter.Provider),
		webhook.WithRetryBackoff(time.Hour, time.Hour), webhook.WithLogger((&deliverytest.Log{}).Logger()))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Send(context.Background(), []slo.Alert{alert(slo.AlertBreach, "a", slo.StateFiring, at), alert(slo.AlertBreach, "b", slo.StateFiring, at)}, nil)
	proctest.WaitFor(t, 30*time.Second, "the first post", func() bool { return len(rec.received()) >= 1 })
	// The next retry is an hour away: Shutdown does not wait for it.
	err = s.Shutdown(context.Background())
	if err == nil || !strings.Contains(err.Error(), "2 alerts left undelivered") || !strings.Contains(err.Error(), "500") {
		t.Errorf("Shutdown() = %v, want 2 alerts left undelivered after a final 500", err)
	}
	if n := len(rec.received()); n != 2 {
		t.Errorf("%d posts, want 2: the first and Shutdown's final attempt", n)
	}
	if got := meter.Counts(t, webhook.SinkName); got.Dropped != 2 || got.Sent != 0 {
		t.Errorf("counters %+v, want 2 dropped and none sent", got)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    []webhook.Option
		want    string
		private string // must not appear in the error
	}{
		{name: "no URL", want: "WithURL: empty URL"},
		{name: "a URL of another scheme", opts: []webhook.Option{webhook.WithURL("mailto:ops@example.com")}, want: "no // after the scheme"},
		{name: "a header name with a space", opts: []webhook.Option{webhook.WithURL("http://h"), webhook.WithHeader("X Token", "v")}, want: `WithHeader("X Token"): not a valid header name`},
		{name: "a header value with a line break", opts: []webhook.Option{webhook.WithURL("http://h"), webhook.WithHeader("Authorization", "Bearer abc\r\nX-Evil: 1")},
			want: `WithHeader("Authorization"): the value holds a character`, private: "Bearer abc"},
		{name: "a header the sink sets itself", opts: []webhook.Option{webhook.WithURL("http://h"), webhook.WithHeader("content-type", "text/plain")}, want: `WithHeader("content-type"): the sink sets this header itself`},
		{name: "a zero queue size", opts: []webhook.Option{webhook.WithURL("http://h"), webhook.WithQueueSize(0)}, want: "WithQueueSize(0)"},
		{name: "a nil MeterProvider", opts: []webhook.Option{webhook.WithURL("http://h"), webhook.WithMeterProvider(nil)}, want: "WithMeterProvider: nil MeterProvider"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			s, err := webhook.New(tt.opts...)
			if err == nil {
				s.Shutdown(context.Background())
				t.Fatalf("New() succeeded, want an error with %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() = %v, want an error with %q", err, tt.want)
			}
			if tt.private != "" && strings.Contains(err.Error(), tt.private) {
				t.Errorf("New() = %v: the error shows the header's value", err)
			}
		})
	}
}
