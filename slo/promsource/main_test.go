package promsource_test

import (
	"testing"

	"github.com/sloguard/sloguard/internal/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m) }
