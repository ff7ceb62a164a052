package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// ScopeName is the instrumentation scope of the demo's counters.
const ScopeName = "github.com/sloguard/sloguard/internal/demo"

// MaxSlow caps ?simulate=slow&ms=N.
const MaxSlow = 10 * time.Second

// MaxBody is the largest request body a demo route reads.
const MaxBody = 1 << 20

// SignatureHeader must be present on webhook deliveries.
const SignatureHeader = "Stripe-Signature"

// Config configures the demo application.
type Config struct {
	// Faults turns on ?simulate=error and ?simulate=slow&ms=N; without it
	// those parameters do nothing.
	Faults bool
	// MeterProvider records webhook.deliveries, webhook.rejected and
	// payments.processed (default: no-op).
	MeterProvider metric.MeterProvider
}

// App is the demo service.
type App struct {
	cfg      Config
	webhooks metric.Int64Counter
	rejected metric.Int64Counter
	payments metric.Int64Counter
	ready    atomic.Bool
	nextID   atomic.Int64
}

// Outcomes recorded on the counters.
var (
	outcomeSuccess = attribute.NewSet(attribute.String("outcome", "success"))
	outcomeFailure = attribute.NewSet(attribute.String("outcome", "failure"))
	outcomeError   = attribute.NewSet(attribute.String("outcome", "error"))
	outcomeInvalid = attribute.NewSet(attribute.String("outcome", "invalid"))

	// Reasons a webhook request is rejected (answered 400): the client's
	// input, not a delivery the service failed.
	reasonUnsigned  = attribute.NewSet(attribute.String("reason", "unsigned"))
	reasonMalformed = attribute.NewSet(attribute.String("reason", "malformed"))
)

// New builds the demo application.
func New(cfg Config) (*App, error) {
	if cfg.MeterProvider == nil {
		cfg.MeterProvider = noop.NewMeterProvider()
	}
	m := cfg.MeterProvider.Meter(ScopeName)
	a := &App{cfg: cfg}
	var err1, err2, err3 error
	a.webhooks, err1 = m.Int64Counter("webhook.deliveries",
		metric.WithUnit("{delivery}"),
		metric.WithDescription("Webhook deliveries accepted for processing, by outcome (success, failure: the service failed to process it)."))
	a.rejected, err3 = m.Int64Counter("webhook.rejected",
		metric.WithUnit("{request}"),
		metric.WithDescription("Webhook requests rejected for their input (answered 400), by reason (unsigned, malformed); not deliveries, so not in the webhook SLO."))
	a.payments, err2 = m.Int64Counter("payments.processed",
		metric.WithUnit("{payment}"),
		metric.WithDescription("Payment requests, by outcome (success, error: failed on our side, invalid: rejected input)."))
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	a.ready.Store(true)
	return a, nil
}

// SetReady sets what /readyz answers; a service draining for shutdown sets false.
func (a *App) SetReady(ready bool) { a.ready.Store(ready) }

// Register adds the demo routes to r.
func (a *App) Register(r *mux.Router) {
	r.HandleFunc("/api/items/{id}", a.faults(a.getItem)).Methods(http.MethodGet)
	r.HandleFunc("/api/payments", a.faults(a.postPayment)).Methods(http.MethodPost)
	r.HandleFunc("/webhooks/stripe", a.faults(a.postWebhook)).Methods(http.MethodPost)
	r.HandleFunc("/healthz", a.healthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", a.readyz).Methods(http.MethodGet, http.MethodHead)
}

// faults applies ?simulate=slow&ms=N and ?simulate=error when enabled.
// simulate=error is passed to the handler, which fails the way its route
// fails (so the webhook counts a failed delivery).
func (a *App) faults(h func(http.ResponseWriter, *http.Request, bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.cfg.Faults {
			h(w, r, false)
			return
		}
		q := r.URL.Query()
		fail := false
		for _, s := range q["simulate"] {
			switch s {
			case "error":
				fail = true
			case "slow":
				ms, err := strconv.Atoi(q.Get("ms"))
				if err != nil || ms < 0 {
					writeJSON(w, http.StatusBadRequest, map[string]string{"error": "simulate=slow needs ms=N with N a whole number of milliseconds >= 0"})
					return
				}
				d := min(time.Duration(ms)*time.Millisecond, MaxSlow)
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			default:
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("simulate=%q: want error or slow", s)})
				return
			}
		}
		h(w, r, fail)
	}
}

func (a *App) getItem(w http.ResponseWriter, r *http.Request, fail bool) {
	if fail {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "simulated failure"})
		return
	}
	id := mux.Vars(r)["id"]
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "name": "item " + id, "price_cents": 1000 + len(id)})
}

type payment struct {
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
}

func (a *App) postPayment(w http.ResponseWriter, r *http.Request, fail bool) {
	ctx := r.Context()
	var p payment
	if err := decode(w, r, &p); err != nil {
		a.payments.Add(ctx, 1, metric.WithAttributeSet(outcomeInvalid))
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if p.AmountCents <= 0 || len(p.Currency) != 3 {
		a.payments.Add(ctx, 1, metric.WithAttributeSet(outcomeInvalid))
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "amount_cents must be > 0 and currency a 3-letter code"})
		return
	}
	if fail {
		a.payments.Add(ctx, 1, metric.WithAttributeSet(outcomeError))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "simulated failure"})
		return
	}
	a.payments.Add(ctx, 1, metric.WithAttributeSet(outcomeSuccess))
	writeJSON(w, http.StatusCreated, map[string]any{"id": a.nextID.Add(1), "status": "captured", "amount_cents": p.AmountCents, "currency": p.Currency})
}

// postWebhook receives a delivery. A request without a signature or with a
// body that is not one JSON object is the sender's error (400): it is
// counted in webhook.rejected, never as a failed delivery, so that anyone
// able to reach the endpoint cannot spend the webhook SLO's budget. Only
// what the service fails to do (500) is a failure.
func (a *App) postWebhook(w http.ResponseWriter, r *http.Request, fail bool) {
	ctx := r.Context()
	if r.Header.Get(SignatureHeader) == "" {
		a.rejected.Add(ctx, 1, metric.WithAttributeSet(reasonUnsigned))
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "missing " + SignatureHeader + " header"})
		return
	}
	var event map[string]any
	if err := decode(w, r, &event); err != nil {
		a.rejected.Add(ctx, 1, metric.WithAttributeSet(reasonMalformed))
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if fail {
		a.webhooks.Add(ctx, 1, metric.WithAttributeSet(outcomeFailure))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "simulated failure"})
		return
	}
	a.webhooks.Add(ctx, 1, metric.WithAttributeSet(outcomeSuccess))
	writeJSON(w, http.StatusOK, map[string]bool{"received": true})
}

func (a *App) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *App) readyz(w http.ResponseWriter, _ *http.Request) {
	if !a.ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// decode reads one JSON value of at most MaxBody bytes.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("body larger than %d bytes", MaxBody)
		}
		if errors.Is(err, io.EOF) {
			return errors.New("empty body: want a JSON object")
		}
		return fmt.Errorf("malformed JSON body: %v", err)
	}
	if dec.More() {
		return errors.New("malformed JSON body: more than one value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
