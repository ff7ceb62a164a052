package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// loadgen against nothing is not a success: the summary says why, and the
// exit status is 1.
func TestLoadgenAgainstAServerThatIsNotListeningExitsOne(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"loadgen", "--target", closed.URL, "--rps", "100", "--duration", "200ms"}, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1 (stderr %q)", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "warning: ") || !strings.Contains(stdout.String(), "is the service listening at "+closed.URL) {
		t.Errorf("the summary names no unanswered requests:\n%s", stdout.String())
	}
	if !strings.HasPrefix(stderr.String(), "sloguard: loadgen: ") {
		t.Errorf("stderr %q, want sloguard: loadgen: ...", stderr.String())
	}
}
