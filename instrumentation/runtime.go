package instrumentation

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// registerRuntimeMetrics registers the Flask app's host and process gauges under
// their semantic-convention names: uptime, and cpu, memory and disk
// utilization (ratios from 0 to 1; the Flask app's "percent" figures are these
// times 100). gopsutil reads them at collection time, so they cost nothing
// between scrapes.
func registerRuntimeMetrics(meter metric.Meter, diskPath string, start time.Time) (metric.Registration, error) {
	proc, err := process.NewProcess(int32(os.Getpid()))
	if err != nil {
		return nil, err
	}
	uptime, err1 := meter.Float64ObservableGauge("process.uptime",
		metric.WithUnit("s"), metric.WithDescription("Time since the process started."))
	procCPU, err2 := meter.Float64ObservableGauge("process.cpu.utilization",
		metric.WithUnit("1"), metric.WithDescription("CPU used by the process since the last collection, as a share of all cores (0 to 1)."))
	procMem, err3 := meter.Int64ObservableGauge("process.memory.usage",
		metric.WithUnit("By"), metric.WithDescription("Resident memory of the process."))
	procMemUtil, err4 := meter.Float64ObservableGauge("process.memory.utilization",
		metric.WithUnit("1"), metric.WithDescription("Resident memory of the process as a share of the host's memory (0 to 1)."))
	sysCPU, err5 := meter.Float64ObservableGauge("system.cpu.utilization",
		metric.WithUnit("1"), metric.WithDescription("CPU used on the host since the last collection (0 to 1)."))
	sysMem, err6 := meter.Float64ObservableGauge("system.memory.utilization",
		metric.WithUnit("1"), metric.WithDescription("Memory in use on the host (0 to 1)."))
	fsUtil, err7 := meter.Float64ObservableGauge("system.filesystem.utilization",
		metric.WithUnit("1"), metric.WithDescription("Space in use on the file system holding the service's files (0 to 1)."))
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		return nil, err
	}
	fsAttr := metric.WithAttributeSet(attribute.NewSet(attribute.String("system.filesystem.mountpoint", diskPath)))
	numCPU := float64(max(1, cpuCount()))
	// gopsutil's "since the last call" figures are stateful; the SDK may run
	// callbacks for two readers at once.
	var mu sync.Mutex
	return meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		mu.Lock()
		defer mu.Unlock()
		o.ObserveFloat64(uptime, time.Since(start).Seconds())
		var errs []error
		if pct, err := proc.PercentWithContext(ctx, 0); err == nil {
			o.ObserveFloat64(procCPU, pct/100/numCPU)
		} else {
			errs = append(errs, err)
		}
		if mi, err := proc.MemoryInfoWithContext(ctx); err == nil {
			o.ObserveInt64(procMem, int64(mi.RSS))
		} else {
			errs = append(errs, err)
		}
		if pct, err := proc.MemoryPercentWithContext(ctx); err == nil {
			o.ObserveFloat64(procMemUtil, float64(pct)/100)
		} else {
			errs = append(errs, err)
		}
		if pcts, err := cpu.PercentWithContext(ctx, 0, false); err == nil && len(pcts) == 1 {
			o.ObserveFloat64(sysCPU, pcts[0]/100)
		} else if err != nil {
			errs = append(errs, err)
		}
		if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
			o.ObserveFloat64(sysMem, vm.UsedPercent/100)
		} else {
			errs = append(errs, err)
		}
		if du, err := disk.UsageWithContext(ctx, diskPath); err == nil {
			o.ObserveFloat64(fsUtil, du.UsedPercent/100, fsAttr)
		} else {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}, uptime, procCPU, procMem, procMemUtil, sysCPU, sysMem, fsUtil)
}

func cpuCount() int {
	n, err := cpu.Counts(true)
	if err != nil {
		return 1
	}
	return n
}
