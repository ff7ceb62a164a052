package sqlite_test

import (
	"testing"

	"go.uber.org/goleak"
)

// every Store closes its connections, and with them database/sql's
// goroutines.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
