package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo/sqlite"
)

// writerEnv makes the test binary a writer process (see TestWriterProcess).
const writerEnv = "SLOGUARD_SQLITE_TEST_WRITER"

// TestWriterProcess is the child of TestKilledWriterLosesNoCommittedSample:
// it appends samples to the store named by writerEnv until it is killed,
// printing the number of samples committed after each commit.
func TestWriterProcess(t *testing.T) {
	path := os.Getenv(writerEnv)
	if path == "" {
		t.Skip("runs only as the child of TestKilledWriterLosesNoCommittedSample")
	}
	st, err := sqlite.Open(path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		if err := st.Append(context.Background(), sample(i)); err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println(i + 1)
	}
}

func TestKilledWriterLosesNoCommittedSample(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slo.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriterProcess$")
	cmd.Env = append(os.Environ(), writerEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	lines := bufio.NewScanner(out)
	committed := 0
	var reader *sqlite.Store
	for committed < 400 && lines.Scan() {
		n, err := strconv.Atoi(lines.Text())
		if err != nil {
			t.Fatalf("writer: %s", lines.Text())
		}
		committed = n
		if committed == 50 {
			// a second process reading while the first writes.
			if reader, err = sqlite.Open(path, sqlite.WithReadOnly()); err != nil {
				t.Fatalf("Open read-only while the writer runs: %v", err)
			}
			defer reader.Close()
		}
		if reader != nil && committed%25 == 0 {
			c, err := reader.Counts(ctx, "a", t0, t0.Add(30*24*time.Hour))
			if err != nil {
				t.Fatalf("Counts while the writer runs: %v", err)
			}
			if c.Total != 2*c.Good || c.Good < float64(committed) {
				t.Fatalf("Counts while the writer runs = %+v after %d commits: want whole samples, at least %d", c, committed, committed)
			}
		}
	}
	if committed < 400 {
		t.Fatalf("writer stopped after %d samples: %v", committed, lines.Err())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true

	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("Open after the writer was killed: %v", err)
	}
	defer st.Close()
	c, err := st.Counts(ctx, "a", t0, t0.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.Good < float64(committed) || c.Total != 2*c.Good {
		t.Errorf("Counts after the writer was killed = %+v; want whole samples, at least the %d reported committed", c, committed)
	}
	h, err := st.Latency(ctx, nil, t0, t0.Add(30*24*time.Hour))
	if err != nil || float64(h.Count) != c.Good {
		t.Errorf("Latency count after the kill = %d, %v; want %g, one per sample", h.Count, err, c.Good)
	}
	last, err := st.LastEnd(ctx)
	if err != nil || !last.Equal(sample(int(c.Good)-1).End) {
		t.Errorf("LastEnd after the kill = %v, %v; want the end of sample %d", last, err, int(c.Good))
	}
}
