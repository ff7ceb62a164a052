package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sloguard/sloguard/api"
	"github.com/sloguard/sloguard/internal/proctest"
)

// serveWithoutKey starts serve in dir with neither DASHBOARD_KEY nor
// --dash-key-file.
func serveWithoutKey(t *testing.T, dir string) (*proctest.Proc, string) {
	t.Helper()
	if _, ok := os.LookupEnv("DASHBOARD_KEY"); ok {
		t.Setenv("DASHBOARD_KEY", "")
		os.Unsetenv("DASHBOARD_KEY")
	}
	return proctest.Serve(t, dir, nil, "--traces-file", "", "--report-file", "", "--alerts-file", "")
}

func apiStatus(t *testing.T, base string, key []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+api.PathReport, nil)
	req.Header.Set(api.KeyHeader, string(key))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func stopServe(t *testing.T, p *proctest.Proc) {
	t.Helper()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 30*time.Second); err != nil {
		t.Fatalf("serve exited with %v", err)
	}
}

// A key serve makes is written to data/dashboard.key (mode 0600) and never
// printed; a restart reads it again.
func TestAGeneratedKeyIsKeptInTheDataDirectoryAndNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	p, base := serveWithoutKey(t, dir)
	path := filepath.Join(dir, "data", "dashboard.key")
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("no key file: %v\n%s", err, p.Output())
	}
	if st.Mode() != 0o600 {
		t.Errorf("%s has mode %v, want -rw-------", path, st.Mode())
	}
	raw, _ := os.ReadFile(path)
	key := bytes.TrimSpace(raw)
	if len(key) < api.MinKeyLength {
		t.Fatalf("the key file holds %d characters", len(key))
	}
	if got := apiStatus(t, base, key); got != http.StatusOK {
		t.Errorf("the key from the file got %d, want 200", got)
	}
	if !strings.Contains(p.Output(), filepath.Join("data", "dashboard.key")) {
		t.Errorf("the banner does not say where the key is:\n%s", p.Output())
	}
	stopServe(t, p)
	if out := p.Output(); strings.Contains(out, string(key)) || regexp.MustCompile(`[0-9a-f]{48}`).MatchString(out) {
		t.Errorf("serve printed the key:\n%s", out)
	}

	p2, base2 := serveWithoutKey(t, dir)
	if got := apiStatus(t, base2, key); got != http.StatusOK {
		t.Errorf("after a restart the same key got %d, want 200", got)
	}
	again, _ := os.ReadFile(path)
	if !bytes.Equal(again, raw) {
		t.Error("a restart changed the key file")
	}
	stopServe(t, p2)
	if strings.Contains(p2.Output(), string(key)) {
		t.Errorf("the second serve printed the key:\n%s", p2.Output())
	}
}

func TestAKeyFileServeWouldNotHaveMadeIsRefused(t *testing.T) {
	tests := []struct {
		name  string
		plant func(t *testing.T, path string)
		want  string
	}{
		{"a symbolic link", func(t *testing.T, path string) {
			target := filepath.Join(filepath.Dir(path), "elsewhere")
			os.WriteFile(target, []byte("someone-elses-key-0123456789\n"), 0o600)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}, "symbolic link"},
		{"a dangling symbolic link", func(t *testing.T, path string) {
			if err := os.Symlink(filepath.Join(filepath.Dir(path), "absent"), path); err != nil {
				t.Fatal(err)
			}
		}, "symbolic link"},
		{"a file others may read", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("0123456789abcdef0123\n"), 0o644)
			os.Chmod(path, 0o644)
		}, "may be read by others"},
		{"a key too short", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("short\n"), 0o600)
		}, "5 characters long"},
		{"a directory", func(t *testing.T, path string) {
			os.Mkdir(path, 0o700)
		}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			os.MkdirAll(dir, 0o755)
			path := filepath.Join(dir, dashKeyFile)
			tt.plant(t, path)
			_, err := serveDashKey("", dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("serveDashKey() = %v, want an error naming %s and saying %q", err, path, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "absent")); err == nil {
				t.Error("a key was written through the dangling link")
			}
		})
	}
}
