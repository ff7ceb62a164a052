// Command sloguard runs the instrumented demo service with its SLO processor
// (serve), evaluates SLOs once (check), validates spec files (validate),
// generates Prometheus rules (rules), exports OpenSLO (export) and drives
// load at a service (loadgen). See README.md.
package main

import (
	"bufio"
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	// calendar SLOs name IANA time zones: the binary carries the zone
	// database (about 450 KB) so they load on machines and images without
	// /usr/share/zoneinfo.
	_ "time/tzdata"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if percent, limit, ok := serveGC(os.Getenv, availableMemory()); ok {
			debug.SetGCPercent(percent)
			if limit > 0 {
				debug.SetMemoryLimit(limit)
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// serveGC is the garbage collector setting of `sloguard serve` when the
// operator chose none: GOGC=400, and a memory limit of half the memory
// available to the process (none when that is unknown).
//
// Every traced request allocates about 7 kB, nearly all of it garbage when
// the request ends, while the live heap of serve stays small (metric
// aggregations, the span queue, the SLO processor's last sample). With the
// Go default, GOGC=100, the collector runs each time the heap doubles, and
// its work shows in every request: measured on the whole service, GOGC=400
// takes about a quarter less CPU per traced request, and as much as turning
// the collector off below a memory limit does, at a fraction of the memory
// (a heap of five times the live data, 40 MiB for the demo service, instead
// of the whole limit, which also keeps new objects in warm cache lines). The
// limit is a ceiling for when the live heap grows: the collector then works
// harder instead of the process running out of memory. See
// docs/BENCHMARKS.md.
//
// Setting GOGC or GOMEMLIMIT (GOGC=100 for the Go default) keeps the
// runtime's own behaviour for both.
func serveGC(getenv func(string) string, available uint64) (percent int, limit int64, ok bool) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return 0, 0, false
	}
	if available > 0 {
		limit = int64(available / 2) // at most MaxInt64
	}
	return 400, limit, true
}

// availableMemory is the memory the process may use: the host's, or its
// cgroup's limit when lower. 0 when unknown.
func availableMemory() uint64 {
	avail := memTotal()
	for _, f := range []string{
		"/sys/fs/cgroup/memory.max",                   // cgroup v2
		"/sys/fs/cgroup/memory/memory.limit_in_bytes", // cgroup v1
	} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// "max" (v2) or a huge number (v1) mean no limit.
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (avail == 0 || n < avail) {
			avail = n
		}
	}
	return avail
}

// memTotal reads MemTotal from /proc/meminfo; 0 elsewhere.
func memTotal() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
