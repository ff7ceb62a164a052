package slo_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
	"github.com/sloguard/sloguard/slo/storetest"
)

func TestSourceAndStoreFailuresKeepFiguresAndLoseNothing(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	src := &failingSource{Collector: tm.src}
	store := &failingStore{Store: storetest.NewMemStore()}
	reportPath := filepath.Join(t.TempDir(), "report.json")
	p := newProcessor(t, slo.Config{Spec: spec, Source: src, Store: store, Clock: clock, ReportPath: reportPath, MaxPending: 3})
	ok := []req{{"/a", "GET", 200, 0.1}, {"/a", "GET", 500, 0.1}}
	for range 5 {
		minute(t, tm, clock, p, ok, nil)
	}
	good, _ := p.Evaluate(context.Background())

	// the source fails: UNKNOWN, last figures, the error said.
	src.setFail(true)
	clock.Advance(time.Minute)
	if err := p.ForceFlush(context.Background()); err == nil {
		t.Fatal("Flush with a failing source: no error")
	}
	rep, err := p.Evaluate(context.Background())
	if err != nil {
		t.Fatalf("Evaluate with a failing source: %v", err)
	}
	if rep.Error == "" || !strings.Contains(rep.Error, "reader shut down") || rep.OverallStatus != slo.StatusUnknown {
		t.Errorf("report with a failing source: error %q, overall %s; want the error and UNKNOWN", rep.Error, rep.OverallStatus)
	}
	for name, s := range rep.SLOs {
		g := good.SLOs[name]
		if s.Status != slo.StatusUnknown || s.Good != g.Good || s.Total != g.Total {
			t.Errorf("%s with a failing source: %s %g/%g, want UNKNOWN with the last figures %g/%g", name, s.Status, s.Good, s.Total, g.Good, g.Total)
		}
	}
	var fromFile slo.Report
	data, _ := os.ReadFile(reportPath)
	if err := json.Unmarshal(data, &fromFile); err != nil || fromFile.Error != rep.Error {
		t.Errorf("report file with a failing source: error %q, %v; want %q", fromFile.Error, err, rep.Error)
	}

	// the source is back but the store fails for 7 minutes: more samples
	// than MaxPending, merged in memory, all written once it is back.
	src.setFail(false)
	store.setFail(true)
	for range 7 {
		for _, r := range ok {
			tm.request(r.route, r.method, r.status, r.seconds)
		}
		clock.Advance(time.Minute)
		if err := p.ForceFlush(context.Background()); err == nil {
			t.Fatal("Flush with a failing store: no error")
		}
	}
	if rep, _ := p.Evaluate(context.Background()); rep.Error != "" || !strings.Contains(rep.StoreError, "disk full") {
		t.Errorf("report with a failing store: error %q, store error %q; want none and the store's", rep.Error, rep.StoreError)
	}
	store.setFail(false)
	minute(t, tm, clock, p, ok, nil)
	rep, _ = p.Evaluate(context.Background())
	if rep.Error != "" {
		t.Fatalf("report after recovery: error %q", rep.Error)
	}
	// 5 + 7 + 1 minutes of 2 requests each, one of them a 5xx. The minute
	// whose collection failed recorded nothing.
	if got := rep.SLOs["availability"]; got.Total != 26 || got.Good != 13 {
		t.Errorf("availability after recovery = %g/%g, want 13/26: no sample lost", got.Good, got.Total)
	}
}

func TestClockGoingBackNeitherLosesNorDoubleCounts(t *testing.T) {
	noLeaks(t)
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	clock := newFakeClock(t0)
	store := storetest.NewMemStore()
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: store, Clock: clock})
	one := []req{{"/a", "GET", 200, 0.1}}
	for range 10 {
		minute(t, tm, clock, p, one, nil)
	}
	last := clock.Now()
	clock.Set(last.Add(-time.Hour))
	for range 3 {
		minute(t, tm, clock, p, one, nil)
	}
	end, _ := store.LastEnd(context.Background())
	if want := last.Add(3 * time.Millisecond); !end.Equal(want) {
		t.Errorf("after the clock went back an hour, the last sample ends at %v, want %v (1ms after each other)", end, want)
	}
	rep, _ := p.Evaluate(context.Background())
	if !rep.TS.Equal(end) {
		t.Errorf("evaluation at %v, want at the last sample's end %v", rep.TS, end)
	}
	a := rep.SLOs["availability"]
	if a.Total != 13 {
		t.Errorf("availability total = %g, want 13", a.Total)
	}
	for name, c := range a.Windows {
		if c.Total < 0 || c.Good < 0 || c.Good > c.Total {
			t.Errorf("window %s = %+v", name, c)
		}
	}
	// the 5m window ends at the last sample: it holds the samples after the
	// jump and those before it that end within 5m of it.
	var in5m float64 = 3
	for k := 1; k <= 10; k++ {
		if t0.Add(time.Duration(k) * time.Minute).After(end.Add(-5 * time.Minute)) {
			in5m++
		}
	}
	if c := a.Windows["5m"]; c.Total != in5m {
		t.Errorf("5m window = %+v, want %g requests", c, in5m)
	}
}

// childEnv makes the test binary a serving process (see TestServingProcess).
const childEnv = "SLOGUARD_PROCESSOR_TEST_CHILD"

// TestServingProcess is the child of TestKilledProcessLosesNoFlushedSample:
// it records requests and flushes a sample a (fake) minute, printing the
// number of requests flushed, until it is killed.
func TestServingProcess(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("runs only as the child of TestKilledProcessLosesNoFlushedSample")
	}
	spec := demo.Spec()
	tm := newTelemetry(t, spec)
	st, err := sqlite.Open(path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	clock := newFakeClock(t0)
	// the loop never ticks here: the samples are the explicit flushes, so
	// the parent knows what each one holds.
	p := newProcessor(t, slo.Config{Spec: spec, Source: tm.src, Store: st, Clock: clock,
		SampleInterval: 1000 * time.Hour, EvalInterval: 1000 * time.Hour})
	if err := p.Start(context.Background()); err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	for n := 1; ; n++ {
		tm.request("/a", "GET", 200, 0.1)
		tm.request("/a", "GET", 500, 0.1)
		clock.Advance(time.Minute)
		if err := p.ForceFlush(context.Background()); err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println(2 * n)
	}
}

func TestKilledProcessLosesNoFlushedSample(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "slo.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestServingProcess$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	flushed := 0
	for flushed < 200 && lines.Scan() {
		n, err := strconv.Atoi(lines.Text())
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %s", lines.Text())
		}
		flushed = n
	}
	cmd.Process.Kill()
	cmd.Wait()
	if flushed < 200 {
		t.Fatalf("child stopped after %d requests: %v", flushed, lines.Err())
	}
	st, err := sqlite.Open(path, sqlite.WithReadOnly())
	if err != nil {
		t.Fatalf("Open after the kill: %v", err)
	}
	defer st.Close()
	last, err := st.LastEnd(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := slo.EvaluateStore(context.Background(), demo.Spec(), st, last)
	if err != nil {
		t.Fatal(err)
	}
	a := rep.SLOs["availability"]
	if a.Total < float64(flushed) || a.Good != a.Total/2 {
		t.Errorf("after the kill: availability %g/%g; want at least the %d requests flushed, half of them good", a.Good, a.Total, flushed)
	}
	if want := float64(last.Sub(t0) / time.Minute * 2); a.Total != want {
		t.Errorf("after the kill: %g requests for samples up to %v, want %g: whole samples only", a.Total, last, want)
	}
}
