package tools

import (
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
