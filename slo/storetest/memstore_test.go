package storetest_test

import (
	"testing"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/storetest"
)

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) slo.Store { return storetest.NewMemStore() })
}
