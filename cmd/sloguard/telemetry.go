package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sloguard/sloguard/internal/endpoint"
)

// otlpConfigured reports whether the standard variables ask for OTLP export
// of signal ("TRACES" or "METRICS"): an exporter named in
// OTEL_<signal>_EXPORTER other than none, or an OTLP endpoint set. With
// neither, nothing is sent anywhere: autoexport would otherwise default to
// OTLP on localhost.
func otlpConfigured(signal string) bool {
	switch v := os.Getenv("OTEL_" + signal + "_EXPORTER"); v {
	case "":
	case "none":
		return false
	default:
		return true
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_"+signal+"_ENDPOINT") != ""
}

// otlpSpanExporter builds the exporter the OTEL_* variables describe, or
// nil when they describe none.
func otlpSpanExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	if !otlpConfigured("TRACES") {
		return nil, nil
	}
	e, err := autoexport.NewSpanExporter(ctx)
	if err != nil {
		return nil, fmt.Errorf("serve: span exporter from OTEL_* variables: %w", err)
	}
	if autoexport.IsNoneSpanExporter(e) {
		return nil, nil
	}
	return e, nil
}

// otlpMetricReader builds the periodic OTLP reader the OTEL_* variables
// describe, or nil. Each reader aggregates every measurement again, so it is
// only added when asked for.
func otlpMetricReader(ctx context.Context) (sdkmetric.Reader, error) {
	if !otlpConfigured("METRICS") {
		return nil, nil
	}
	r, err := autoexport.NewMetricReader(ctx)
	if err != nil {
		return nil, fmt.Errorf("serve: metric reader from OTEL_* variables: %w", err)
	}
	if autoexport.IsNoneMetricReader(r) {
		return nil, nil
	}
	return r, nil
}

// onceErrorHandler logs each distinct OTel error once per interval: an
// unreachable collector fails every export, and one warning says it.
type onceErrorHandler struct {
	logger   *slog.Logger
	interval time.Duration
	mu       sync.Mutex
	seen     map[string]time.Time
	dropped  map[string]int
}

func newOnceErrorHandler(l *slog.Logger, interval time.Duration) *onceErrorHandler {
	return &onceErrorHandler{logger: l, interval: interval, seen: map[string]time.Time{}, dropped: map[string]int{}}
}

func (h *onceErrorHandler) Handle(err error) {
	// an export error may quote the endpoint, or a header the SDK read.
	msg := endpoint.RedactText(err.Error())
	now := time.Now()
	h.mu.Lock()
	last, ok := h.seen[msg]
	if ok && now.Sub(last) < h.interval {
		h.dropped[msg]++
		h.mu.Unlock()
		return
	}
	repeats := h.dropped[msg]
	h.seen[msg] = now
	delete(h.dropped, msg)
	if len(h.seen) > 1000 { // distinct messages are few; bound the map anyway
		clear(h.seen)
	}
	h.mu.Unlock()
	h.logger.Warn("telemetry export error", "error", msg, "repeats_since_last_log", repeats)
}

var _ otel.ErrorHandler = (*onceErrorHandler)(nil)
