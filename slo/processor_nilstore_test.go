package slo_test

import (
	"strings"
	"testing"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// The store of an Open whose error was ignored is a nil *sqlite.Store in a
// non-nil Store interface: the processor must refuse it, not panic on the
// first sample.
func TestTheProcessorRefusesTheNilStoreOfAFailedOpen(t *testing.T) {
	var store *sqlite.Store // what a failed sqlite.Open returns
	for _, tc := range []struct {
		name string
		cfg  slo.Config
	}{
		{"as the store of window counts", slo.Config{Spec: demo.Spec(), Store: store}},
		{"beside a Windows reader", slo.Config{Spec: demo.Spec(), Store: store, Windows: slo.StoreWindows(nil)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := slo.NewProcessor(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), "Store is a nil *sqlite.Store") {
				t.Errorf("NewProcessor: %v, want the nil store named", err)
			}
		})
	}
}
