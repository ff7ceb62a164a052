package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/internal/delivery"
	"github.com/sloguard/sloguard/slo"
)

// SinkName is the value of the counters' sink attribute.
const SinkName = "webhook"

// Version is the version of the body's shape.
const Version = "1"

// Payload is the body of every post.
type Payload struct {
	Version string      `json:"version"`
	Changed []slo.Alert `json:"changed"`
	Firing  []slo.Alert `json:"firing"`
}

// post is one queued body and the number of changed alerts it carries.
type post struct {
	body    []byte
	changed int
}

// Sink posts alerts to a webhook; see the package documentation.
type Sink struct {
	endpoint *url.URL
	header   http.Header
	client   *http.Client
	q        *delivery.Queue[post]
}

var _ slo.Sink = (*Sink)(nil)

// New returns a Sink posting to the URL of WithURL, and starts its delivery
// goroutine; call Shutdown to stop it.
func New(opts ...Option) (*Sink, error) {
	cfg, d, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	h := cfg.header.Clone()
	h.Set("Content-Type", "application/json")
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", "sloguard")
	}
	s := &Sink{endpoint: d.URL(), header: h}
	var onStop func()
	s.client, onStop = d.Client()
	s.q, err = delivery.StartQueue(d, delivery.Config[post]{
		Sink:    SinkName,
		Target:  delivery.Redact(d.URL()),
		Deliver: s.deliver,
		Count:   func(p post) int { return p.changed },
		OnStop:  onStop,
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return s, nil
}

// Send queues one post of changed and firing if changed is not empty, and
// returns at once; ctx is not consulted, since nothing waits.
func (s *Sink) Send(_ context.Context, changed, firing []slo.Alert) error {
	if s.q.Closed() {
		return exporters.ErrClosed
	}
	if len(changed) == 0 {
		return nil
	}
	// Encoded now: the alerts are the caller's, and may change after Send.
	p := Payload{Version: Version, Changed: changed, Firing: firing}
	if p.Firing == nil {
		p.Firing = []slo.Alert{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return fmt.Errorf("webhook: encode alerts: %w", err)
	}
	if err := s.q.Enqueue(post{body: buf.Bytes(), changed: len(changed)}); err != nil {
		if errors.Is(err, exporters.ErrClosed) {
			return exporters.ErrClosed
		}
		return fmt.Errorf("webhook: %w", err)
	}
	return nil
}

// deliver posts one body. It runs on the delivery goroutine only.
func (s *Sink) deliver(ctx context.Context, p post) error {
	return delivery.Post(ctx, s.client, s.endpoint, s.header, p.body)
}

// ForceFlush waits until the posts queued so far are delivered or given up
// on, retries included, or until ctx ends (an error wrapping ctx.Err()).
// After Shutdown it returns exporters.ErrClosed.
func (s *Sink) ForceFlush(ctx context.Context) error {
	if err := s.q.ForceFlush(ctx); err != nil {
		if errors.Is(err, exporters.ErrClosed) {
			return exporters.ErrClosed
		}
		return fmt.Errorf("webhook: %w", err)
	}
	return nil
}

// Shutdown stops accepting alerts and waits until the queued posts are
// delivered or ctx ends, in which case it returns an error saying how many
// alerts were left undelivered. Calling it again returns nil.
func (s *Sink) Shutdown(ctx context.Context) error {
	if err := s.q.Shutdown(ctx); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	return nil
}
