package instrumentation_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The providers start goroutines (batch span processors, the response
// writer tests' servers): every test must leave none behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Example_service writes a trace file: lumberjack starts this
		// goroutine on a file's first open and has no way to stop it
		// (see exporters/ndjson's doc.go).
		goleak.IgnoreTopFunction("gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun"),
	)
}
