package sqlite

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

// The causes a test cannot bring about on a real disk (a read-only file
// system, a full disk, root's permissions) are told from the errno.
func TestCauseNamesTheFailureOfADirectory(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"a read-only file system", &os.PathError{Op: "mkdir", Path: "/ro/data", Err: syscall.EROFS}, "the file system is read-only"},
		{"a permission", &os.PathError{Op: "open", Path: "/data/sloguard.lock", Err: syscall.EACCES}, "permission denied"},
		{"a path through a file", &os.PathError{Op: "mkdir", Path: "/etc/hosts/data", Err: syscall.ENOTDIR}, "not a directory"},
		{"a full disk", fmt.Errorf("write: %w", syscall.ENOSPC), "the disk is full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cause(tt.err); !strings.Contains(got, tt.want) {
				t.Errorf("cause(%v) = %q, want it to say %q", tt.err, got, tt.want)
			}
		})
	}
}
