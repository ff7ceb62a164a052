// Package testbin finds the real servers and tools that integration tests
// run (promtool, prometheus, alertmanager, jaeger, the collector, chromium).
//
// scripts/test builds them from the pinned tools modules into .tools/bin (or
// installs them from Debian's packages) before the tests run. A test that
// needs one calls Path: under CI (CI=true) a missing binary fails the test
// loudly, elsewhere it skips it with the command that provides it. In the
// quick mode (SLOGUARD_QUICK=1, what `scripts/test --quick` sets) Path skips
// every such test, even when the binary is there, so a quick run starts no
// real server and says which tests the full run adds.
//
// Everything here only reads the environment and the file system: safe for
// concurrent use by parallel tests.
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is the directory the tools are built into: $SLOGUARD_TOOLS_BIN, or
// .tools/bin at the top of the repository.
func Dir() string {
	if d := os.Getenv("SLOGUARD_TOOLS_BIN"); d != "" {
		return d
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join(".tools", "bin")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", ".tools", "bin")
}

// Lookup returns the path of the named tool: first in Dir, then on PATH.
func Lookup(name string) (string, bool) {
	p := filepath.Join(Dir(), name)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p, true
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	return "", false
}

// Quick reports whether the tests run in the quick mode: SLOGUARD_QUICK set
// to anything but "", "0" or "false".
func Quick() bool {
	switch os.Getenv("SLOGUARD_QUICK") {
	case "", "0", "false":
		return false
	}
	return true
}

// Path returns the path of the named tool, or ends the test: in the quick
// mode it skips, naming the command that runs the test; otherwise it fails
// under CI, where scripts/test must have provided the tool, and skips
// elsewhere.
func Path(t testing.TB, name string) string {
	t.Helper()
	if Quick() {
		t.Skipf("needs %s, and SLOGUARD_QUICK is set: scripts/test without --quick runs this test", name)
	}
	if p, ok := Lookup(name); ok {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found in %s or on PATH: scripts/test builds it (scripts/tools) before the tests", name, Dir())
	}
	t.Skipf("%s not found in %s or on PATH; run scripts/tools to build it", name, Dir())
	return ""
}
