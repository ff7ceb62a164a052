package slo_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/storetest"
)

func TestLoopsRunOnTheClockAndStopAtShutdown(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	store := storetest.NewMemStore()
	ticks := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(ticks))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	reportPath := filepath.Join(t.TempDir(), "r.json")
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: store, Clock: clock, MeterProvider: mp, ReportPath: reportPath})
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err == nil {
		t.Error("a second Start: no error")
	}
	if _, ok := p.Report(); !ok {
		t.Fatal("no report after Start")
	}
	waitFor(t, "the loop's tickers", func() bool { return clock.tickerCount() == 2 })
	tm.request("/a", "GET", 200, 0.1)
	clock.Advance(time.Minute)
	waitFor(t, "a sample on the sample tick", func() bool {
		end, _ := store.LastEnd(context.Background())
		return end.Equal(t0.Add(time.Minute))
	})
	for range 14 {
		clock.Advance(time.Minute)
	}
	// a sample flushed twice at the same instant ends 1ms later: the
	// evaluation may be at 15m or just after.
	waitFor(t, "an evaluation on the evaluation tick", func() bool {
		r, _ := p.Report()
		return !r.TS.Before(t0.Add(15 * time.Minute))
	})
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("a second Shutdown: %v", err)
	}
	if clock.tickerCount() != 0 {
		t.Errorf("%d tickers still running after Shutdown", clock.tickerCount())
	}
	if _, err := p.Evaluate(context.Background()); !errors.Is(err, exporters.ErrClosed) {
		t.Errorf("Evaluate after Shutdown: err = %v, want exporters.ErrClosed", err)
	}
	rep, _ := p.Report()
	if got := rep.SLOs["availability"].Total; got != 1 {
		t.Errorf("last report counts %g requests, want 1", got)
	}
	// start, the evaluation tick and shutdown: three ticks counted.
	var rm metricdata.ResourceMetrics
	if err := ticks.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if got := tickCount(rm); got != 3 {
		t.Errorf("%s = %d, want 3", slo.TickMetric, got)
	}
}

func TestShutdownHonoursItsContext(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: storetest.NewMemStore(), Clock: newFakeClock(t0)})
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with a cancelled context: err = %v, want context.Canceled", err)
	}
}
