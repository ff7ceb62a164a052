package alertfile

import (
	"path/filepath"
	"testing"

	"github.com/sloguard/sloguard/exporters/exportertest"
)

func TestConformance(t *testing.T) {
	exportertest.Run(t, exportertest.Harness{New: func(t *testing.T, env exportertest.Env) (exportertest.Subject, error) {
		s, err := New(filepath.Join(env.Dir, "alerts.ndjson"))
		if err != nil {
			return exportertest.Subject{}, err
		}
		return exportertest.ForSink(s), nil
	}})
}
