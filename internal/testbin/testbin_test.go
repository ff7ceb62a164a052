package testbin

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeTool writes an executable named name into a directory that becomes
// SLOGUARD_TOOLS_BIN for the test.
func fakeTool(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLOGUARD_TOOLS_BIN", dir)
	return p
}

// runPath calls Path in a subtest and reports what it returned and whether
// the subtest was skipped.
func runPath(t *testing.T, name string) (path string, skipped bool) {
	t.Helper()
	var sub *testing.T
	t.Run(name, func(t *testing.T) {
		sub = t
		path = Path(t, name)
	})
	return path, sub.Skipped()
}

func TestQuickReadsTheEnvironment(t *testing.T) {
	for _, c := range []struct {
		value string
		want  bool
	}{
		{"", false},
		{"0", false},
		{"false", false},
		{"1", true},
		{"true", true},
		{"yes", true},
	} {
		t.Run("SLOGUARD_QUICK="+c.value, func(t *testing.T) {
			t.Setenv("SLOGUARD_QUICK", c.value)
			if got := Quick(); got != c.want {
				t.Errorf("Quick() = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPathFindsATool(t *testing.T) {
	for _, c := range []struct {
		name        string
		quick, ci   string
		wantSkipped bool
	}{
		{"a built tool is returned", "", "", false},
		{"a built tool is returned under CI", "", "true", false},
		{"the quick mode skips although the tool is built", "1", "", true},
		{"the quick mode skips under CI too", "1", "true", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := fakeTool(t, "some-server")
			t.Setenv("SLOGUARD_QUICK", c.quick)
			t.Setenv("CI", c.ci)
			got, skipped := runPath(t, "some-server")
			if skipped != c.wantSkipped {
				t.Fatalf("skipped = %v, want %v", skipped, c.wantSkipped)
			}
			if !skipped && got != want {
				t.Errorf("Path = %q, want %q", got, want)
			}
		})
	}
}

func TestPathSkipsAMissingToolOutsideCI(t *testing.T) {
	fakeTool(t, "another-server")
	t.Setenv("SLOGUARD_QUICK", "")
	t.Setenv("CI", "")
	t.Setenv("PATH", t.TempDir())
	if _, skipped := runPath(t, "no-such-server"); !skipped {
		t.Error("a missing tool did not skip the test")
	}
}

func TestLookupFallsBackToPATH(t *testing.T) {
	t.Setenv("SLOGUARD_TOOLS_BIN", t.TempDir())
	onPath := t.TempDir()
	p := filepath.Join(onPath, "path-tool")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", onPath)
	got, ok := Lookup("path-tool")
	if !ok || got != p {
		t.Errorf("Lookup = %q, %v; want %q from PATH", got, ok, p)
	}
}
