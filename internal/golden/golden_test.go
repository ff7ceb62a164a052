package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of ending the test.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg = format
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.failed = true }

func TestAssert(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.golden")
	if err := os.WriteFile(path, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		got      string
		wantFail bool
	}{
		{"the same bytes pass", path, "a\nb\n", false},
		{"a changed line fails", path, "a\nc\n", true},
		{"a missing trailing newline fails", path, "a\nb", true},
		{"a missing golden file fails", filepath.Join(dir, "none.golden"), "a\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Assert(r, tt.path, []byte(tt.got))
			if r.failed != tt.wantFail {
				t.Errorf("failed = %v, want %v", r.failed, tt.wantFail)
			}
		})
	}
}

func TestDiffNamesTheFirstLineThatDiffers(t *testing.T) {
	if got, want := diff([]byte("a\nb\nc"), []byte("a\nx\nc")), "line 2\n got: \"b\"\nwant: \"x\""; got != want {
		t.Errorf("diff = %q, want %q", got, want)
	}
}
