// Package e2e runs the sloguard binary as users run it, with the real
// servers around it (Prometheus), and checks what they see.
package e2e

import (
	"testing"

	"github.com/sloguard/sloguard/internal/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m) }
