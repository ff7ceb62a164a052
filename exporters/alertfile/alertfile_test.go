package alertfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/slo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func sampleAlerts() []slo.Alert {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	end := start.Add(45 * time.Minute)
	burn, p95 := 20.5, 312.5
	return []slo.Alert{
		{
			TS: start, Event: "slo_alert", State: "firing", Name: "SLOErrorBudgetBurn", SLO: "availability",
			Service: "checkout", Severity: "page", LongWindow: "1h", ShortWindow: "5m", BurnRate: &burn, Factor: 14.4,
			Breaches: []string{}, BudgetRemainingPct: 40, BudgetConsumedPct: 60, BurnPerDayPct: 6.67,
			P95LatencyMS: &p95, Summary: `SLO availability of checkout burns <fast> & "hot"`,
			Labels: map[string]string{"team": "payments"}, StartsAt: start,
		},
		{
			TS: end, Event: "slo_alert", State: "resolved", Name: "SLOBreach", SLO: "latency_p95",
			Service: "checkout", Severity: "critical", Breaches: []string{"latency_p95"},
			BudgetRemainingPct: -5, BudgetConsumedPct: 105, Summary: "résumé ✓", StartsAt: start, EndsAt: &end,
		},
	}
}

// readAlerts parses every line of path, failing on any line that is not a
// whole alert.
func readAlerts(t *testing.T, path string) []slo.Alert {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("%s does not end with a newline", path)
	}
	var out []slo.Alert
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for i := 1; sc.Scan(); i++ {
		var a slo.Alert
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("line %d of %s is not an alert: %v: %.200s", i, path, err, sc.Text())
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestChangedAlertsAreWrittenOnePerLineAndReadBackTheSame(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "nested", "production_alerts.ndjson")
	s, err := New(path)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer s.Close()
	alerts := sampleAlerts()
	firingOnly := []slo.Alert{alerts[0]}
	if err := s.Send(context.Background(), alerts, firingOnly); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// Still firing, nothing changed: nothing is written.
	if err := s.Send(context.Background(), nil, firingOnly); err != nil {
		t.Fatalf("Send with nothing changed: %v", err)
	}
	got := readAlerts(t, path)
	if !reflect.DeepEqual(got, alerts) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, alerts)
	}
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte(`<fast> & \"hot\"`)) {
		t.Errorf("HTML characters were escaped: %s", data)
	}
}

func TestAReopenedFileIsAppendedTo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	alerts := sampleAlerts()
	for i := range 2 {
		s, err := New(path)
		if err != nil {
			t.Fatalf("New #%d: %v", i, err)
		}
		if err := s.Send(context.Background(), alerts[i:i+1], nil); err != nil {
			t.Fatalf("Send #%d: %v", i, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := readAlerts(t, path); !reflect.DeepEqual(got, alerts) {
		t.Errorf("after two runs the file holds %+v, want %+v", got, alerts)
	}
}

func TestATornLastLineIsCutOffOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	alerts := sampleAlerts()
	whole, err := json.Marshal(alerts[0])
	if err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of the second line.
	torn := append(append(whole, '\n'), `{"ts":"2025-03-01T12:`...)
	if err := os.WriteFile(path, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(path)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), alerts[1:], nil); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := readAlerts(t, path); !reflect.DeepEqual(got, alerts) {
		t.Errorf("file holds %+v, want the whole first line and the new alert", got)
	}
}

func TestAFileWithoutAnyNewlineIsOneTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 10_000), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(path)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer s.Close()
	if st, err := os.Stat(path); err != nil || st.Size() != 0 {
		t.Errorf("after New the torn file has %v bytes (%v), want 0", st.Size(), err)
	}
}

func TestConcurrentSendsDoNotInterleave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	s, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const senders, sends, perSend = 8, 10, 3
	var wg sync.WaitGroup
	errs := make(chan error, senders*sends)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Long summaries of one letter per sender: a line mixing two
			// senders would show two letters or fail to parse.
			summary := strings.Repeat(string(rune('a'+g)), 16<<10)
			for i := range sends {
				batch := make([]slo.Alert, perSend)
				for j := range batch {
					batch[j] = slo.Alert{Event: "slo_alert", State: "firing", Name: "SLOBreach", SLO: fmt.Sprintf("s%d-%d-%d", g, i, j), Summary: summary}
				}
				errs <- s.Send(context.Background(), batch, nil)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	got := readAlerts(t, path)
	if len(got) != senders*sends*perSend {
		t.Fatalf("%d alerts in the file, want %d", len(got), senders*sends*perSend)
	}
	seen := map[string]bool{}
	for _, a := range got {
		var g, i, j int
		if _, err := fmt.Sscanf(a.SLO, "s%d-%d-%d", &g, &i, &j); err != nil {
			t.Fatalf("bad slo %q", a.SLO)
		}
		if a.Summary != strings.Repeat(string(rune('a'+g)), 16<<10) {
			t.Errorf("alert %s has a summary mixed with another sender's", a.SLO)
		}
		if seen[a.SLO] {
			t.Errorf("alert %s written twice", a.SLO)
		}
		seen[a.SLO] = true
	}
	// A batch is written whole: its alerts are on consecutive lines.
	for k := 0; k < len(got); k += perSend {
		prefix := got[k].SLO[:strings.LastIndexByte(got[k].SLO, '-')]
		for j := 1; j < perSend; j++ {
			if !strings.HasPrefix(got[k+j].SLO, prefix+"-") {
				t.Errorf("line %d (%s) does not follow its batch %s", k+j+1, got[k+j].SLO, prefix)
			}
		}
	}
}

func TestAPathThatCannotBeCreatedIsNamedInTheError(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(blocker, "logs", "alerts.ndjson"), // directory cannot be made
		filepath.Join(blocker, "alerts.ndjson"),         // parent is a file
		dir,                                             // a directory, not a file
	} {
		s, err := New(path)
		if err == nil {
			s.Close()
			t.Errorf("New(%s) succeeded", path)
			continue
		}
		if !strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), filepath.Dir(path)) {
			t.Errorf("New(%s) = %v, want the path named", path, err)
		}
	}
	if _, err := New(""); err == nil {
		t.Error("New(\"\") succeeded")
	}
}

func TestAFailedWriteIsReportedWithThePath(t *testing.T) {
	// /dev/full accepts the open and refuses every write with ENOSPC: the
	// full disk of a real machine.
	const full = "/dev/full"
	if _, err := os.Stat(full); err != nil {
		t.Skipf("%s: %v", full, err)
	}
	s, err := New(full)
	if err != nil {
		t.Fatalf("New(%s): %v", full, err)
	}
	defer s.Close()
	err = s.Send(context.Background(), sampleAlerts(), nil)
	if err == nil || !strings.Contains(err.Error(), full) {
		t.Errorf("Send to a full disk = %v, want an error naming %s", err, full)
	}
}

func TestCloseIsIdempotentAndStopsSends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	s, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown after Close: %v", err)
	}
	if err := s.Send(context.Background(), sampleAlerts(), nil); !errors.Is(err, exporters.ErrClosed) {
		t.Errorf("Send after Close = %v, want exporters.ErrClosed", err)
	}
	if err := s.Send(context.Background(), nil, nil); !errors.Is(err, exporters.ErrClosed) {
		t.Errorf("empty Send after Close = %v, want exporters.ErrClosed", err)
	}
	if st, _ := os.Stat(path); st.Size() != 0 {
		t.Errorf("file has %d bytes after sends on a closed sink", st.Size())
	}
}

func TestACancelledSendWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.ndjson")
	s, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, sampleAlerts(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Send = %v, want context.Canceled", err)
	}
	if st, _ := os.Stat(path); st.Size() != 0 {
		t.Errorf("file has %d bytes after a cancelled Send", st.Size())
	}
}

func TestFileModeOption(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private", "alerts.ndjson")
	s, err := New(path, WithFileMode(0o600, 0o700))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v (%v), want 0600", st.Mode().Perm(), err)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode = %v (%v), want 0700", st.Mode().Perm(), err)
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
}

func ExampleNew() {
	dir, _ := os.MkdirTemp("", "alerts")
	defer os.RemoveAll(dir)
	sink, err := New(filepath.Join(dir, "logs", "production_alerts.ndjson"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sink.Close()
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	alert := slo.Alert{TS: start, Event: "slo_alert", State: "firing", Name: "SLOBreach", SLO: "availability",
		Service: "checkout", Severity: "critical", Breaches: []string{"availability"}, StartsAt: start}
	if err := sink.Send(context.Background(), []slo.Alert{alert}, []slo.Alert{alert}); err != nil {
		fmt.Println(err)
		return
	}
	data, _ := os.ReadFile(sink.Path())
	fmt.Print(string(data))
	// Output:
	// {"ts":"2025-03-01T12:00:00Z","event":"slo_alert","state":"firing","alertname":"SLOBreach","slo":"availability","service":"checkout","severity":"critical","breaches":["availability"],"budget_remaining_pct":0,"budget_consumed_pct":0,"burn_per_day_pct":0,"p95_latency_ms":null,"summary":"","starts_at":"2025-03-01T12:00:00Z"}
}
