package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
	"github.com/sloguard/sloguard/slo/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) slo.Store {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "slo.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return st
	})
}
