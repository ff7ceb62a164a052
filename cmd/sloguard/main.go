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
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if limit, ok := serveGCLimit(os.Getenv, availableMemory()); ok {
			debug.SetGCPercent(-1)
			debug.SetMemoryLimit(limit)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// serveGCLimit is the garbage collector setting of `sloguard serve` when the
// operator chose none: collection driven by a memory limit alone (as
// GOGC=off GOMEMLIMIT=limit would), the limit a quarter of the memory
// available to the process, at least 64 MiB and at most 256 MiB.
//
// Every traced request allocates about 7 kB, nearly all of it garbage when
// the request ends, while the live heap of serve stays small (metric
// aggregations, the span queue, the SLO processor's last sample). With the
// default GOGC=100 the collector runs every time the heap doubles, which
// for a small live heap is every few thousand requests, and its work shows
// in every request (write barriers and mark assists while it runs). Running
// it only when the limit is near is the largest single saving per request
// (see docs/BENCHMARKS.md). The price is memory: the heap grows to the
// limit between collections. Setting GOGC or GOMEMLIMIT (GOGC=100 for the
// Go default) keeps the runtime's own behaviour; so does too little memory
// to spare (a limit under 64 MiB).
func serveGCLimit(getenv func(string) string, available uint64) (int64, bool) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return 0, false
	}
	const (
		minLimit = 64 << 20
		maxLimit = 256 << 20
	)
	if available == 0 {
		return 256 << 20, true
	}
	limit := min(available/4, maxLimit)
	if limit < minLimit {
		return 0, false
	}
	return int64(limit), true
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
