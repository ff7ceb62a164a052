package atomicfile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/internal/atomicfile"
)

func TestWriteReplacesTheWholeFileAndLeavesNoTemporary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "report.json")
	for _, content := range []string{"first version, rather long\n", "second\n"} {
		if err := atomicfile.Write(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the file (no temporary left)", len(entries))
	}
}

func TestWriteFailureNamesThePathAndKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	// a path whose parent is a regular file cannot be written
	parent := filepath.Join(dir, "file")
	os.WriteFile(parent, []byte("x"), 0o644)
	err := atomicfile.Write(filepath.Join(parent, "report.json"), []byte("y"), 0o644)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(parent, "report.json")) {
		t.Fatalf("error %v, want one naming the path", err)
	}
	if b, _ := os.ReadFile(parent); string(b) != "x" {
		t.Errorf("the existing file changed to %q", b)
	}
}
