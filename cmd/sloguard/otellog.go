package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"

	"github.com/sloguard/sloguard/internal/endpoint"
)

// installOTelLogging routes what the OpenTelemetry SDK reports through
// serve's logger: its log lines (otel.SetLogger, which otherwise prints to
// stderr on its own) and its export errors (otel.SetErrorHandler, each
// distinct one once per 10 minutes). Both are redacted: the SDK quotes
// environment values, header lists and URLs as it found them.
func installOTelLogging(logger *slog.Logger) {
	otel.SetLogger(logr.New(&otelLogSink{logger: logger}))
	otel.SetErrorHandler(newOnceErrorHandler(logger, 10*time.Minute))
}

// otelLogSink is a logr.LogSink writing to a slog.Logger, every message and
// value redacted.
//
// The SDK logs errors with Error, warnings at V(1), information at V(4) and
// debugging at V(8) (which may hold whole spans); they map to slog's error,
// warn, debug and below-debug levels, so that only --log-level debug shows
// the SDK's information and nothing shows its debugging.
type otelLogSink struct {
	logger *slog.Logger
	name   string
	values []any
}

var _ logr.LogSink = (*otelLogSink)(nil)

func (s *otelLogSink) Init(logr.RuntimeInfo) {}

func level(v int) slog.Level {
	switch {
	case v <= 1:
		return slog.LevelWarn
	case v <= 4:
		return slog.LevelDebug
	}
	return slog.LevelDebug - 4
}

func (s *otelLogSink) Enabled(v int) bool {
	return s.logger.Enabled(context.Background(), level(v))
}

func (s *otelLogSink) Info(v int, msg string, kv ...any) {
	s.log(level(v), msg, nil, kv)
}

func (s *otelLogSink) Error(err error, msg string, kv ...any) {
	s.log(slog.LevelError, msg, err, kv)
}

func (s *otelLogSink) log(l slog.Level, msg string, err error, kv []any) {
	attrs := []any{"component", "opentelemetry-sdk"}
	if s.name != "" {
		attrs = append(attrs, "logger", s.name)
	}
	if err != nil {
		attrs = append(attrs, "error", endpoint.RedactText(err.Error()))
	}
	attrs = append(attrs, redactPairs(s.values)...)
	attrs = append(attrs, redactPairs(kv)...)
	s.logger.Log(context.Background(), l, "telemetry: "+endpoint.RedactText(msg), attrs...)
}

func (s *otelLogSink) WithValues(kv ...any) logr.LogSink {
	c := *s
	c.values = append(append([]any(nil), s.values...), kv...)
	return &c
}

func (s *otelLogSink) WithName(name string) logr.LogSink {
	c := *s
	if c.name != "" {
		name = c.name + "/" + name
	}
	c.name = name
	return &c
}

// rawValueKeys are the keys under which the SDK logs a value exactly as it
// read it from the environment (a header list, a URL, a duration): hidden
// whole, since a malformed value cannot be redacted by its shape.
var rawValueKeys = map[string]bool{"input": true, "value": true, "header": true, "headers": true}

// redactPairs returns logr key/value pairs as slog attributes: the values
// of raw-value and credential-looking keys hidden, every other value shown
// through endpoint.RedactText unless it is a number, a bool or a duration.
func redactPairs(kv []any) []any {
	out := make([]any, 0, len(kv))
	for i := 0; i < len(kv); i += 2 {
		key := fmt.Sprint(kv[i])
		if i+1 >= len(kv) {
			out = append(out, slog.String("!BADKEY", endpoint.RedactText(key)))
			break
		}
		var val any
		switch v := kv[i+1].(type) {
		case int, int64, int32, uint, uint64, uint32, float64, float32, bool, time.Duration:
			val = v
		default:
			val = endpoint.RedactText(fmt.Sprint(v))
		}
		if rawValueKeys[key] || endpoint.IsSecretName(key) {
			val = endpoint.Hidden
		}
		out = append(out, slog.Any(key, val))
	}
	return out
}
