package slo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/exporters/webhook"
	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/storetest"
)

// fullDisk is a store on a full disk: it reads what it holds, and every
// write fails as a write to a full disk does.
type fullDisk struct{ slo.Store }

func (fullDisk) Append(context.Context, slo.Sample) error {
	return fmt.Errorf("append: %w", syscall.ENOSPC)
}
func (fullDisk) SaveFiring(context.Context, []slo.Alert) error {
	return fmt.Errorf("save firing: %w", syscall.ENOSPC)
}

// alertReceiver is the webhook's receiving end.
type alertReceiver struct {
	mu     sync.Mutex
	alerts []slo.Alert
}

func (a *alertReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var payload webhook.Payload
	if err := json.Unmarshal(body, &payload); err == nil {
		a.mu.Lock()
		a.alerts = append(a.alerts, payload.Changed...)
		a.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

func (a *alertReceiver) firingFor(name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, al := range a.alerts {
		if al.SLO == name && al.State == slo.StateFiring {
			return true
		}
	}
	return false
}

// With the disk full the store takes no sample, yet the service is failing:
// the evaluation goes on from the samples in memory, the page reaches the
// webhook (which needs no disk), and the report says the store cannot write
// and how old its data is.
func TestWithTheDiskFullAlertsStillReachTheSinksThatNeedNoDisk(t *testing.T) {
	noLeaks(t)
	ctx := context.Background()
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	recv := &alertReceiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	sink, err := webhook.New(webhook.WithURL(srv.URL), webhook.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Shutdown(ctx)
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: fullDisk{storetest.NewMemStore()}, Sinks: []slo.Sink{sink}})

	for i := range 200 {
		status := 200
		if i%2 == 0 {
			status = 500
		}
		tm.request("/api/items/{id}", "GET", status, 0.01)
	}
	err = p.ForceFlush(ctx)
	if err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("ForceFlush on a full disk: %v, want the store's error", err)
	}
	rep, err := p.Evaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Error != "" || !strings.Contains(rep.StoreError, "no space left") {
		t.Errorf("report: error %q, store error %q; want no error and the store's failure said", rep.Error, rep.StoreError)
	}
	av := rep.SLOs["availability"]
	if av.Total != 200 || av.Bad != 100 || av.Status != slo.StatusCritical {
		t.Errorf("availability %v bad of %v, %s; want 100 of 200 from memory, CRITICAL", av.Bad, av.Total, av.Status)
	}
	if rep.LastSampleTS == nil || rep.DataAgeSeconds == nil || *rep.DataAgeSeconds < 0 || rep.LastSampleTS.After(rep.TS) {
		t.Errorf("report data age: last sample %v, age %v at %v; want the sample kept in memory", rep.LastSampleTS, rep.DataAgeSeconds, rep.TS)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !recv.firingFor("availability") {
		if time.Now().After(deadline) {
			t.Fatal("no availability alert reached the webhook while the disk was full")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
