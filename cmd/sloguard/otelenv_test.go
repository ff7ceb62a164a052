package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

const otelSecret = "otel-s3cr3t"

func TestOTelVariablesThatTheExportersWouldMisreadAreRefused(t *testing.T) {
	tests := []struct {
		name     string
		variable string
		value    string
		reason   string
	}{
		{"an endpoint with a password that does not parse", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://u:" + otelSecret + "@collector:port", "not a URL"},
		{"an endpoint without a scheme", "OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317", "no // after the scheme"},
		{"an endpoint written user:pass@host", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "u:" + otelSecret + "@collector:4318", "no // after the scheme"},
		{"an endpoint with user information", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://u:" + otelSecret + "@collector:4318", "user information"},
		{"an endpoint with a token in its query", "OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318/?api_key=" + otelSecret, "query string"},
		{"an endpoint of another scheme", "OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector/" + otelSecret, "http or https"},
		{"headers written as a header line", "OTEL_EXPORTER_OTLP_HEADERS", "Authorization: Bearer " + otelSecret, "entry 1 of 1 has no '='"},
		{"headers with an empty entry", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-api-key=" + otelSecret + ",,a=b", "entry 2 of 3 is empty"},
		{"a header name with a space", "OTEL_EXPORTER_OTLP_METRICS_HEADERS", "api key=" + otelSecret, "entry 1 of 1: the name is not a valid header name"},
		{"a header value with a bad escape", "OTEL_EXPORTER_OTLP_HEADERS", "a=b,authorization=Bearer%zz" + otelSecret, "entry 2 of 2: the value has a %"},
		{"an unknown traces exporter", "OTEL_TRACES_EXPORTER", "jaeger-" + otelSecret, "want otlp, console, none"},
		{"an unknown metrics exporter", "OTEL_METRICS_EXPORTER", "otlp,prometheus", "want otlp, console, none, prometheus"},
		{"an unknown protocol", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "want grpc, http/protobuf"},
		{"an unknown per-signal protocol", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grcp", "want grpc, http/protobuf"},
		{"a timeout with a unit", "OTEL_EXPORTER_OTLP_TIMEOUT", "10s", "milliseconds"},
		{"an unknown compression", "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "zstd", "want gzip, none"},
		{"insecure that is not a bool", "OTEL_EXPORTER_OTLP_INSECURE", "yes", "want true, false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{tt.variable: tt.value}
			err := checkOTelEnv(func(k string) string { return env[k] })
			var stderr bytes.Buffer
			if code := exitCode(err, &stderr); code != 2 {
				t.Fatalf("exit status %d, want 2 (%v)", code, err)
			}
			msg := stderr.String()
			if want := "sloguard: serve: " + tt.variable + ": "; !strings.HasPrefix(msg, want) {
				t.Errorf("error %q does not start with %q", msg, want)
			}
			if !strings.Contains(msg, tt.reason) {
				t.Errorf("error %q does not say %q", msg, tt.reason)
			}
			if strings.Contains(msg, tt.value) || strings.Contains(msg, otelSecret) {
				t.Errorf("error %q shows the variable's value", msg)
			}
		})
	}
}

func TestOTelVariablesAsTheSpecificationWritesThemAreAccepted(t *testing.T) {
	env := map[string]string{
		"OTEL_TRACES_EXPORTER":                "otlp",
		"OTEL_METRICS_EXPORTER":               "none",
		"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://collector:4317",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":  "https://collector.example:4318/v1/traces",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": " http://[::1]:4318/v1/metrics ",
		"OTEL_EXPORTER_OTLP_HEADERS":          "api-key=abc%2Cdef,Authorization=Bearer%20xyz",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS":   " x-tenant = a ",
		"OTEL_EXPORTER_OTLP_PROTOCOL":         "grpc",
		"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf",
		"OTEL_EXPORTER_OTLP_TIMEOUT":          "2000",
		"OTEL_EXPORTER_OTLP_COMPRESSION":      "gzip",
		"OTEL_EXPORTER_OTLP_INSECURE":         "true",
		"OTEL_EXPORTER_OTLP_TRACES_INSECURE":  "",
	}
	if err := checkOTelEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatalf("checkOTelEnv() = %v, want nil", err)
	}
}

// Every bad variable is named, on one line.
func TestEveryBadOTelVariableIsNamed(t *testing.T) {
	env := map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "collector",
		"OTEL_EXPORTER_OTLP_HEADERS":  "x",
	}
	err := checkOTelEnv(func(k string) string { return env[k] })
	if err == nil || strings.Contains(err.Error(), "\n") ||
		!strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_ENDPOINT: ") || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_HEADERS: ") {
		t.Fatalf("checkOTelEnv() = %v, want one line naming both variables", err)
	}
}

// serve itself, given a malformed endpoint, stops before listening with
// exit status 2, where the SDK would log the value and send to its
// default endpoint.
func TestServeRefusesAMalformedOTLPEndpoint(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://u:"+otelSecret+"@collector:port")
	dir := t.TempDir()
	// the deadline only stops a serve that wrongly started.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir + "/data",
		"--traces-file", "", "--report-file", "", "--alerts-file", ""}, &stdout, &stderr)
	if ctx.Err() != nil {
		t.Fatal("serve started with a malformed OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	code := exitCode(err, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "sloguard: serve: OTEL_EXPORTER_OTLP_ENDPOINT: not a URL") {
		t.Fatalf("exit status %d, stderr %q; want 2 and an error naming OTEL_EXPORTER_OTLP_ENDPOINT", code, stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), otelSecret) {
		t.Errorf("output shows the variable's value: %s%s", stdout.String(), stderr.String())
	}
}
