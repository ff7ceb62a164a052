package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel"

	"github.com/sloguard/sloguard/internal/proctest"
)

// The real SDK, given variables serve would refuse, logs what it could not
// read through serve's logger, and none of the values it quotes.
func TestWhatTheSDKLogsGoesThroughServesLoggerRedacted(t *testing.T) {
	var buf proctest.Buffer
	installOTelLogging(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { otel.SetLogger(logr.Discard()) })
	secrets := []string{"hdr-s3cr3t", "pw-s3cr3t", "key-s3cr3t"}
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "Authorization: Bearer hdr-s3cr3t,x-api-key=%zzkey-s3cr3t")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://u:pw-s3cr3t@collector:port")
	exp, err := autoexport.NewSpanExporter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	otel.Handle(errors.New(`Post "http://u:pw-s3cr3t@collector:4318/v1/traces?key=key-s3cr3t": refused`))
	out := buf.String()
	for _, want := range []string{"parse headers", "parse url", "escape header value", "telemetry export error", "collector:4318/v1/traces"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log does not say %q:\n%s", want, out)
		}
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the log shows %q:\n%s", s, out)
		}
	}
}

func TestSDKLogLevelsMapToServesLevels(t *testing.T) {
	var buf proctest.Buffer
	l := logr.New(&otelLogSink{logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	l.V(1).Info("a warning")
	l.V(4).Info("some information")
	l.V(8).Info("debugging")
	l.WithName("otlptrace").WithValues("endpoint", "https://u:pw@collector/?token=tk").Error(errors.New("boom"), "an error", "count", 3)
	out := buf.String()
	for _, want := range []string{"level=WARN msg=\"telemetry: a warning\"", "level=ERROR msg=\"telemetry: an error\"", "error=boom", "logger=otlptrace", "endpoint=\"https://xxxxx@collector/?token=xxxxx\"", "count=3"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log does not hold %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"some information", "debugging", ":pw@", "=tk"} {
		if strings.Contains(out, not) {
			t.Errorf("the log holds %q:\n%s", not, out)
		}
	}
}
