package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/proctest"
)

// exitStatus is the status a process exited with (0 for a nil error).
func exitStatus(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("wait: %v", err)
	return -1
}

// One data directory, one writer: a second serve on the directory another
// serve writes exits 2 naming the first one's pid, before it listens or
// touches the store; check still reads the store; and the lock goes with
// the process that held it, kill -9 included.
func TestSecondServeOnADataDirectoryIsRefused(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	specPath := writeSpec(t, dir)
	env := []string{"DASHBOARD_KEY=" + testKey}
	args := []string{"--slo-file", specPath, "--data-dir", dataDir, "--sample-interval", "1s", "--eval-interval", "1s",
		"--report-file", "", "--alerts-file", "", "--traces-file", ""}
	first, base := proctest.Serve(t, dir, env, args...)
	proctest.WaitHTTP(t, 30*time.Second, base+"/readyz", 200)

	second := proctest.Start(t, "second sloguard serve", dir, env, proctest.Sloguard(t),
		append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	code := exitStatus(t, second.Wait(t, 60*time.Second))
	out := second.Output()
	if code != 2 {
		t.Errorf("second serve on the same data directory exited %d, want 2\n%s", code, out)
	}
	if want := fmt.Sprintf("process %d", first.Cmd.Process.Pid); !strings.Contains(out, want) || !strings.Contains(out, dataDir) {
		t.Errorf("second serve's error does not name the holder (%s) and the directory %s:\n%s", want, dataDir, out)
	}
	if strings.Contains(out, "listening") {
		t.Errorf("the second serve started listening:\n%s", out)
	}

	// check reads the store the first serve writes.
	cmd := exec.Command(proctest.Sloguard(t), "check", "--slo-file", specPath, "--data-dir", dataDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if code := exitStatus(t, cmd.Run()); code == 3 || stdout.Len() == 0 {
		t.Errorf("check beside a running serve exited %d with no report, want a report (status 0–2)\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}

	// the kernel drops the lock of a killed process.
	if err := first.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait(t, 30*time.Second)
	_, base = proctest.Serve(t, dir, env, args...)
	proctest.WaitHTTP(t, 30*time.Second, base+"/readyz", 200)
}

// A data directory serve cannot write (a read-only mount) stops serve with
// exit 2 and an error naming the directory.
func TestReadOnlyDataDirectoryIsNamed(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	mountTmpfs(t, dataDir, "1m")
	if out, err := exec.Command("mount", "-o", "remount,ro", dataDir).CombinedOutput(); err != nil {
		t.Skipf("cannot remount %s read-only: %v: %s", dataDir, err, out)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "probe"), nil, 0o644); err == nil {
		t.Fatalf("%s is still writable after remounting it read-only", dataDir)
	}
	p := proctest.Start(t, "sloguard serve", dir, []string{"DASHBOARD_KEY=" + testKey}, proctest.Sloguard(t),
		"serve", "--addr", "127.0.0.1:0", "--slo-file", writeSpec(t, dir), "--data-dir", dataDir)
	code := exitStatus(t, p.Wait(t, 60*time.Second))
	out := p.Output()
	if code != 2 {
		t.Errorf("serve on a read-only data directory exited %d, want 2\n%s", code, out)
	}
	if want := "data directory " + dataDir + " is not writable"; !strings.Contains(out, want) {
		t.Errorf("serve's error does not say %q:\n%s", want, out)
	}
}
