package slo_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// benchSpec is 100 SLOs over 30 days: 40 availability and 40 latency SLOs
// over 10 routes, 20 events SLOs.
func benchSpec() slo.Spec {
	spec := slo.Spec{Version: slo.Version, Service: "bench"}
	for i := range 100 {
		s := slo.SLO{Name: fmt.Sprintf("slo_%03d", i), Objective: 0.999, Window: slo.DefaultWindow, MinEvents: 100}
		route := fmt.Sprintf("/r%d", i%10)
		switch {
		case i < 40:
			s.SLI = slo.SLI{Kind: slo.KindAvailability, Routes: []string{route}}
		case i < 80:
			s.Objective = 0.95
			s.SLI = slo.SLI{Kind: slo.KindLatency, Routes: []string{route}, Threshold: 400 * time.Millisecond}
		default:
			s.SLI = slo.SLI{Kind: slo.KindEvents, Metric: "jobs", Bad: slo.Matcher{"outcome": {"failure"}}}
		}
		spec.SLOs = append(spec.SLOs, s)
	}
	return spec
}

// benchStoreEnv names a file to keep the store of BenchmarkEvaluate100SLOs
// in between runs: building it takes a minute or two.
const benchStoreEnv = "SLOGUARD_BENCH_STORE"

var (
	benchStoreKeep bool
	benchStoreOnce sync.Once
	benchStorePath string
	benchStoreErr  error
	benchNow       time.Time
)

// benchStore builds, once per process, a store holding 30 days of history
// for benchSpec as daily compaction keeps it: a sample a minute for the
// last 3 days, a sample an hour before, each with every SLO's counts and
// the latency of 10 routes (≈ 300 requests a minute each).
func benchStore(b testing.TB) (string, time.Time) {
	benchStoreOnce.Do(func() {
		benchNow = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		if p := os.Getenv(benchStoreEnv); p != "" {
			benchStorePath, benchStoreKeep = p, true
			if _, err := os.Stat(p); err == nil {
				return
			}
		} else {
			dir, err := os.MkdirTemp("", "sloguard-bench-")
			if err != nil {
				benchStoreErr = err
				return
			}
			benchStorePath = filepath.Join(dir, "slo.db")
		}
		spec := benchSpec()
		r := rand.New(rand.NewPCG(1, 1))
		hists := make([]slo.Histogram, 32)
		for i := range hists {
			for range 300 {
				hists[i].Record(lognormal(r, 0.12, 0.8))
			}
		}
		st, err := sqlite.Open(benchStorePath)
		if err != nil {
			benchStoreErr = err
			return
		}
		defer st.Close()
		start := benchNow.Add(-slo.DefaultWindow - slo.Day)
		for end := start; !end.After(benchNow); {
			step := time.Minute
			if end.Before(benchNow.Add(-slo.FineRetention - time.Hour)) {
				step = time.Hour
			}
			scale := float64(step / time.Minute)
			s := slo.Sample{Start: end, End: end.Add(step), Counts: map[string]slo.Counts{}, Latency: map[string]slo.Histogram{}}
			for _, o := range spec.SLOs {
				s.Counts[o.Name] = slo.Counts{Good: 299 * scale, Total: 300 * scale}
			}
			for i := range 10 {
				h := hists[r.IntN(len(hists))]
				if step == time.Hour {
					h = h.Clone()
					for j := range 59 {
						h.Merge(hists[(i+j)%len(hists)])
					}
				}
				s.Latency["/r"+strconv.Itoa(i)] = h
			}
			if err := st.Append(context.Background(), s); err != nil {
				benchStoreErr = err
				return
			}
			end = s.End
		}
		benchStoreErr = st.Compact(context.Background(), benchNow, slo.DefaultWindow+slo.Day)
	})
	if benchStoreErr != nil {
		panic(benchStoreErr)
	}
	return benchStorePath, benchNow
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchStorePath != "" && !benchStoreKeep {
		os.RemoveAll(filepath.Dir(benchStorePath))
	}
	os.Exit(code)
}

// BenchmarkEvaluate100SLOs evaluates 100 SLOs (every report window, and
// the actual latency of the 40 latency SLOs) over 30 days of history.
func BenchmarkEvaluate100SLOs(b *testing.B) {
	path, now := benchStore(b)
	st, err := sqlite.Open(path, sqlite.WithReadOnly(), sqlite.WithoutQuickCheck())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	spec := benchSpec()
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		rep, err := slo.EvaluateStore(context.Background(), spec, st, now)
		if err != nil {
			b.Fatal(err)
		}
		if got := rep.SLOs["slo_000"].Total; got < 300*30*24*60 {
			b.Fatalf("slo_000 total %g: history missing", got)
		}
	}
	cpu.report(b)
	b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS-MiB")
}

// cpuTimer measures the CPU time of the process (user and system): on a
// shared machine it says more than the wall clock of ns/op.
type cpuTimer struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuTimer { return cpuTimer{cpuNow()} }

func (c cpuTimer) report(b *testing.B) {
	b.ReportMetric(float64(cpuNow()-c.start)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

// BenchmarkCollectAndStore is one sample of the default spec: collecting
// the SLO readers (3 routes, 4 attribute sets each) and appending the
// sample to an SQLite store.
func BenchmarkCollectAndStore(b *testing.B) {
	spec := demo.Spec()
	tm := newTelemetry(b, spec)
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "slo.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	clock := newFakeClock(t0)
	p, err := slo.NewProcessor(slo.Config{Spec: spec, Source: tm.src, Store: st, Clock: clock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(2, 2))
	record := func() {
		for i := range 300 {
			tm.request([]string{"/a", "/b/{id}", "/c"}[i%3], []string{"GET", "POST"}[i%2], []int{200, 503}[(i/7)%2], lognormal(r, 0.1, 0.8))
		}
		tm.webhook("success", 10)
	}
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		record()
		clock.Advance(time.Minute)
		b.StartTimer()
		c := cpuNow()
		if err := p.ForceFlush(context.Background()); err != nil {
			b.Fatal(err)
		}
		cpu += cpuNow() - c
	}
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

// peakRSS returns the peak resident set size of the process (VmHWM), or 0
// where /proc does not say.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
