// Package proctest runs real processes for integration tests: the sloguard
// binary built once per test binary, and the real servers from .tools/bin.
// A process is stopped when its test ends, and its output is printed when
// the test failed, so a failed CI run shows every server's log.
package proctest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Sloguard returns the path of a sloguard binary built from this checkout
// (once per test binary, with the race detector when the tests run with it).
func Sloguard(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "sloguard-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "sloguard")
		args := []string{"build", "-o", buildPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "./cmd/sloguard")
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/sloguard: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// Proc is a running process whose output is kept.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

// Start starts a process that is killed when the test ends (if it is still
// running) and whose output is logged if the test failed.
func Start(t testing.TB, name string, dir string, env []string, bin string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	p := &Proc{Name: name, Cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			t.Logf("---- output of %s ----\n%s", name, p.Output())
		}
	})
	return p
}

// Output is everything the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) error { return p.Cmd.Process.Signal(sig) }

// Wait waits up to d for the process to exit and returns its exit error
// (nil for status 0); it fails the test on timeout.
func (p *Proc) Wait(t testing.TB, d time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		t.Fatalf("%s still running after %v", p.Name, d)
		return nil
	}
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

var listenRE = regexp.MustCompile(`listening\s+(http://\S+)`)

// Serve starts `sloguard serve` in dir with --addr 127.0.0.1:0 and the given
// flags, waits until it prints where it listens, and returns the process and
// its base URL.
func Serve(t testing.TB, dir string, env []string, args ...string) (*Proc, string) {
	t.Helper()
	return ServeBinary(t, "sloguard serve", Sloguard(t), dir, env, args...)
}

// ServeBinary is Serve with the sloguard binary at bin, named name in
// failures.
func ServeBinary(t testing.TB, name, bin, dir string, env []string, args ...string) (*Proc, string) {
	t.Helper()
	full := append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)
	p := Start(t, name, dir, env, bin, full...)
	var base string
	WaitFor(t, 60*time.Second, name+" to print where it listens", func() bool {
		if m := listenRE.FindStringSubmatch(p.Output()); m != nil {
			base = m[1]
			return true
		}
		if p.Exited() {
			t.Fatalf("%s exited: %v\n%s", name, p.err, p.Output())
		}
		return false
	})
	return p, base
}

// WaitFor polls cond every 20ms until it holds, failing the test with what
// it waited for after timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitHTTP waits until GET url answers with status want.
func WaitHTTP(t testing.TB, timeout time.Duration, url string, want int) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	WaitFor(t, timeout, "GET "+url+" to answer "+fmt.Sprint(want), func() bool {
		resp, err := c.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == want
	})
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Context returns a context cancelled when the test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines returns the output split into lines.
func (p *Proc) Lines() []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader([]byte(p.Output())))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// Main is TestMain for packages that run processes: it runs the tests and
// then fails the package if goroutines were leaked. WaitHTTP's readiness
// probes leave idle keep-alive connections in the default transport; they
// are the tests' own and are closed first.
func Main(m *testing.M) {
	code := m.Run()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// Buffer is an io.Writer safe for concurrent writes, for collecting the
// output of processes and of request goroutines.
type Buffer = syncBuffer
