package api

import (
	"context"
	"sync"
	"time"

	"github.com/sloguard/sloguard/internal/apitest"
	"github.com/sloguard/sloguard/slo"
)

// testEngine is an Engine whose reports are built here from event counts, the
// way an SLO processor derives them, so the tests have realistic figures with
// nothing copied from the code under test.
type testEngine struct {
	mu          sync.Mutex
	report      slo.Report
	has         bool
	evaluations int
	evalErr     error
	latErr      error
	latency     slo.LatencySummary
	// the arguments of the last Latency call
	gotWindow time.Duration
	gotRoute  string
	latCalls  int
}

// baseTS is the time of the first sample report.
var baseTS = apitest.BaseTS

// sampleReport and sampleLatency build the engine's figures from event counts.
var (
	sampleReport  = apitest.SampleReport
	sampleLatency = apitest.SampleLatency
)

func newTestEngine(evaluated bool) *testEngine {
	e := &testEngine{latency: sampleLatency(60)}
	if evaluated {
		e.report, e.has = sampleReport(0), true
	}
	return e
}

func (e *testEngine) Report() (slo.Report, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.report, e.has
}

func (e *testEngine) Evaluate(context.Context) (slo.Report, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.evalErr != nil {
		return slo.Report{}, e.evalErr
	}
	e.evaluations++
	e.report, e.has = sampleReport(e.evaluations), true
	return e.report, nil
}

func (e *testEngine) Latency(_ context.Context, window time.Duration, route string) (slo.LatencySummary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gotWindow, e.gotRoute = window, route
	e.latCalls++
	if e.latErr != nil {
		return slo.LatencySummary{}, e.latErr
	}
	s := e.latency
	s.Window = slo.WindowName(window)
	s.Route = route
	s.Recent60 = append([]float64(nil), e.latency.Recent60...)
	return s, nil
}

func (e *testEngine) evaluated() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.evaluations
}

func (e *testEngine) lastLatencyCall() (time.Duration, string, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gotWindow, e.gotRoute, e.latCalls
}

func ptr[T any](v T) *T { return &v }
