package tools

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// repoTop is the top of the sloguard repository (this module lives in tools/).
func repoTop(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source to find the repository top")
	}
	return filepath.Dir(filepath.Dir(file))
}

// repoPath joins elements onto the repository top.
func repoPath(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{repoTop(t)}, elem...)...)
}

// toolsDir is where scripts/tools puts the binaries: $SLOGUARD_TOOLS_BIN, or
// .tools/bin at the repository top (the same rule as internal/testbin, which
// this module cannot import).
func toolsDir(t testing.TB) string {
	if d := os.Getenv("SLOGUARD_TOOLS_BIN"); d != "" {
		return d
	}
	return repoPath(t, ".tools", "bin")
}

// toolPath returns the named tool from toolsDir or PATH. A missing tool fails
// the test under CI (CI=true), where scripts/tools must have built it, and
// skips it elsewhere.
func toolPath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(toolsDir(t), name)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found in %s or on PATH: scripts/tools builds it", name, toolsDir(t))
	}
	t.Skipf("%s not found in %s or on PATH; run scripts/tools %s", name, toolsDir(t), name)
	return ""
}
