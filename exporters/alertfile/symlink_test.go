//go:build unix

package alertfile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/exporters/alertfile"
)

// A symbolic link planted in place of the alert file is not followed: New
// fails naming the path, and the file the link points at (which a torn-line
// repair would otherwise truncate) is left as it was.
func TestASymlinkInPlaceOfTheAlertFileIsNotFollowed(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	const content = "no newline at the end, so a torn-line repair would empty it"
	if err := os.WriteFile(victim, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "production_alerts.ndjson")
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	s, err := alertfile.New(path)
	if err == nil {
		s.Shutdown(t.Context())
		t.Fatal("New on a planted symbolic link succeeded")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("New error %q does not name %s as a symbolic link", err, path)
	}
	if got, _ := os.ReadFile(victim); string(got) != content {
		t.Errorf("the file the link points at was changed to %q", got)
	}
}
