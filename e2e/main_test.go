// Package e2e runs the sloguard binary as users run it, with the real
// servers around it (Prometheus), and checks what they see.
package e2e

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// Readiness probes leave idle keep-alive connections in the default
	// transport; they are the tests' own, not leaks of the code under test.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
