package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
)

func TestBadCommandLinesExitWithStatus2AndOneLine(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		args []string
		want string            // in the error line
		env  map[string]string // set for the run
	}{
		{"no command", nil, "no command", nil},
		{"an unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`, nil},
		{"an unknown flag", []string{"serve", "--no-such-flag"}, "no-such-flag", nil},
		{"an address without a port", []string{"serve", "--addr", "localhost"}, `--addr "localhost"`, nil},
		{"an address that cannot be listened on", []string{"serve", "--addr", "256.0.0.1:80"}, "256.0.0.1:80", nil},
		{"a port already in use", []string{"serve", "--addr", busy.Addr().String()}, "address already in use", nil},
		{"a bad telemetry value", []string{"serve", "--telemetry", "maybe"}, `--telemetry "maybe"`, nil},
		{"a stray argument", []string{"serve", "extra"}, `unexpected argument "extra"`, nil},
		{"a malformed duration", []string{"serve", "--shutdown-timeout", "soon"}, "shutdown-timeout", nil},
		{"a sampling ratio that is not a number", []string{"serve", "--addr", "127.0.0.1:0"}, `OTEL_TRACES_SAMPLER_ARG="1/10"`,
			map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1/10"}},
		{"a sampler the SDK does not have", []string{"serve", "--addr", "127.0.0.1:0"}, `OTEL_TRACES_SAMPLER="xray"`,
			map[string]string{"OTEL_TRACES_SAMPLER": "xray"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.env != nil {
				// serve would otherwise write its default files here.
				t.Chdir(t.TempDir())
			}
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), tt.args, &stdout, &stderr)
			if err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			var code bytes.Buffer
			if got := exitCode(err, &code); got != 2 {
				t.Errorf("exit status %d, want 2 (error: %v)", got, err)
			}
			line := code.String()
			if strings.Count(line, "\n") != 1 || !strings.Contains(line, tt.want) {
				t.Errorf("error output %q: want one line mentioning %q", line, tt.want)
			}
		})
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"serve", "-h"}, &stdout, &stderr)
	if got := exitCode(err, &bytes.Buffer{}); got != 0 {
		t.Fatalf("serve -h: exit status %d, want 0", got)
	}
	if !strings.Contains(stderr.String(), "-addr") {
		t.Errorf("serve -h printed %q, want the flags", stderr.String())
	}
}

func TestExitCodeOfAPlainErrorIs1(t *testing.T) {
	if got := exitCode(errors.New("boom"), &bytes.Buffer{}); got != 1 {
		t.Fatalf("exit status %d, want 1", got)
	}
}
