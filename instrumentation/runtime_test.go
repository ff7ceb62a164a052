package instrumentation_test

import (
	"context"
	"testing"

	"github.com/sloguard/sloguard/instrumentation"
)

func TestRuntimeGaugesAreExported(t *testing.T) {
	p, err := instrumentation.New(context.Background(), instrumentation.WithDiskPath(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	got := series(t, p)
	for _, name := range []string{
		"process_uptime_seconds",
		"process_cpu_utilization_ratio",
		"process_memory_usage_bytes",
		"process_memory_utilization_ratio",
		"system_cpu_utilization_ratio",
		"system_memory_utilization_ratio",
		"system_filesystem_utilization_ratio",
	} {
		ms, ok := got[name]
		if !ok || len(ms) == 0 {
			t.Errorf("%s missing from /metrics", name)
			continue
		}
		v := ms[0].GetGauge().GetValue()
		if v < 0 || (name != "process_uptime_seconds" && name != "process_memory_usage_bytes" && v > 1) {
			t.Errorf("%s = %v, out of range", name, v)
		}
	}
	if v := got["process_memory_usage_bytes"][0].GetGauge().GetValue(); v < 1<<20 {
		t.Errorf("process memory %v bytes: implausibly small for a Go test binary", v)
	}
}
