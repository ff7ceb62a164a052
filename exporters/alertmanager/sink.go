package alertmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/internal/delivery"
	"github.com/sloguard/sloguard/slo"
)

// SinkName is the value of the counters' sink attribute.
const SinkName = "alertmanager"

// AlertsPath is the API endpoint the alerts are posted to, under the URL
// of WithURL.
const AlertsPath = "/api/v2/alerts"

// Sink posts alerts to Alertmanager; see the package documentation.
type Sink struct {
	cfg      config
	endpoint *url.URL
	client   *http.Client
	q        *delivery.Queue[[]queued]

	mu     sync.Mutex
	firing []queued // re-posted every resend interval
}

var _ slo.Sink = (*Sink)(nil)

// New returns a Sink posting to the Alertmanager of WithURL, and starts its
// delivery goroutine; call Shutdown to stop it.
func New(opts ...Option) (*Sink, error) {
	cfg, d, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	endpoint := d.URL().JoinPath(AlertsPath)
	s := &Sink{cfg: cfg, endpoint: endpoint}
	var onStop func()
	s.client, onStop = d.Client()
	s.q, err = delivery.StartQueue(d, delivery.Config[[]queued]{
		Sink:            SinkName,
		Target:          delivery.Redact(endpoint),
		Deliver:         s.post,
		Count:           func(b []queued) int { return len(b) },
		Refresh:         s.refresh,
		RefreshInterval: cfg.resend,
		OnStop:          onStop,
	})
	if err != nil {
		return nil, fmt.Errorf("alertmanager: %w", err)
	}
	return s, nil
}

// Send queues one post holding the alerts of changed that resolved and
// every alert of firing, and remembers firing as the alerts to keep alive.
// It returns at once; ctx is not consulted, since nothing waits.
func (s *Sink) Send(_ context.Context, changed, firing []slo.Alert) error {
	b := s.batch(changed, firing)
	keep := make([]queued, 0, len(firing))
	for _, q := range b {
		if !q.resolved {
			keep = append(keep, q)
		}
	}
	if s.q.Closed() {
		return exporters.ErrClosed
	}
	s.mu.Lock()
	s.firing = keep
	s.mu.Unlock()
	if len(b) == 0 {
		return nil
	}
	if err := s.q.Enqueue(b); err != nil {
		if errors.Is(err, exporters.ErrClosed) {
			return exporters.ErrClosed
		}
		return fmt.Errorf("alertmanager: %w", err)
	}
	return nil
}

// refresh is the periodic re-post of the firing alerts.
func (s *Sink) refresh() ([]queued, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.firing) == 0 {
		return nil, false
	}
	return s.firing, true
}

// post sends one batch. It runs on the delivery goroutine only.
func (s *Sink) post(ctx context.Context, b []queued) error {
	body, err := json.Marshal(postable(b, time.Now(), ValidityFactor*s.cfg.resend))
	if err != nil {
		return delivery.Permanent(fmt.Errorf("encode alerts: %w", err))
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "sloguard")
	return delivery.Post(ctx, s.client, s.endpoint, h, body)
}

// ForceFlush waits until the posts queued so far are delivered or given up
// on, retries included, or until ctx ends (an error wrapping ctx.Err()).
// After Shutdown it returns exporters.ErrClosed.
func (s *Sink) ForceFlush(ctx context.Context) error {
	if err := s.q.ForceFlush(ctx); err != nil {
		if errors.Is(err, exporters.ErrClosed) {
			return exporters.ErrClosed
		}
		return fmt.Errorf("alertmanager: %w", err)
	}
	return nil
}

// Shutdown stops accepting alerts and waits until the queued posts are
// delivered or ctx ends, in which case it returns an error saying how many
// alerts were left undelivered. Firing alerts are not resolved: they expire
// in Alertmanager at their endsAt unless a new process re-sends them.
// Calling it again returns nil.
func (s *Sink) Shutdown(ctx context.Context) error {
	if err := s.q.Shutdown(ctx); err != nil {
		return fmt.Errorf("alertmanager: %w", err)
	}
	return nil
}
